"""Bounded lists (issue 18): the committee queue is paged, filtered and stays in scope."""

import base64
import html
import re
from datetime import timedelta

import pytest

from curriculum.content import catalog
from curriculum.extensions import db
from curriculum.i18n import local_today
from curriculum.models import Attendance, Workshop, WorkshopSession
from curriculum.services import quizzes, vetting, vetting_queue
from tests.factories import make_user

NOTE = "Seen by the village chief and the commune council on 3 May."


def pass_required_modules(person):
    """Pass every quiz the CMG track requires, with every answer right."""
    for key in catalog().track("cmg").required:
        quiz = catalog().quiz(catalog().module(key).quiz_key)
        answers = {q.key: sorted(q.correct) for q in quiz.questions}
        quizzes.submit_attempt(
            person, quiz, answers, token=quizzes.new_attempt_token(), locale="km"
        )


def attend_sessions(person, commune, facilitator):
    """Record as many attended sessions as the attendance criterion asks for."""
    workshop = Workshop(
        title="Workshop",
        commune_id=commune.id,
        starts_on=local_today(),
        ends_on=local_today(),
        module_keys=[],
        created_by_id=facilitator.id,
    )
    db.session.add(workshop)
    db.session.flush()
    needed = catalog().vetting.criterion("attendance").min_sessions
    for number in range(1, needed + 1):
        session = WorkshopSession(
            workshop_id=workshop.id, number=number, held_on=local_today()
        )
        db.session.add(session)
        db.session.flush()
        db.session.add(Attendance(session_id=session.id, user_id=person.id))
    db.session.commit()


def make_ready(person, places, users):
    """Make a candidate meet every criterion."""
    pass_required_modules(person)
    attend_sessions(person, places["pursat_a"], users["facilitator"])
    case = vetting.open_case(person, catalog().vetting, users["committee"])
    for criterion in catalog().vetting.manual:
        vetting.record_check(case, criterion, True, NOTE, users["committee"], "v")


def set_case(person, users, state, due=None):
    case = vetting.open_case(person, catalog().vetting, users["committee"])
    case.state, case.review_due_on = state, due
    db.session.commit()


@pytest.fixture()
def crowd(app, places, users):
    """Candidates of every queue in Pursat, some without a commune; a few elsewhere."""
    vetting_queue._KEPT.clear()
    near = [users["candidate"]]
    for i in range(8):
        near.append(make_user(f"a{i:02d}", tracks=["cmg"], commune=places["pursat_a"]))
    for i in range(5):
        near.append(make_user(f"b{i:02d}", tracks=["cmg"], commune=places["pursat_b"]))
    for i in range(3):  # an account with Pursat as its province and no commune
        near.append(
            make_user(
                f"p{i:02d}",
                tracks=["cmg"],
                commune=places["pursat_b"],
                scope="province",
            )
        )
    make_ready(near[1], places, users)
    make_ready(near[9], places, users)
    set_case(near[2], users, "approved", local_today() - timedelta(days=1))
    set_case(near[3], users, "approved", local_today() + timedelta(days=90))
    set_case(near[10], users, "suspended")
    set_case(near[11], users, "rejected")
    set_case(near[14], users, "deferred")
    far = [
        make_user(f"far{i}", tracks=["cmg"], commune=places["prey_veng"])
        for i in range(4)
    ]
    set_case(far[0], users, "approved", local_today() - timedelta(days=1))
    make_user("notcmg", tracks=["police"], commune=places["pursat_a"])
    return {"near": near, "far": far}


def expected_order(staff):
    """Return the candidates in scope as the rules of `vetting.queue` sort them."""
    queues = vetting.queue(staff, catalog())
    rows = [r for name in vetting.QUEUE_ORDER for r in queues[name]]
    rank = {r.person.id: vetting.QUEUE_ORDER.index(r.queue) for r in rows}
    return sorted(
        (r.person for r in rows), key=lambda p: (rank[p.id], p.display_name, p.id)
    ), {r.person.id: r.queue for r in rows}


def walk(staff, size, **filters):
    """Follow the next-page tokens to the end; return the pages."""
    pages = [vetting.queue_page(staff, catalog(), size=size, **filters)]
    while pages[-1].next_cursor:
        pages.append(
            vetting.queue_page(
                staff, catalog(), size=size, after=pages[-1].next_cursor, **filters
            )
        )
        assert len(pages) < 50
    return pages


@pytest.mark.parametrize("size", [1, 4, 7, 50])
def test_pages_list_every_candidate_in_scope_once_in_queue_order(
    app, users, crowd, size
):
    staff = users["committee"]
    order, queue_of = expected_order(staff)
    assert {p.id for p in order} == {p.id for p in crowd["near"]}
    pages = walk(staff, size)
    seen = [row.person.id for page in pages for row in page.rows]
    assert seen == [p.id for p in order]
    assert all(len(page.rows) <= size for page in pages)
    assert all(row.queue == queue_of[row.person.id] for p in pages for row in p.rows)
    far = {p.id for p in crowd["far"]}
    assert not far & set(seen)
    assert pages[0].previous_cursor is None and pages[-1].next_cursor is None


def test_previous_page_links_walk_back_over_the_same_pages(app, users, crowd):
    staff = users["committee"]
    pages = walk(staff, 4)
    back = [pages[-1]]
    while back[-1].previous_cursor:
        back.append(
            vetting.queue_page(
                staff, catalog(), size=4, before=back[-1].previous_cursor
            )
        )
    assert [[r.person.id for r in p.rows] for p in reversed(back)] == [
        [r.person.id for r in p.rows] for p in pages
    ]
    assert back[-1].previous_cursor is None


def test_queue_counts_match_the_queues(app, users, crowd):
    staff = users["committee"]
    page = vetting.queue_page(staff, catalog())
    queues = vetting.queue(staff, catalog())
    assert page.counts == {name: len(queues[name]) for name in vetting.QUEUE_ORDER}
    assert page.counts["ready"] == 2 and page.counts["review"] == 1
    assert page.total == len(crowd["near"]) and not page.capped


def test_counting_stops_at_the_cap(app, users, crowd, monkeypatch):
    monkeypatch.setattr(vetting_queue, "COUNT_CAP", 5)
    vetting_queue._KEPT.clear()
    page = vetting.queue_page(users["committee"], catalog())
    vetting_queue._KEPT.clear()
    assert page.capped and page.total == 5
    assert len(page.rows) == len(crowd["near"])  # the list itself is not cut


@pytest.mark.parametrize("name", vetting.QUEUE_ORDER)
def test_queue_filter_pages_only_that_queue(app, users, crowd, name):
    staff = users["committee"]
    order, queue_of = expected_order(staff)
    pages = walk(staff, 2, queue_name=name)
    seen = [row.person.id for page in pages for row in page.rows]
    assert seen == [p.id for p in order if queue_of[p.id] == name]


def test_commune_and_name_filters(app, users, places, crowd):
    staff = users["committee"]
    only_b = walk(staff, 3, commune_id=places["pursat_b"].id)
    seen = {row.person.id for page in only_b for row in page.rows}
    assert seen == {
        p.id for p in crowd["near"] if p.commune_id == places["pursat_b"].id
    }
    by_latin = walk(staff, 3, name="A0")  # latin names "A00".."A07", any case
    assert {r.person.username for p in by_latin for r in p.rows} == {
        f"a{i:02d}" for i in range(8)
    }
    # Typed with a zero-width space and extra spaces: the Khmer is normalised first.
    typed = "ឈ្មោះ\u200b  b03"
    found = walk(staff, 3, name=typed)
    assert [r.person.username for p in found for r in p.rows] == ["b03"]
    assert walk(staff, 3, name="far")[0].rows == []  # out of scope stays out
    assert walk(staff, 3, name="100%")[0].rows == []  # % is a character, not a pattern


def test_a_commune_outside_the_scope_is_ignored(app, client, users, places, crowd):
    from tests.factories import login

    login(client, users["committee"].username)
    html_page = client.get(f"/committee/?commune={places['prey_veng'].id}")
    assert html_page.status_code == 200
    text = html_page.get_data(as_text=True)
    assert all(p.display_name not in text for p in crowd["far"])


def _links(text: str) -> list[int]:
    return [int(i) for i in re.findall(r'href="/committee/candidates/(\d+)"', text)]


def _next(text: str, rel: str) -> str | None:
    found = re.search(rf'<a rel="{rel}" href="([^"]+)"', text)
    return html.unescape(found.group(1)) if found else None


def test_the_page_without_javascript_links_to_every_page(
    app, client, users, crowd, monkeypatch
):
    from tests.factories import login

    monkeypatch.setattr(vetting_queue, "PAGE_SIZE", 5)
    login(client, users["committee"].username)
    order, _queues = expected_order(users["committee"])
    path, seen, pages = "/committee/?lang=en", [], []
    while path:
        response = client.get(path)
        assert response.status_code == 200
        text = response.get_data(as_text=True)
        pages.append(text)
        seen += _links(text)
        path = _next(text, "next")
    assert seen == [p.id for p in order]
    assert len(pages) == 4 and "Previous page" not in pages[0]
    back = _next(pages[-1], "prev")
    assert _links(client.get(back).get_data(as_text=True)) == _links(pages[-2])
    # The filters travel with the page links.
    text = client.get("/committee/?queue=missing&q=a0").get_data(as_text=True)
    assert 'name="q" value="a0"' in text


@pytest.mark.parametrize(
    "query",
    [
        "after=not-a-token",
        "after=%%%",
        "before=" + "A" * 5000,
        "after=" + base64.urlsafe_b64encode(b'["x", 1, 2]').decode(),
        "after=" + base64.urlsafe_b64encode(b'[9, "n", 2]').decode(),
        "after=" + base64.urlsafe_b64encode(b'[1, "n", -2]').decode(),
        "after=" + base64.urlsafe_b64encode(b'[1, "n", 99999999999999999999]').decode(),
        "after=" + base64.urlsafe_b64encode(b'{"a": 1}').decode(),
        "after=" + base64.urlsafe_b64encode(b"\xff\xfe").decode(),
        "queue=nonsense",
        "commune=abc",
        "commune=999999999999999999999999",
        "q=" + "ក" * 500,
    ],
)
def test_a_hostile_page_token_or_filter_gives_the_first_page(
    app, client, users, crowd, query, monkeypatch
):
    from tests.factories import login

    monkeypatch.setattr(vetting_queue, "PAGE_SIZE", 5)
    login(client, users["committee"].username)
    first = _links(client.get("/committee/").get_data(as_text=True))
    response = client.get(f"/committee/?{query}")
    assert response.status_code == 200
    if not query.startswith("q="):
        assert _links(response.get_data(as_text=True)) == first


def test_a_token_only_narrows_the_list_and_never_widens_the_scope(app, users, crowd):
    far = crowd["far"][0]
    token = vetting.encode_cursor(0, "", 0)
    page = vetting.queue_page(users["committee"], catalog(), after=token, size=100)
    assert far.id not in {r.person.id for r in page.rows}
    token = vetting.encode_cursor(0, far.display_name, far.id)
    page = vetting.queue_page(users["committee"], catalog(), after=token, size=100)
    assert far.id not in {r.person.id for r in page.rows}


def test_the_page_html_stays_small_with_many_candidates(
    app, client, users, places, monkeypatch
):
    from tests.factories import login

    for i in range(12):
        make_user(f"m{i:02d}", tracks=["cmg"], commune=places["pursat_a"])
    monkeypatch.setattr(vetting_queue, "PAGE_SIZE", 5)
    login(client, users["committee"].username)
    text = client.get("/committee/").get_data(as_text=True)
    assert len(_links(text)) == 5 and _next(text, "next")
