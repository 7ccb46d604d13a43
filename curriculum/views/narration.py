"""Recorded narration: narrators record each part; trainees listen; files are served.

- /narration/                        coverage of every module, by language
- /narration/lesson/<module>/<lesson> one lesson's parts: the text, the recording, review
- /narration/quiz/<quiz>             one quiz's questions, the same
- /narration/record                  save a recording (browser recorder or a file)
- /narration/<id>/review             approve, send back or delete
- /audio/<sha256>.ogg                the file, with range requests, cached for a year
"""

from dataclasses import dataclass

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from markupsafe import Markup

from curriculum.content import catalog
from curriculum.content.model import LOCALES, Lesson, Module
from curriculum.content.parts import Part, sections
from curriculum.extensions import db
from curriculum.forms.narration import NarrationForm, NarrationReviewForm
from curriculum.headers import MICROPHONE_POLICY
from curriculum.models import Narration
from curriculum.permissions import can_approve_narration, can_narrate
from curriculum.services import audio, narration
from curriculum.views.decorators import require

bp = Blueprint("narration", __name__)

MESSAGES = {
    "forbidden": _l("You cannot record or review narration."),
    "unknown_part": _l("This part is no longer in the curriculum. Reload the page."),
    "text_changed": _l(
        "The text of this part changed after you opened the page. "
        "Read the new text and record it again."
    ),
    "empty": _l("The file is empty. Record again."),
    "too_large": _l("The recording is too large: at most %(mb)s MB."),
    "too_long": _l(
        "The recording is too long: at most %(minutes)s minutes for a part."
    ),
    "too_short": _l("The recording is too short. Record the whole part."),
    "unreadable": _l(
        "This file cannot be read as sound. Record again, or choose another file "
        "(WebM, Ogg, M4A, MP3 or WAV)."
    ),
    "needs_converter": _l(
        "This server keeps only Ogg Opus files, because it has no converter (ffmpeg). "
        "Record in the browser with Firefox, or ask the administrator to install ffmpeg."
    ),
    "own_recording": _l("Another narrator or an admin must approve your recording."),
    "stale": _l("The text changed after this was recorded. Record it again."),
}
SAVED = _l("Saved. Another narrator or an admin listens to it and approves it.")
SAVED_ADMIN = _l("Saved. Approve it when you have listened to it.")


def message(error: narration.NarrationError) -> str:
    """Return the sentence for a refused recording or review, in the user's language."""
    return str(MESSAGES.get(error.code, MESSAGES["unreadable"])) % error.values


def _voice() -> str:
    voice = request.args.get("voice", "km")
    return voice if voice in LOCALES else "km"


@bp.before_request
def _larger_uploads():
    """Let a recording be larger than other posts; the service checks it again."""
    if request.endpoint == "narration.record":
        request.max_content_length = current_app.config["NARRATION_MAX_UPLOAD_BYTES"]


@bp.after_request
def _microphone(response):
    """Let the narrator's pages (and only them) ask for the microphone."""
    if request.endpoint in ("narration.lesson", "narration.quiz"):
        response.headers["Permissions-Policy"] = MICROPHONE_POLICY
    return response


@dataclass(frozen=True)
class Row:
    """One part on a narrator's page."""

    part: Part
    target: str
    recording: Narration | None
    fresh: bool
    html: Markup | None  # a lesson section as trainees see it; None for a question


def _rows(targets: dict[str, Part], voice: str, html: dict | None = None) -> list[Row]:
    found = narration.recordings(targets, voice)
    rows = []
    for target, part in targets.items():
        rec = found.get((target, voice))
        rows.append(
            Row(
                part,
                target,
                rec,
                bool(rec) and narration.is_fresh(rec, part),
                html.get(part.key) if html else None,
            )
        )
    return rows


@bp.route("/narration/")
@require(can_narrate)
def index():
    """List every module with how much of it is narrated, in the chosen language."""
    voice = _voice()
    modules = catalog().modules
    return render_template(
        "narration/index.html",
        modules=modules,
        coverage=narration.coverage(modules, voice),
        voice=voice,
    )


def _page(template_args: dict, rows: list[Row], voice: str, back: str):
    forms = NarrationForm(formdata=None)
    return render_template(
        "narration/parts.html",
        rows=rows,
        voice=voice,
        form=forms,
        review_form=NarrationReviewForm(formdata=None),
        back=back,
        may_approve=lambda rec: can_approve_narration(current_user, rec.recorded_by_id),
        **template_args,
    )


@bp.route("/narration/lesson/<module_key>/<lesson_key>")
@require(can_narrate)
def lesson(module_key: str, lesson_key: str):
    """Show a lesson's parts, each with its text, its recording and a recorder."""
    module = catalog().module(module_key) or abort(404)
    item = module.lesson(lesson_key) or abort(404)
    voice = _voice()
    chunks = {
        f"s{i}": Markup(h + r)  # noqa: S704 - the lesson's own HTML, rendered at load
        for i, (h, r) in enumerate(sections(item.html[voice]))
    }
    rows = _rows(narration.targets_of_lesson(module, item), voice, chunks)
    here = url_for(
        "narration.lesson", module_key=module.key, lesson_key=item.key, voice=voice
    )
    return _page({"module": module, "lesson": item, "quiz": None}, rows, voice, here)


@bp.route("/narration/quiz/<quiz_key>")
@require(can_narrate)
def quiz(quiz_key: str):
    """Show a quiz's questions, each with what to read, its recording and a recorder."""
    found = catalog().quiz(quiz_key) or abort(404)
    module = catalog().module(found.module_key)
    voice = _voice()
    rows = _rows(narration.targets_of_quiz(found), voice)
    here = url_for("narration.quiz", quiz_key=found.key, voice=voice)
    return _page({"module": module, "lesson": None, "quiz": found}, rows, voice, here)


def _back(default: str) -> str:
    """Return the narrator's page to go back to (only a path of ours)."""
    back = request.form.get("back", "")
    return back if back.startswith("/narration/") and "//" not in back else default


def _anchor(target: str) -> str:
    """Return the id of a part's section on the narrator's page (a key of ours only)."""
    key = target.rsplit("#", 1)[-1]
    return f"part-{key}" if key.replace("-", "").replace("_", "").isalnum() else ""


def _answer(ok: bool, text: str, back: str, anchor: str):
    wants_json = request.accept_mimetypes.best == "application/json"
    if ok or not wants_json:  # after a save, the recorder's script reloads the page
        flash(text, "info" if ok else "error")
    if wants_json:
        return jsonify(status="saved" if ok else "refused", message=text, next=back), (
            200 if ok else 422
        )
    return redirect(f"{back}#{anchor}" if anchor else back)


@bp.route("/narration/record", methods=["POST"])
@require(can_narrate)
def record():
    """Save a recording of one part (from the recorder's script or a chosen file)."""
    form = NarrationForm()
    back = _back(url_for("narration.index"))
    if not form.validate_on_submit():
        errors = form.audio.errors or [_("The form was incomplete. Reload the page.")]
        return _answer(False, str(errors[0]), back, "")
    anchor = _anchor(form.target.data)
    data = form.audio.data.read()  # the request's size is limited above
    try:
        narration.record(
            current_user, form.target.data, form.locale.data, form.text_hash.data, data
        )
    except narration.NarrationError as error:
        return _answer(False, message(error), back, anchor)
    text = SAVED_ADMIN if current_user.role == "admin" else SAVED
    return _answer(True, str(text), back, anchor)


@bp.route("/narration/<int:narration_id>/review", methods=["POST"])
@require(can_narrate)
def review(narration_id: int):
    """Approve a recording, send it back to be recorded again, or delete it."""
    form = NarrationReviewForm()
    rec = db.session.get(Narration, narration_id) or abort(404)
    back = _back(url_for("narration.index"))
    if not form.validate_on_submit():
        abort(400)
    anchor = _anchor(rec.target)
    try:
        if form.decision.data == "delete":
            narration.delete(current_user, rec)
            text = _("The recording is deleted.")
        else:
            narration.review(current_user, rec, form.decision.data == "approve")
            text = (
                _("Approved. Trainees hear it now.")
                if form.decision.data == "approve"
                else _("Sent back to be recorded again.")
            )
    except narration.NarrationError as error:
        return _answer(False, message(error), back, anchor)
    return _answer(True, text, back, anchor)


@bp.route("/audio/<sha256>.ogg")
@login_required
def audio_file(sha256: str):
    """Serve a recording: approved ones to anyone signed in, others to narrators."""
    if len(sha256) != 64 or not all(c in "0123456789abcdef" for c in sha256):
        abort(404)
    rec = narration.heard(sha256)
    if rec is None or (rec.state != "approved" and not can_narrate(current_user)):
        abort(404)
    path = audio.path_of(sha256)
    if not path.is_file():
        abort(404)
    response = send_file(
        path, mimetype=rec.mime, conditional=True, etag=sha256, max_age=365 * 24 * 3600
    )
    # Named by its content: never changes. Private: a signed-in page's file.
    response.headers["Cache-Control"] = "private, max-age=31536000, immutable"
    return response


@dataclass(frozen=True)
class Section:
    """A lesson section with the recording trainees hear beside it (or none)."""

    key: str
    head: Markup
    rest: Markup
    recording: Narration | None
    title: str


def lesson_sections(module: Module, item: Lesson, locale: str) -> list[Section]:
    """Return a lesson's sections with their recordings; [] when none is narrated.

    With no recording, the page shows the lesson's HTML exactly as before.
    """
    heard = narration.for_lesson(module, item, locale)
    if not heard:
        return []
    titles = {p.key: p.title[locale] for p in item.parts}
    return [
        Section(
            key=f"s{i}",
            head=Markup(head),  # noqa: S704 - the lesson's own HTML, rendered at load
            rest=Markup(rest),  # noqa: S704
            recording=heard.get(f"s{i}"),
            title=titles.get(f"s{i}") or item.title[locale],
        )
        for i, (head, rest) in enumerate(sections(item.html[locale]))
    ]
