"""A committee decides on a CMG candidate; the candidate sees only the outcome."""

import pytest

from curriculum.services.demo import DEMO_PEOPLE

pytestmark = pytest.mark.browser

CANDIDATE = "cmg.sokha"  # the demo candidate whose CMG path is complete
REASONS = "Respected in the village; trained; references and interview are good."
MEMBERS = "Chea Vuthy, Mao Sreymom, Ven. Sovann"
OVERRIDE = "He attended the sessions of March on paper sign-in sheets, seen by us."


def note_for(criterion) -> str:
    """Return the evidence written for a criterion (unique, to look for it later)."""
    return f"Evidence for {criterion.key}: checked on 3 May with the village chief."


def classes(locator) -> list[str]:
    """Return the classes of an element."""
    return (locator.get_attribute("class") or "").split()


def test_a_committee_records_checks_and_an_approval_the_candidate_sees_without_notes(
    open_phone, content, km, audit
):
    names = {person[0]: person[1:3] for person in DEMO_PEOPLE}
    name = names[CANDIDATE][0]
    phone = open_phone("committee")
    page = phone.page
    phone.sign_in("committee.pursat")
    assert phone.path == "/committee/"
    phone.step("queue")

    # The candidate's case: training met (his path is complete), the rest not yet.
    phone.follow(page.locator("ul.people a", has_text=name))
    assert page.locator("h1").inner_text() == name
    case_path = phone.path
    phone.step("case")
    assert "met" in classes(page.locator("#criterion-training"))
    assert "unmet" in classes(page.locator("#criterion-attendance"))

    # A check with its evidence for every manual criterion.
    for criterion in content.vetting.manual:
        item = page.locator(f"#criterion-{criterion.key}")
        item.locator("summary").click()
        item.locator("input[name=met][value=yes]").check()
        item.locator("textarea[name=note]").fill(note_for(criterion))
        phone.follow(item.locator("button[type=submit]"))
        assert phone.flash() == [km("The check is recorded.")]
        item = page.locator(f"#criterion-{criterion.key}")
        assert "met" in classes(item) and note_for(criterion) in item.inner_text()
    phone.step("checks-recorded")

    # Approval is refused while attendance is not met...
    decision = page.locator("form[action$='/decisions']")
    decision.locator("input[name=outcome][value=approve]").check()
    decision.locator("textarea[name=reasons]").fill(REASONS)
    decision.locator("input[name=members_present]").fill(MEMBERS)
    phone.follow(decision.locator("[type=submit]"))
    assert phone.path == f"{case_path}/decisions"
    refusal = km(
        "Not every criterion is met. Approve only with a written reason for the "
        "exception."
    )
    assert decision.locator("#override_reason-error").inner_text() == refusal
    assert page.locator("ol.history li").count() == 0
    phone.step("approval-refused")

    # ... and recorded with a written reason for the exception.
    decision.locator("input[name=outcome][value=approve]").check()
    decision.locator("textarea[name=override_reason]").fill(OVERRIDE)
    phone.follow(decision.locator("[type=submit]"))
    assert phone.path == case_path
    assert phone.flash() == [km("The decision is recorded.")]
    assert km("Approved") in page.locator("p.case-state").inner_text()
    history = page.locator("ol.history li")
    assert history.count() == 1
    assert km("Approve") in history.inner_text() and OVERRIDE in history.inner_text()
    phone.step("approved")

    # The candidate sees that he is approved, and nothing the committee wrote.
    own = open_phone("candidate", trainee=True)
    own.sign_in(CANDIDATE)
    own.step("path")
    own.follow(own.page.locator("main a[href='/learn/vetting']"))
    own.step("status")
    status = own.page.locator("main").inner_text()
    state = own.page.locator("p.case-state").inner_text()
    assert km("You are an approved member.") in state
    for secret in [REASONS, MEMBERS, OVERRIDE, *names["committee.pursat"], "Evidence"]:
        assert secret not in status
    met = own.page.locator("ul.criteria-list li.met").count()
    assert met == len(content.vetting.criteria) - 1  # all but attendance

    audit.finish()
