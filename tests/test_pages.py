"""Every page renders in Khmer and in English for the people who use it."""

import re

import pytest

from curriculum.content import catalog
from curriculum.services import quizzes

PAGES = [
    ("anonymous", "/login"),
    ("anonymous", "/learn/glossary"),
    ("trainee", "/learn/"),
    ("trainee", "/learn/modules"),
    ("trainee", "MODULE"),
    ("trainee", "LESSON"),
    ("trainee", "QUIZ"),
    ("trainee", "RESULT"),
    ("trainee", "/account/password"),
    ("facilitator", "/learn/modules"),
    ("committee", "/committee/"),
    ("committee", "CANDIDATE"),
    ("admin", "/admin/content"),
]


@pytest.mark.parametrize("lang", ["km", "en"])
@pytest.mark.parametrize(("role", "path"), PAGES)
def test_page_renders_in_each_language(app, client, users, as_user, role, path, lang):
    module = catalog().modules[0]
    quiz = catalog().quiz(module.quiz_key)
    attempt, _ = quizzes.submit_attempt(
        users["trainee"], quiz, {}, token=quizzes.new_attempt_token(), locale="km"
    )
    path = {
        "MODULE": f"/learn/{module.key}",
        "LESSON": f"/learn/{module.key}/{module.lessons[0].key}",
        "QUIZ": f"/quiz/{quiz.key}",
        "RESULT": f"/quiz/attempts/{attempt.id}",
        "CANDIDATE": f"/committee/candidates/{users['candidate'].id}",
    }.get(path, path)
    if role != "anonymous":
        as_user(users[role])
    response = client.get(f"{path}?lang={lang}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert f'<html lang="{lang}">' in html
    # No page needs JavaScript: the only scripts are our own files, loaded deferred,
    # and forms post to the server.
    for tag in re.findall(r"<script[^>]*>", html):
        assert 'src="/static/' in tag and "defer" in tag
    if path.startswith("/learn/") and module.key in path and "lesson" not in role:
        assert module.title[lang] in html


def test_lesson_is_shown_in_the_chosen_language(app, client, users, as_user):
    as_user(users["trainee"])
    module = catalog().modules[0]
    lesson = module.lessons[0]
    km = client.get(f"/learn/{module.key}/{lesson.key}?lang=km").get_data(as_text=True)
    en = client.get(f"/learn/{module.key}/{lesson.key}?lang=en").get_data(as_text=True)
    assert lesson.title.km in km and lesson.html.km in km
    assert lesson.title.en in en and lesson.html.en in en


def test_unknown_module_or_lesson_is_not_found(app, client, users, as_user):
    as_user(users["trainee"])
    assert client.get("/learn/no-such-module").status_code == 404
    module = catalog().modules[0]
    assert client.get(f"/learn/{module.key}/no-such-lesson").status_code == 404
    assert client.get("/quiz/no-such-quiz").status_code == 404


def test_glossary_terms_are_explained_on_the_lesson_page(app, client, users, as_user):
    as_user(users["trainee"])
    module = next(
        m for m in catalog().modules if any(lesson.terms for lesson in m.lessons)
    )
    lesson = next(lesson for lesson in module.lessons if lesson.terms)
    html = client.get(f"/learn/{module.key}/{lesson.key}?lang=en").get_data(
        as_text=True
    )
    key = lesson.terms[0]
    assert f'href="#term-{key}"' in html
    assert f'id="term-{key}"' in html
    assert catalog().term(key).definition.en in html


def test_the_other_language_is_one_tap_away(app, client, users, as_user):
    as_user(users["trainee"])
    module = catalog().modules[0]
    lesson = module.lessons[0]
    html = client.get(f"/learn/{module.key}/{lesson.key}").get_data(as_text=True)
    assert f'/learn/{module.key}/{lesson.key}?lang=en" lang="en"' in html
