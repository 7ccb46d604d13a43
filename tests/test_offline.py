"""Offline mode: manifest, service worker, the allow-list, queued quiz replays, sign-out."""

import json
import re

import pytest
from sqlalchemy import func, select

from curriculum.content import catalog
from curriculum.extensions import db
from curriculum.models import QuizAttempt
from curriculum.services import offline
from tests.factories import answers_scoring, as_form, make_user

SENSITIVE = (
    "/committee",
    "/reports",
    "/admin",
    "/workshops",
    "/cmg",
    "/certificates",
    "/learn/vetting",
    "/account",
    "/setup",
)


def fetched(client, url) -> int:
    response = client.get(url)
    response.close()
    return response.status_code


def first_module():
    module, _required = catalog().modules_for_tracks(["police"])[0]
    return module


def token_from(html: str) -> str:
    return re.search(r'name="token"[^>]*value="([^"]+)"', html).group(1)


def test_manifest_names_icons_and_display(client, app):
    response = client.get("/manifest.webmanifest?lang=en")
    assert response.mimetype == "application/manifest+json"
    body = json.loads(response.get_data(as_text=True))
    assert body["name"] == "Safe Homes" and body["short_name"]
    assert body["display"] == "standalone" and body["scope"] == "/"
    assert body["start_url"] == "/" and body["theme_color"] == "#6b2580"
    sizes = {(icon["sizes"], icon.get("purpose", "any")) for icon in body["icons"]}
    assert {("192x192", "any"), ("512x512", "any"), ("512x512", "maskable")} <= sizes
    for icon in body["icons"]:
        assert fetched(client, icon["src"]) == 200
    km = json.loads(client.get("/manifest.webmanifest?lang=km").get_data(as_text=True))
    assert km["lang"] == "km"


def test_pages_link_the_manifest_and_theme_colour(client, app):
    html = client.get("/login").get_data(as_text=True)
    assert 'rel="manifest" href="/manifest.webmanifest"' in html
    assert '<meta name="theme-color" content="#6b2580">' in html


def test_service_worker_is_served_from_the_root_uncached(client, app):
    response = client.get("/sw.js")
    assert response.status_code == 200
    assert response.mimetype == "text/javascript"
    assert response.headers["Cache-Control"] == "no-cache"
    assert response.headers["Service-Worker-Allowed"] == "/"
    # The strict CSP allows a same-origin worker and manifest (both fall back to 'self').
    csp = response.headers["Content-Security-Policy"]
    assert "worker-src" not in csp and "script-src 'self'" in csp
    assert "default-src 'self'" in csp and "manifest-src" not in csp
    settings = json.loads(response.get_data(as_text=True).split("\n", 1)[0][14:-1])
    assert settings["allowed"] == [p.pattern for p in offline.ALLOWED]
    assert settings["never"] == list(offline.NEVER)


@pytest.mark.parametrize(
    "path",
    [
        *SENSITIVE,
        "/committee/candidates/3",
        "/reports/overview",
        "/workshops/1/attendance",
        "/workshops/1/roster",
        "/admin/content",
        "/cmg/report",
        "/certificates/verify",
        "/learn/vetting",
        "/learn/modules",
        "/learn/offline",
        "/learn/offline/token",
        "/learn/offline/modules.json",
        "/quiz/attempts/4",
        "/quiz/measure/knowledge/pre",
        "/logout",
        "/",
    ],
)
def test_allow_list_refuses_pages_about_other_people(path):
    assert not offline.allowed(path)


@pytest.mark.parametrize(
    "path", ["/learn/glossary", "/learn/m/l", "/learn/m", "/quiz/q", "/offline"]
)
def test_allow_list_admits_the_learning_path(path):
    assert offline.allowed(path)


def test_module_list_holds_only_the_trainees_track(client, app, users, as_user):
    as_user(users["trainee"])
    body = client.get("/learn/offline/modules.json").get_json()
    assert body["user"] == users["trainee"].id
    keys = [m["key"] for m in body["modules"]]
    assert keys == [m.key for m, _r in catalog().modules_for_tracks(["police"])]
    urls = body["common"] + [url for m in body["modules"] for url in m["urls"]]
    assert urls and all(offline.allowed(url) for url in urls)
    assert not [u for u in urls for p in SENSITIVE if u.startswith(p)]
    for url in urls:
        assert fetched(client, url) == 200, url


def test_module_version_follows_the_lessons_hashes(app):
    module = first_module()
    before = offline.module_version(catalog(), module, "km", "a")
    assert before == offline.module_version(catalog(), module, "km", "a")
    assert before != offline.module_version(catalog(), module, "en", "a")
    assert before != offline.module_version(catalog(), module, "km", "b")
    changed = type(module.lessons[0]).__new__(type(module.lessons[0]))
    for slot in type(module.lessons[0]).__slots__:
        object.__setattr__(changed, slot, getattr(module.lessons[0], slot))
    object.__setattr__(changed, "version", "edited")
    other = type(module)(
        **{
            s: getattr(module, s)
            for s in type(module).__slots__
            if not s.startswith("__")
        }
        | {"lessons": (changed, *module.lessons[1:])}
    )
    assert offline.module_version(catalog(), other, "km", "a") != before


@pytest.mark.parametrize("role", ["facilitator", "committee", "admin"])
def test_staff_have_no_offline_list(client, app, users, as_user, role):
    as_user(users[role])
    assert client.get("/learn/offline/modules.json").status_code == 403
    assert client.get("/learn/offline").status_code == 403


def test_offline_page_explains_without_javascript(client, app, users, as_user):
    as_user(users["trainee"])
    html = client.get("/learn/offline?lang=en").get_data(as_text=True)
    assert "<noscript>" in html and first_module().title["en"] in html
    assert client.get("/offline?lang=en").status_code == 200


# What static/offline.js sends with every queued submission.
QUEUED = {"Accept": "application/json", "X-Requested-With": "offline-queue"}


def replay(client, quiz, token, **extra):
    data = as_form(answers_scoring(quiz)) | {
        "token": token,
        "quiz_version": quiz.version,
    }
    return client.post(
        f"/learn/offline/quiz/{quiz.key}", data=data | extra, headers=QUEUED
    )


def attempts(user) -> int:
    return db.session.scalar(
        select(func.count(QuizAttempt.id)).where(QuizAttempt.user_id == user.id)
    )


def test_a_replayed_submission_counts_once(client, app, users, as_user):
    user = users["trainee"]
    as_user(user)
    quiz = catalog().quiz(first_module().quiz_key)
    token = token_from(client.get(f"/quiz/{quiz.key}").get_data(as_text=True))
    results = {
        replay(client, quiz, token, account=str(user.id)).get_json()["result"]
        for _ in range(5)
    }
    assert len(results) == 1 and attempts(user) == 1
    assert client.get(results.pop()).status_code == 200


def test_a_replay_for_a_changed_quiz_is_kept_and_explained(client, app, users, as_user):
    user = users["trainee"]
    as_user(user)
    quiz = catalog().quiz(first_module().quiz_key)
    response = replay(client, quiz, "tok-1", account=str(user.id), quiz_version="old")
    assert response.status_code == 409
    assert response.get_json() == {"status": "changed"}
    assert attempts(user) == 0


def test_a_replay_from_another_account_is_refused(client, app, users, as_user):
    as_user(users["trainee"])
    quiz = catalog().quiz(first_module().quiz_key)
    other = make_user("other", tracks=["police"])
    response = replay(client, quiz, "tok-2", account=str(other.id))
    assert response.status_code == 409
    assert response.get_json()["status"] == "other_account"
    assert attempts(users["trainee"]) == 0 and attempts(other) == 0


def test_a_replay_after_the_session_ended_asks_to_sign_in(client, app, users):
    quiz = catalog().quiz(first_module().quiz_key)
    response = replay(client, quiz, "tok-3", account=str(users["trainee"].id))
    assert response.status_code == 401
    assert response.get_json() == {"status": "signed_out"}
    assert client.get("/learn/offline/token").status_code == 401


def test_a_replay_with_an_expired_csrf_token_says_so(client, app, users, as_user):
    user = users["trainee"]
    as_user(user)
    quiz = catalog().quiz(first_module().quiz_key)
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        response = replay(client, quiz, "tok-4", account=str(user.id), csrf_token="x")
        assert response.status_code == 400
        assert response.get_json() == {"status": "expired"}
        fresh = client.get("/learn/offline/token").get_json()["csrf"]
        response = replay(client, quiz, "tok-4", account=str(user.id), csrf_token=fresh)
        assert response.status_code == 200
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    assert attempts(user) == 1


def test_sign_out_clears_the_phone_and_keeps_the_message(client, app, users, as_user):
    as_user(users["trainee"])
    response = client.post("/logout")
    assert response.headers["Clear-Site-Data"] == '"cache", "storage"'
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert 'class="flash info"' in html  # the session cookie, and its flash, stay


def test_the_service_worker_answers_not_modified_when_unchanged(client):
    first = client.get("/sw.js")
    assert first.status_code == 200 and first.headers["ETag"]
    again = client.get("/sw.js", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304
    assert again.get_data() == b""
    assert again.headers["Service-Worker-Allowed"] == "/"
