"""A native speaker reviews a lesson's Khmer on a phone; a trainee sees the correction."""

import pytest

pytestmark = pytest.mark.browser

REVIEWER = "reviewer"  # the demo reviewer: staff with no place, content only
TRAINEE = "chief"  # a trainee whose path has the module reviewed here
CORRECTED = "នេះជាការកែតម្រូវរបស់អ្នកពិនិត្យភាសាខ្មែរ។"


def test_a_reviewer_corrects_and_approves_a_lesson_on_a_phone(
    open_phone, content, km, audit
):
    module = next(m for m in content.modules if m.key == "local-leaders")
    lesson = module.lessons[0]
    phone = open_phone("reviewer")
    page = phone.page
    phone.sign_in(REVIEWER)
    phone.goto("/review/")
    phone.step("groups")
    phone.follow(page.locator("ul.review-groups a", has_text=module.title.km))
    phone.step("module")
    if page.locator("details.review-parts[open]").count() == 0:
        page.locator("details.review-parts summary").click()
    phone.follow(page.locator("details.review-parts a", has_text=lesson.title.km))
    assert phone.path.endswith(f"part={lesson.key}")
    phone.step("lesson-items")

    # Bad Khmer is refused in Khmer, and what was typed stays in the box.
    item = page.locator("li.review-item").nth(1)
    box = item.locator("textarea[name=km]")
    original = box.input_value()
    box.fill("ប្តី")
    phone.follow(item.locator("button[value=save]"))
    item = page.locator("li.review-item").nth(1)
    assert km("Write %(right)s, not %(typed)s.", right="ប្ដី", typed="ប្តី") in (
        item.locator(".problem-list").inner_text()
    )
    assert item.locator("textarea[name=km]").input_value() == "ប្តី"
    phone.step("refused")

    # A correction, saved: trainees see it at once.
    item.locator("textarea[name=km]").fill(CORRECTED)
    phone.follow(item.locator("button[value=save]"))
    assert phone.flash() == [km("The correction is saved. Trainees see it now.")]
    phone.step("corrected")
    trainee = open_phone("trainee", trainee=True)
    trainee.sign_in(TRAINEE)
    trainee.goto(f"/learn/{module.key}/{lesson.key}")
    assert CORRECTED in trainee.page.locator("article.lesson").inner_text()
    trainee.step("lesson-corrected")

    # The title approved as it is; the badge says so.
    title = page.locator("li.review-item").first
    phone.follow(title.locator("button[value=approve]"))
    assert phone.flash() == [km("Approved.")]
    assert km("Approved") in page.locator("li.review-item").first.inner_text()
    phone.step("approved")

    # The history keeps the change, and the old text can be put back.
    item = page.locator("li.review-item").nth(1)
    item.locator("details.review-history summary").click()
    phone.step("history")
    phone.follow(item.locator("details.review-history button[value=revert]").first)
    assert phone.flash() == [km("The earlier Khmer is back. Trainees see it now.")]
    assert (
        page.locator("li.review-item").nth(1).locator("textarea[name=km]").input_value()
        == original
    )
    trainee.goto(f"/learn/{module.key}/{lesson.key}")
    assert CORRECTED not in trainee.page.locator("article.lesson").inner_text()
