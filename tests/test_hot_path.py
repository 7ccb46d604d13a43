"""The lesson and quiz path made cheaper (issue 18): same pages, same answers.

Templates keep the request's translations in `g` (curriculum/app.py); these tests show
that what is kept never outlives the request, the locale or the reviewers' corrections.
"""

import re

from flask import render_template_string
from flask_babel import force_locale

from curriculum import i18n
from curriculum.content import catalog
from curriculum.extensions import babel

KM_GLOSSARY = "សទ្ទានុក្រម"


def test_a_second_request_sees_another_locale(client, app):
    first = client.get("/learn/glossary").get_data(as_text=True)
    second = client.get("/learn/glossary?lang=en").get_data(as_text=True)
    third = client.get("/learn/glossary?lang=km").get_data(as_text=True)
    assert f">{KM_GLOSSARY}</a>" in first
    assert ">Glossary</a>" in second and f">{KM_GLOSSARY}</a>" not in second
    assert f">{KM_GLOSSARY}</a>" in third


def test_a_second_request_sees_a_correction_made_in_between(client, app):
    before = app.extensions.get("ui_corrections")
    assert f">{KM_GLOSSARY}</a>" in client.get("/learn/glossary").get_data(as_text=True)
    try:
        # What services/review.py does when a reviewer corrects an interface sentence.
        app.extensions["ui_corrections"] = (("test", 1), {"Glossary": "ពាក្យគន្លឹះ"})
        i18n.forget_translations(babel)
        page = client.get("/learn/glossary").get_data(as_text=True)
        assert ">ពាក្យគន្លឹះ</a>" in page and f">{KM_GLOSSARY}</a>" not in page
    finally:
        if before is None:
            app.extensions.pop("ui_corrections", None)
        else:
            app.extensions["ui_corrections"] = before
        i18n.forget_translations(babel)
    assert f">{KM_GLOSSARY}</a>" in client.get("/learn/glossary").get_data(as_text=True)


def test_a_locale_forced_within_a_request_is_followed(app):
    with app.test_request_context("/", headers={"Accept-Language": "km"}):
        assert render_template_string("{{ _('Glossary') }}") == KM_GLOSSARY
        with force_locale("en"):
            assert render_template_string("{{ _('Glossary') }}") == "Glossary"
        assert render_template_string("{{ _('Glossary') }}") == KM_GLOSSARY


def test_plural_and_placeholders_still_work_in_templates(app):
    with app.test_request_context("/?lang=en"):
        text = render_template_string(
            "{% trans n=2 %}{{ n }} questions. You pass with {{ n }}% or more."
            "{% endtrans %}"
        )
        assert text == "2 questions. You pass with 2% or more."
        escaped = render_template_string("{{ _('%(x)s', x='<b>') }}")
        assert escaped == "&lt;b&gt;"


def test_a_submitted_quiz_is_still_not_cached(client, app, users, as_user):
    # The no-store header asks whether someone is signed in without reading his row
    # again after the submission's commit; it must still be there.
    as_user(users["trainee"])
    module = catalog().modules[0]
    quiz = catalog().quiz(module.quiz_key)
    page = client.get(f"/quiz/{quiz.key}").get_data(as_text=True)
    token = re.search(r'name="token" type="hidden" value="([^"]+)"', page).group(1)
    answers = {f"q-{q.key}": sorted(q.correct) for q in quiz.questions}
    response = client.post(f"/quiz/{quiz.key}", data={"token": token, **answers})
    assert response.status_code == 302 and "/attempts/" in response.headers["Location"]
    assert response.headers["Cache-Control"] == "no-store"
    assert client.get("/login").headers.get("Cache-Control") == "no-store"
    client.post("/logout")
    assert "no-store" not in client.get("/login").headers.get("Cache-Control", "")
