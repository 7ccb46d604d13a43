"""A police trainee's whole path in Khmer, up to a certificate anyone can verify."""

import re
from urllib.parse import urlencode

import pytest

from curriculum.services.demo import DEMO_PEOPLE
from tests.browser.phone import digits

pytestmark = pytest.mark.browser

TRAINEE = "police"
KHMER_FONT = "Noto Sans Khmer Subset"


def khmer_name(username: str) -> str:
    """Return a demo account's Khmer name, as `flask demo` creates it."""
    return next(person[1] for person in DEMO_PEOPLE if person[0] == username)


def pick(page, question, choice_keys) -> None:
    """Tick the given choices of one question."""
    for key in choice_keys:
        page.check(f"input[name='q-{question.key}'][value='{key}']")


def wrong_choice(question) -> str:
    """Return the key of a choice that is not right."""
    return next(c.key for c in question.choices if c.key not in question.correct)


def checked(page, question) -> set[str]:
    """Return the keys of the ticked choices of a question."""
    return set(
        page.locator(f"input[name='q-{question.key}']:checked").evaluate_all(
            "inputs => inputs.map(i => i.value)"
        )
    )


def submit_quiz(phone) -> None:
    """Press the quiz's submit button and wait for the result page."""
    phone.follow(phone.page.locator("form.quiz input[type=submit][name=submit]"))
    assert re.search(r"/quiz/attempts/\d+$", phone.page.url), phone.page.url


def post_quiz(phone, quiz) -> None:
    """Pass a quiz by a direct POST with the quiz page's tokens, as its form would."""
    phone.goto(f"/quiz/{quiz.key}")
    page = phone.page
    fields = [
        ("csrf_token", page.input_value("input[name=csrf_token]")),
        ("token", page.input_value("input[name=token]")),
    ]
    fields += [(f"q-{q.key}", key) for q in quiz.questions for key in sorted(q.correct)]
    response = phone.context.request.post(
        f"/quiz/{quiz.key}",
        data=urlencode(fields),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert response.ok and re.search(r"/quiz/attempts/\d+$", response.url), (
        f"POST /quiz/{quiz.key}: {response.status} {response.url}"
    )


def khmer_font_faces(phone, selector: str) -> list[dict]:
    """Return the fonts Chromium used to draw an element's text (DevTools protocol)."""
    cdp = phone.context.new_cdp_session(phone.page)
    try:
        root = cdp.send("DOM.getDocument", {"depth": -1})["root"]
        node = cdp.send(
            "DOM.querySelector", {"nodeId": root["nodeId"], "selector": selector}
        )
        cdp.send("CSS.enable")
        return cdp.send("CSS.getPlatformFontsForNode", {"nodeId": node["nodeId"]})[
            "fonts"
        ]
    finally:
        cdp.detach()


def test_a_trainee_reads_passes_the_quizzes_and_gets_a_verified_certificate(
    open_phone, content, km, audit
):
    track = content.track("police")
    modules = [content.module(key) for key in track.required]
    first, second, third = modules[:3]
    quizzes = [content.quiz(m.quiz_key) for m in modules]
    phone = open_phone("trainee", trainee=True)
    page = phone.page

    # Sign in and see the path: the first module open, the later ones locked.
    phone.goto("/login")
    phone.step("sign-in")
    phone.sign_in(TRAINEE)
    assert phone.path == "/learn/"
    phone.step("path")
    assert page.locator("h1").inner_text() == km("My learning path")
    progress = km(
        "%(passed)s of %(total)s required modules passed",
        passed=digits(0),
        total=digits(len(modules)),
    )
    assert progress in page.locator("p.progress-label").inner_text()
    cards = page.locator("ol.path li.module-card")
    assert cards.nth(0).locator("h2 a").inner_text() == first.title["km"]
    assert cards.nth(1).locator("h2 a").count() == 0  # locked: no link
    assert km("Pass the earlier modules first") in cards.nth(1).inner_text()

    # A module, its first lesson, and "next".
    phone.follow(cards.nth(0).locator("h2 a"))
    phone.step("module")
    phone.follow(page.locator("ol.lessons a").first)
    assert page.locator("h1").inner_text() == first.lessons[0].title["km"]
    phone.step("lesson-1")
    phone.follow(page.locator("nav.pager a[rel=next]"))
    lesson_path = f"/learn/{first.key}/{first.lessons[1].key}"
    assert phone.path == lesson_path
    assert page.locator("h1").inner_text() == first.lessons[1].title["km"]
    phone.step("lesson-2")

    # English with the header button (a plain form), then back to Khmer.
    phone.follow(page.locator("form.lang button[value=en]"))
    assert phone.path == lesson_path
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator("h1").inner_text() == first.lessons[1].title["en"]
    phone.step("lesson-2-english")
    phone.follow(page.locator("form.lang button[value=km]"))
    assert page.locator("html").get_attribute("lang") == "km"
    assert page.locator("h1").inner_text() == first.lessons[1].title["km"]

    # The first quiz: everything right but one, to see the explanations.
    phone.goto(f"/learn/{first.key}")
    phone.follow(page.locator("main a.button"))
    assert phone.path == f"/quiz/{first.quiz_key}"
    phone.step("quiz-1")
    quiz = quizzes[0]
    missed = next(q for q in quiz.questions if not q.multiple)
    mistake = wrong_choice(missed)
    for question in quiz.questions:
        pick(
            page,
            question,
            [mistake] if question is missed else sorted(question.correct),
        )
    phone.step("quiz-1-answered")
    submit_quiz(phone)
    phone.step("result-1")
    assert km("You passed this module.") in page.locator("p.score.pass").inner_text()
    wrong = page.locator("ol.review > li.wrong")
    right = page.locator("ol.review > li.right")
    assert wrong.count() == 1 and right.count() == len(quiz.questions) - 1
    assert wrong.locator(".verdict").inner_text() == km("Not right")
    explanations = wrong.locator(".explain").all_inner_texts()
    right_key = sorted(missed.correct)[0]
    assert explanations == [
        c.explanation["km"] for c in missed.choices if c.key in (mistake, right_key)
    ]

    # Back on the path: the module is passed and "continue" leads to the next one.
    phone.follow(page.locator("main a.button"))
    assert phone.path == "/learn/"
    phone.step("path-after-quiz-1")
    assert km("Passed") in cards.nth(0).locator(".state").inner_text()
    resume = page.locator("p.resume a")
    assert km("Continue") in resume.inner_text()
    assert (
        resume.get_attribute("href") == f"/learn/{second.key}/{second.lessons[0].key}"
    )
    phone.follow(resume)
    assert page.locator("h1").inner_text() == second.lessons[0].title["km"]

    # The second quiz: half answered, the page reloaded (quiz.js keeps the answers in
    # this phone's storage), then saved for later on the server and taken up again.
    quiz = quizzes[1]
    half = quiz.questions[: len(quiz.questions) // 2]
    phone.goto(f"/learn/{second.key}")
    phone.follow(page.locator("main a.button"))
    for question in half:
        pick(page, question, sorted(question.correct))
    stored = page.evaluate("JSON.stringify(Object.entries(localStorage))")
    assert all(f"q-{q.key}=" in stored for q in half), stored
    page.reload()
    phone.step("quiz-2-reloaded")
    for question in half:
        assert checked(page, question) == set(question.correct), question.key
    phone.follow(page.locator("form.quiz button[name=action][value=save]"))
    assert phone.flash() == [
        km("Your answers are saved. Finish the quiz when you are ready.")
    ]
    phone.step("quiz-2-saved")
    phone.follow(page.locator("nav.menu a", has_text=km("My path")))
    phone.goto(f"/learn/{second.key}")
    phone.follow(page.locator("main a.button"))
    phone.step("quiz-2-taken-up")
    for question in quiz.questions:
        expected = set(question.correct) if question in half else set()
        assert checked(page, question) == expected, question.key
    for question in quiz.questions[len(half) :]:
        pick(page, question, sorted(question.correct))
    submit_quiz(phone)
    phone.step("result-2")
    assert page.locator("ol.review > li.wrong").count() == 0

    # The third quiz on a phone without JavaScript: the plain form submits. Signing in
    # there ends the session of the first phone.
    bare = open_phone("trainee-no-js", js=False, trainee=True)
    bare.sign_in(TRAINEE)
    bare.goto(f"/quiz/{third.quiz_key}")
    bare.step("quiz-3-without-javascript")
    for question in quizzes[2].questions:
        pick(bare.page, question, sorted(question.correct))
    submit_quiz(bare)
    bare.step("result-3-without-javascript")
    assert km("You passed this module.") in bare.page.locator("p.score").inner_text()
    assert bare.page.evaluate("localStorage.length") == 0  # quiz.js did not run

    # The rest by direct POSTs with the page's tokens, then the certificate.
    for quiz in quizzes[3:]:
        post_quiz(bare, quiz)
    bare.goto("/learn/")
    bare.step("path-complete")
    assert (
        km("Well done: you have finished your track.")
        in bare.page.locator("p.notice.ok").inner_text()
    )
    bare.follow(bare.page.locator("p.notice.ok a.button"))
    assert bare.path == "/certificate/police"
    certificate = bare.page.locator("article.certificate")
    name = certificate.locator("p.cert-name[lang=km]").inner_text()
    assert name == khmer_name(TRAINEE)
    code = certificate.locator("strong.code").inner_text()

    # The same page with JavaScript: the Khmer text is drawn with the Khmer web font.
    phone.sign_in(TRAINEE)
    phone.goto("/certificate/police")
    phone.step("certificate")
    page.evaluate("document.fonts.ready.then(() => true)")
    assert page.evaluate(f"document.fonts.check('16px \"{KHMER_FONT}\"', 'ក')")
    statuses = page.evaluate(
        "family => [...document.fonts].filter(f => f.family.replaceAll('\"', '') === "
        "family).map(f => f.status)",
        KHMER_FONT,
    )
    assert statuses == ["loaded"], statuses
    for selector in (
        "h1.cert-title[lang=km]",
        "p.cert-name[lang=km]",
        "p[lang=km] strong",
    ):
        text = page.locator(selector).first.inner_text()
        fonts = khmer_font_faces(phone, selector)
        # Only the spaces (outside the font's unicode-range) may come from another font.
        others = sum(f["glyphCount"] for f in fonts if not f["isCustomFont"])
        assert any(f["isCustomFont"] for f in fonts) and others <= text.count(" "), (
            selector,
            text,
            fonts,
        )

    # Anyone can check the code, signed out: valid, with the Khmer name.
    public = open_phone("public", trainee=True)
    public.goto("/verify")
    public.step("verify")
    public.page.fill("#code", code.lower())
    public.follow(public.page.locator("form.card [type=submit]"))
    assert public.path == f"/verify/{code.replace('-', '')}"
    public.step("verified")
    verified = public.page.locator("dl.verified.valid")
    assert verified.locator("dd strong").inner_text() == km("Valid")
    assert khmer_name(TRAINEE) in verified.inner_text()

    audit.finish()
