"""Keyboard only: sign in and take a quiz with Tab, arrows, Space and Enter."""

import re

import pytest

pytestmark = pytest.mark.browser

TRAINEE = "chief"
MAX_TABS = 20

FOCUSED = """() => {
  const el = document.activeElement;
  const style = getComputedStyle(el);
  const box = el.getBoundingClientRect();
  return {
    tag: el.tagName.toLowerCase(), id: el.id, cls: el.className, type: el.type || '',
    name: el.name || '', value: el.value || '', checked: !!el.checked,
    outline: style.outlineStyle, outlineWidth: parseFloat(style.outlineWidth) || 0,
    onScreen: box.right > 0 && box.bottom > 0 && box.left < innerWidth,
  };
}"""


def press(page, key: str) -> dict:
    """Press a key; return the focused element, checking that its focus is visible."""
    page.keyboard.press(key)
    focused = page.evaluate(FOCUSED)
    assert focused["tag"] != "body", f"{key} left the focus nowhere"
    assert focused["outline"] != "none" and focused["outlineWidth"] > 0, (
        f"no visible focus on {focused}"
    )
    assert focused["onScreen"], f"the focused element is off-screen: {focused}"
    return focused


def tab_until(page, wanted) -> list[dict]:
    """Press Tab until `wanted(focused)` holds; return every element focused."""
    seen = []
    for _ in range(MAX_TABS):
        seen.append(press(page, "Tab"))
        if wanted(seen[-1]):
            return seen
    raise AssertionError(f"not reached with {MAX_TABS} Tabs: {seen}")


def test_a_trainee_signs_in_and_takes_a_quiz_with_the_keyboard_only(
    open_phone, live_server, content, km, audit
):
    phone = open_phone("keyboard", trainee=True)
    page = phone.page

    # Sign in: the skip link comes first, then the form; Enter sends it.
    phone.goto("/login")
    seen = tab_until(page, lambda f: f["id"] == "username")
    assert "skip" in seen[0]["cls"], seen[0]
    page.keyboard.type(TRAINEE)
    assert press(page, "Tab")["id"] == "password"
    page.keyboard.type(live_server.passwords[TRAINEE])
    assert press(page, "Tab")["type"] == "submit"
    phone.step("sign-in-focus-on-submit")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert phone.path == "/learn/"

    # The first quiz: Tab to each question, arrows and Space to answer.
    quiz = content.quiz(content.module(content.track("leaders").required[0]).quiz_key)
    phone.goto(f"/quiz/{quiz.key}")
    phone.step("quiz")
    focused = tab_until(page, lambda f: f["name"].startswith("q-"))[-1]
    for question in quiz.questions:
        values = page.locator(f"input[name='q-{question.key}']").evaluate_all(
            "inputs => inputs.map(i => i.value)"
        )
        assert focused["name"] == f"q-{question.key}" and focused["value"] == values[0]
        if question.multiple:
            for value in values:
                assert focused["value"] == value
                if value in question.correct:
                    focused = press(page, "Space")
                    assert focused["checked"]
                focused = press(page, "Tab")
        else:
            right = values.index(sorted(question.correct)[0])
            if right == 0:
                focused = press(page, "Space")
            for _ in range(right):
                focused = press(page, "ArrowDown")
            assert focused["value"] in question.correct and focused["checked"]
            focused = press(page, "Tab")
    assert focused["id"] == "submit" and focused["type"] == "submit", focused
    phone.step("quiz-focus-on-submit")
    with page.expect_navigation():
        page.keyboard.press("Space")
    assert re.search(r"/quiz/attempts/\d+$", page.url)
    assert km("You passed this module.") in page.locator("p.score.pass").inner_text()
    assert page.locator("ol.review > li.wrong").count() == 0
    phone.step("result")

    audit.finish()
