"""Offline mode: the web app manifest, the service worker and the saved modules."""

import json
from pathlib import Path

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    jsonify,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import generate_csrf

from curriculum.content import catalog
from curriculum.i18n import current_locale
from curriculum.permissions import can_learn
from curriculum.services import offline
from curriculum.static_files import asset_url, fingerprint
from curriculum.views.decorators import require
from curriculum.views.quiz import posted_answers

bp = Blueprint("offline", __name__)

THEME = "#6b2580"  # --accent in static/app.css
BACKGROUND = "#ffffff"


@bp.route("/manifest.webmanifest")
def manifest():
    """Describe the installable web app, in the page's language."""
    icons = [
        {
            "src": asset_url("icons/icon-192.png"),
            "sizes": "192x192",
            "type": "image/png",
        },
        {
            "src": asset_url("icons/icon-512.png"),
            "sizes": "512x512",
            "type": "image/png",
        },
        {
            "src": asset_url("icons/maskable-512.png"),
            "sizes": "512x512",
            "type": "image/png",
            "purpose": "maskable",
        },
    ]
    body = {
        "name": _("Safe Homes"),
        "short_name": _("Safe Homes"),
        "lang": current_locale(),
        "start_url": url_for("main.index"),
        "scope": "/",
        "display": "standalone",
        "theme_color": THEME,
        "background_color": BACKGROUND,
        "icons": icons,
    }
    response = Response(
        json.dumps(body, ensure_ascii=False), mimetype="application/manifest+json"
    )
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.route("/sw.js")
def service_worker():
    """Serve the service worker from the root, so that its scope is the whole site."""
    source = (Path(current_app.static_folder) / "sw.js").read_text(encoding="utf-8")
    settings = {
        "version": offline.assets_version(fingerprint),
        "allowed": [pattern.pattern for pattern in offline.ALLOWED],
        "never": list(offline.NEVER),
        "assets": [asset_url(name) for name in offline.ASSETS],
        "fallback": url_for("offline.fallback"),
    }
    head = f"var SETTINGS = {json.dumps(settings)};\n"
    response = Response(head + source, mimetype="text/javascript")
    response.headers["Cache-Control"] = "no-cache"
    response.headers["Service-Worker-Allowed"] = "/"
    # The browser checks for a new worker after each page: "not modified" costs little.
    response.add_etag()
    return response.make_conditional(request)


@bp.route("/offline")
def fallback():
    """Say that the phone is offline, and list what is saved (filled by the script)."""
    response = Response(render_template("offline.html"))
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.route("/learn/offline")
@require(can_learn)
def saved():
    """List the trainee's modules, to save them on this phone or remove them."""
    modules = _modules()
    return render_template("learn/offline.html", modules=modules)


@bp.route("/learn/offline/modules.json")
@require(can_learn)
def saved_json():
    """Give the URLs and versions of each of the trainee's modules, to save them."""
    body = {
        "format": 1,
        "user": current_user.id,
        "static": offline.assets_version(fingerprint),
        "common": offline.common_urls(asset_url),
        "modules": [
            {"key": s.module.key, "version": s.version, "urls": list(s.urls)}
            for s in _modules()
        ],
    }
    return jsonify(body)


def _modules() -> list[offline.Saved]:
    return offline.modules_for(
        current_user,
        catalog(),
        current_locale(),
        offline.assets_version(fingerprint),
    )


@bp.route("/learn/offline/token")
def token():
    """Give a fresh CSRF token to the queue's script (same origin only, no data)."""
    if not current_user.is_authenticated:
        return jsonify(status="signed_out"), 401
    response = jsonify(csrf=generate_csrf())
    response.headers["Cache-Control"] = "no-store"
    return response


# HTTP statuses of a replayed submission; the body's "status" says what to show.
REPLAY_STATUS = {
    "sent": 200,
    "changed": 409,
    "other_account": 409,
    "refused": 403,
    "locked": 403,
    "incomplete": 422,
}


@bp.route("/learn/offline/quiz/<quiz_key>", methods=["POST"])
def replay(quiz_key: str):
    """Grade a quiz submission kept on a phone while offline; answer in JSON."""
    if not current_user.is_authenticated:
        return jsonify(status="signed_out"), 401
    if not can_learn(current_user):
        abort(403)
    quiz = catalog().quiz(quiz_key)
    if quiz is None or quiz.kind != "module":
        abort(404)
    form = request.form
    if form.get("account") != str(current_user.id):
        return jsonify(status="other_account"), 409
    result = offline.replay_quiz(
        current_user,
        catalog(),
        quiz,
        posted_answers(quiz),
        token=form.get("token", "")[:64],
        version=form.get("quiz_version", "")[:64],
        locale=current_locale(),
    )
    body = {"status": result.status}
    if result.attempt_id is not None:
        body["result"] = url_for("quiz.result", attempt_id=result.attempt_id)
    return jsonify(body), REPLAY_STATUS[result.status]
