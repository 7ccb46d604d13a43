"""A facilitator runs a workshop on a phone: roster, cards, attendance, paper."""

import sqlite3
from datetime import date, timedelta

import pytest

from curriculum.services.demo import DEMO_PLACES
from tests.browser.phone import VIEWPORT, digits

pytestmark = pytest.mark.browser

A4 = {"width": 794, "height": 1123}  # CSS pixels at 96 dpi
COMMUNE_CODE = "150101"  # the demo facilitator's commune, in Pursat
TITLE = "សិក្ខាសាលាយេនឌ័រ និងអំពើហិង្សាក្នុងគ្រួសារ"
PEOPLE = [  # Khmer name, Latin name, gender, track
    ("សុខ វិចិត្រ", "Sok Vichet", "male", "cmg"),
    ("ចាន់ សុភាព", "Chan Sopheap", "female", "police"),
]


def commune_name(code: str) -> str:
    """Return a demo commune's Khmer name, as `flask demo` creates it."""
    return next(name for place, name, _latin in DEMO_PLACES if place == code)


def attempts_at(database, display_name: str, quiz_key: str) -> int:
    """Count a person's attempts at a quiz in the application's database."""
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as connection:
        return connection.execute(
            "SELECT count(*) FROM quiz_attempts JOIN users ON users.id = user_id "
            "WHERE users.display_name = ? AND quiz_key = ?",
            (display_name, quiz_key),
        ).fetchone()[0]


def marks_at(database, title: str) -> int:
    """Count the attendance marks of the workshop with this title."""
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as connection:
        return connection.execute(
            "SELECT count(*) FROM attendance a"
            " JOIN workshop_sessions s ON s.id = a.session_id"
            " JOIN workshops w ON w.id = s.workshop_id WHERE w.title = ?",
            (title,),
        ).fetchone()[0]


def tick_sheet(phone, quiz, wrong) -> None:
    """Tick on screen what the paper sheet shows: right answers but for `wrong`."""
    phone.page.bring_to_front()  # a tab in the background hardly draws: clicks wait
    for question in quiz.questions:
        if question is wrong:
            keys = [
                next(c.key for c in question.choices if c.key not in question.correct)
            ]
        else:
            keys = sorted(question.correct)
        for key in keys:
            phone.page.locator(
                f"label.letter:has(input[name='q-{question.key}'][value='{key}'])"
            ).click()


def test_a_facilitator_runs_a_workshop_with_paper_sheets(
    open_phone, live_server, content, km, audit
):
    first_day = date.today()
    module_keys = [m.key for m in content.modules[:2]]
    quiz = content.quiz(content.module(module_keys[0]).quiz_key)
    phone = open_phone("facilitator")
    page = phone.page
    phone.sign_in("facilitator")
    assert phone.path == "/workshops/"
    phone.step("workshops")

    # A new workshop in the facilitator's province, in one of its communes.
    phone.follow(page.locator("main a.button"))
    phone.step("new-workshop")
    page.select_option("#commune", label=commune_name(COMMUNE_CODE))
    page.fill("#title", TITLE)
    page.fill("#starts_on", first_day.isoformat())
    page.fill("#ends_on", (first_day + timedelta(days=1)).isoformat())
    page.check("input[name=sessions_per_day][value='2']")
    for key in module_keys:
        page.check(f"input[name=modules][value='{key}']")
    phone.step("new-workshop-filled")
    phone.follow(page.locator("main form[method=post] #submit"))
    assert phone.flash() == [km("The workshop is created. Now add the participants.")]
    workshop_path = page.locator("nav.crumb a").nth(1).get_attribute("href")
    phone.step("roster-empty")

    # Two days of two sessions were made; one more is added.
    phone.goto(f"{workshop_path}/sessions")
    assert page.locator("form.session-edit").count() == 4
    page.fill("#held_on", (first_day + timedelta(days=1)).isoformat())
    page.select_option("#module_key", module_keys[1])
    phone.follow(page.locator("form.card [type=submit]"))
    assert phone.flash() == [km("The session is added.")]
    assert page.locator("form.session-edit").count() == 5
    phone.step("sessions")

    # Two people without an account, created on the spot.
    for name, latin, gender, track in PEOPLE:
        phone.goto(f"{workshop_path}/roster")
        phone.follow(page.locator("main .actions a.button").first)
        page.fill("#display_name", name)
        page.fill("#latin_name", latin)
        page.check(f"input[name=gender][value={gender}]")
        page.check(f"input[name=track][value={track}]")
        phone.step(f"new-person-{track}")
        phone.follow(page.locator("form.card [type=submit]"))
        assert phone.path == f"{workshop_path}/roster"
        assert name in phone.flash()[0]
    names = page.locator("ol.roster > li strong").all_inner_texts()
    assert [" ".join(text.split()) for text in names] == [
        f"{digits(number)}. {person[0]}" for number, person in enumerate(PEOPLE, 1)
    ]
    phone.step("roster")

    # Their setup cards, on screen and as printed.
    phone.follow(page.locator("p.notice a"))
    cards = page.locator("article.setup-card")
    assert cards.count() == 2
    for i, person in enumerate(PEOPLE):
        assert person[0] in cards.nth(i).locator(".card-name").inner_text()
        assert len(cards.nth(i).locator("dd.code").inner_text().strip()) >= 8
    phone.step("cards")
    page.set_viewport_size(A4)  # the printed sheet, not the phone's screen
    page.emulate_media(media="print")
    for hidden in ("header.top", "nav.menu", "main .noprint"):
        assert all(not item.is_visible() for item in page.locator(hidden).all()), hidden
    assert cards.nth(1).is_visible()
    phone.step("cards-printed", audit=False)
    page.pdf(path=phone.folder / "cards.pdf", format="A4")
    page.emulate_media(media="screen")
    page.set_viewport_size(VIEWPORT)

    # Attendance at the first session: one tap each.
    phone.goto(workshop_path)
    phone.step("workshop")
    phone.follow(page.locator("ul.rows li").first.locator("a.button").first)
    assert phone.path == f"{workshop_path}/sessions/1/attendance"
    phone.step("attendance")
    # With signal a tap is sent at once, without reloading the page.
    first = page.locator("li#p1 button.tap")
    first.click()
    page.wait_for_function(
        "() => !document.querySelector('li#p1 button.tap')"
        ".classList.contains('queue-waiting') && !JSON.parse("
        "localStorage.getItem('outbox') || '[]').length"
    )
    assert "is-present" in first.get_attribute("class")
    assert marks_at(live_server.database, TITLE) == 1
    # The signal drops: the next tap is kept on the phone, with no name in it.
    phone.context.set_offline(True)
    second = page.locator("li#p2 button.tap")
    second.click()
    page.locator("#offline-queue li.queue-waiting").wait_for()
    assert "queue-waiting" in second.get_attribute("class")
    kept = page.evaluate("localStorage.getItem('outbox')")
    assert PEOPLE[1][0] not in kept and PEOPLE[1][1] not in kept
    phone.step("attendance-offline")
    assert marks_at(live_server.database, TITLE) == 1
    # The signal returns: the kept tap is sent once, and leaves the queue.
    phone.context.set_offline(False)
    page.evaluate("window.dispatchEvent(new Event('online'))")
    page.wait_for_function(
        "() => !JSON.parse(localStorage.getItem('outbox') || '[]').length"
    )
    assert marks_at(live_server.database, TITLE) == 2
    assert page.locator("p.tally").inner_text() == km(
        "%(present)s of %(total)s present", present=digits(2), total=digits(2)
    )
    phone.step("attendance-marked")
    # The server's page agrees with what the phone showed.
    phone.goto(phone.path)
    assert page.locator("button.tap.is-present").count() == 2

    # The first participant's paper quiz sheet, opened twice: on a second tab too, as
    # when a co-facilitator or a resent form enters it again.
    phone.goto(f"{workshop_path}/paper/{quiz.key}")
    phone.step("paper-sheets")
    phone.follow(page.locator("ol.entry-list a").first)
    entry_path = phone.path
    assert entry_path == f"{workshop_path}/paper/{quiz.key}/1"
    again = phone.tab("facilitator-tab")
    again.goto(entry_path)
    wrong = next(q for q in reversed(quiz.questions) if not q.multiple)
    score = round(100 - 100 * wrong.points / sum(q.points for q in quiz.questions))
    tick_sheet(phone, quiz, wrong)
    phone.step("paper-sheet-ticked")
    phone.follow(page.locator("form.paper-form [type=submit]"))
    assert phone.flash() == [
        km(
            "Sheet %(number)s is saved: %(percent)s%%.",
            number=digits(1),
            percent=digits(score),
        )
    ]
    assert phone.path == f"{workshop_path}/paper/{quiz.key}/2"  # on to the next sheet
    tick_sheet(again, quiz, wrong)
    again.follow(again.page.locator("form.paper-form [type=submit]"))
    assert again.flash() == [
        km(
            "Sheet %(number)s was already entered. Nothing was changed.",
            number=digits(1),
        )
    ]
    again.step("paper-sheet-again")
    assert attempts_at(live_server.database, PEOPLE[0][0], quiz.key) == 1
    # The sheet was typed wrongly: the facilitator corrects the one answer in place.
    phone.goto(entry_path)
    correct = page.locator("form.paper-form button[value=correct]")
    assert correct.inner_text() == km("Correct this sheet")
    phone.step("paper-sheet-entered")
    right = sorted(wrong.correct)[0]
    page.locator(
        f"label.letter:has(input[name='q-{wrong.key}'][value='{right}'])"
    ).click()
    phone.follow(correct)
    assert phone.flash() == [
        km(
            "Sheet %(number)s is corrected: %(percent)s%% (before: %(old)s%%).",
            number=digits(1),
            percent=digits(100),
            old=digits(score),
        )
    ]
    assert attempts_at(live_server.database, PEOPLE[0][0], quiz.key) == 1
    phone.goto(f"{workshop_path}/paper/{quiz.key}")
    assert page.locator("p.tally").inner_text() == km(
        "%(done)s of %(total)s sheets entered", done=digits(1), total=digits(2)
    )
    assert f"{digits(100)}%" in page.locator("ol.entry-list li").first.inner_text()

    # The report counts the attendance and the one attempt.
    phone.goto(workshop_path)
    phone.follow(page.locator("main .actions a", has_text=km("Report")))
    assert phone.path == f"{workshop_path}/report"
    phone.step("report")
    tables = page.locator("table.figures")
    first_session = tables.nth(0).locator("tbody tr").first.inner_text()
    assert f"{digits(2)} / {digits(2)}" in first_session
    quiz_row = tables.nth(1).locator("tbody tr").first.locator("td")
    assert quiz_row.nth(0).inner_text() == content.module(module_keys[0]).title["km"]
    assert [quiz_row.nth(i).inner_text() for i in (1, 2)] == [digits(1), digits(1)]

    audit.finish()
