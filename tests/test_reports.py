"""Monitoring and evaluation: every figure checked against data built by hand."""

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import event

from curriculum.content import catalog
from curriculum.extensions import db
from curriculum.i18n import local_today
from curriculum.models import (
    Attendance,
    CmgMonthlyReport,
    CommuneGroup,
    SurveyResponse,
    Workshop,
    WorkshopSession,
)
from curriculum.services import cmg_reports, quizzes, reports, synthetic
from tests.factories import make_user


def pass_module(user, key, wrong=0):
    quiz = catalog().quiz(catalog().module(key).quiz_key)
    answers = {}
    for i, q in enumerate(quiz.questions):
        bad = [c.key for c in q.choices if c.key not in q.correct][:1]
        answers[q.key] = bad if i < wrong else sorted(q.correct)
    return quizzes.submit_attempt(
        user,
        quiz,
        answers,
        token=quizzes.new_attempt_token(),
        locale="km",
        catalog=catalog(),
    )[0]


def respond(user, kind, phase, score, maximum, track, when=None):
    instrument = (
        catalog().track(track).knowledge_test if kind == "knowledge" else "attitude"
    )
    db.session.add(
        SurveyResponse(
            user_id=user.id,
            instrument=instrument,
            kind=kind,
            track=track,
            phase=phase,
            answers={},
            score=score,
            max_score=maximum,
            content_version="t",
            locale="km",
            submitted_at=when or datetime.now(UTC),
        )
    )
    db.session.commit()


@pytest.fixture()
def people(app, places):
    """Five trainees: three police (two in Pursat), one leader, one CMG in Prey Veng."""
    return {
        "p1": make_user("p1", tracks=["police"], commune=places["pursat_a"]),
        "p2": make_user("p2", tracks=["police"], commune=places["pursat_b"]),
        "p3": make_user("p3", tracks=["police"], commune=places["prey_veng"]),
        "l1": make_user("l1", tracks=["leaders"], commune=places["pursat_a"]),
        "c1": make_user("c1", tracks=["cmg"], commune=places["prey_veng"]),
    }


def test_reach_counts_trainees_by_track_gender_and_place(app, people, places):
    people["p1"].gender = "female"
    db.session.commit()
    everything = reports.reach(reports.Filters())
    assert everything.total == 5
    assert everything.by_track_gender["police"] == {"female": 1, "unspecified": 2}
    pursat = reports.reach(reports.Filters(province_id=places["pursat_a"].province_id))
    assert pursat.total == 3
    assert [(p.code, n) for p, n in pursat.by_province] == [("15", 3)]
    police_pursat = reports.reach(
        reports.Filters(province_id=places["pursat_a"].province_id, track="police")
    )
    assert police_pursat.total == 2
    one_commune = reports.reach(reports.Filters(commune_id=places["pursat_b"].id))
    assert one_commune.total == 1


def test_funnel_counts_each_step_of_the_police_path(app, people, places):
    required = catalog().track("police").required
    for key in required:  # p1 finishes the whole path
        pass_module(people["p1"], key)
    pass_module(people["p2"], required[0])  # p2 passes only the first module
    funnel = reports.funnel(
        reports.Filters(province_id=places["pursat_a"].province_id), catalog()
    )
    steps = {s.key: s.count for s in funnel["police"]}
    assert steps["enrolled"] == 2 and steps["started"] == 2
    assert steps[required[0]] == 2 and steps[required[1]] == 1
    assert steps["certified"] == 1
    # The question the programme asks: police in Pursat who finished the track this year.
    year = reports.Filters(
        start=date(local_today().year, 1, 1),
        end=local_today(),
        province_id=places["pursat_a"].province_id,
        track="police",
    )
    assert {s.key: s.count for s in reports.funnel(year, catalog())["police"]}[
        "certified"
    ] == 1
    last_year = reports.Filters(
        end=date(local_today().year - 1, 12, 31), track="police"
    )
    assert {s.key: s.count for s in reports.funnel(last_year, catalog())["police"]}[
        "certified"
    ] == 0


def test_matched_pre_post_ignores_people_without_both(app, people, places):
    respond(people["p1"], "attitude", "pre", 24, 48, "police")
    respond(people["p1"], "attitude", "post", 36, 48, "police")  # 50% -> 75%
    respond(people["p2"], "attitude", "pre", 30, 48, "police")
    respond(people["p2"], "attitude", "post", 27, 48, "police")  # 62.5% -> 56.25%
    respond(people["p3"], "attitude", "pre", 20, 48, "police")  # no post: not matched
    rows = reports.pre_post(reports.Filters(track="police"), "attitude")
    assert len(rows) == 1
    police = rows[0]
    assert police.label == "police" and police.matched == 2 and police.improved == 1
    assert police.pre == pytest.approx((50 + 62.5) / 2)
    assert police.post == pytest.approx((75 + 56.25) / 2)
    assert police.change == pytest.approx(9.375)
    assert police.share_improved == 50
    pursat = reports.pre_post(
        reports.Filters(province_id=places["pursat_a"].province_id),
        "attitude",
        by="province",
    )
    assert [(c.label.code, c.matched) for c in pursat] == [("15", 2)]
    assert reports.pre_post(reports.Filters(), "knowledge") == []


def test_quiz_summary_and_item_analysis(app, people):
    module = catalog().modules[0]
    quiz = catalog().quiz(module.quiz_key)
    pass_module(people["p1"], module.key)  # 100%
    pass_module(people["p2"], module.key, wrong=3)  # 70%, first 3 questions wrong
    pass_module(people["p3"], module.key, wrong=10)  # 0%
    summary = next(
        s for s in reports.quiz_summaries(reports.Filters()) if s.quiz_key == quiz.key
    )
    assert summary.attempts == 3 and summary.people == 3 and summary.passed == 2
    assert summary.mean == pytest.approx((100 + 70 + 0) / 3)
    items, n = reports.item_analysis(quiz, reports.Filters())
    assert n == 3
    first, last = items[0], items[-1]
    assert first.share_correct == pytest.approx(100 / 3)
    assert last.share_correct == pytest.approx(200 / 3)
    # Upper 27% (p1) got both right, lower 27% (p3) got both wrong.
    assert first.discrimination == 1 and last.discrimination == 1


def test_workshop_figures(app, people, places, users):
    workshop = Workshop(
        title="W",
        commune_id=places["pursat_a"].id,
        starts_on=local_today(),
        ends_on=local_today(),
        module_keys=[],
        created_by_id=users["facilitator"].id,
    )
    db.session.add(workshop)
    db.session.flush()
    sessions = [
        WorkshopSession(workshop_id=workshop.id, number=n, held_on=local_today())
        for n in (1, 2)
    ]
    db.session.add_all(sessions)
    db.session.flush()
    db.session.add_all(
        [
            Attendance(session_id=sessions[0].id, user_id=people["p1"].id),
            Attendance(session_id=sessions[1].id, user_id=people["p1"].id),
            Attendance(session_id=sessions[1].id, user_id=people["l1"].id),
        ]
    )
    db.session.commit()
    figures = reports.workshop_figures(reports.Filters())
    assert (
        figures.workshops,
        figures.sessions,
        figures.attendances,
        figures.participants,
    ) == (1, 2, 3, 2)
    elsewhere = reports.workshop_figures(
        reports.Filters(province_id=places["prey_veng"].province_id)
    )
    assert elsewhere.workshops == 0


def test_cmg_activity_sums_by_group_like_the_programme_table(
    app, people, places, users
):
    old = reports.create_group("តំបន់ចាស់", "Old areas", users["admin"])
    new = reports.create_group("តំបន់ថ្មី", "New areas", users["admin"])
    reports.assign_communes(old, places["pursat_a"].code, users["admin"])
    reports.assign_communes(new, f"{places['prey_veng'].code} 999999", users["admin"])
    month = local_today().replace(day=1)
    a = make_user("a", tracks=["cmg"], commune=places["pursat_a"])
    b = make_user("b", tracks=["cmg"], commune=places["prey_veng"])
    cmg_reports.save_report(
        a,
        month,
        {
            "men_counselled": 3,
            "outcome_stopped": 2,
            "outcome_unknown": 1,
            "reached_leaflets": 40,
        },
    )
    cmg_reports.save_report(
        b,
        month,
        {
            "men_counselled": 4,
            "outcome_stopped": 1,
            "outcome_reduced": 2,
            "reached_house_visits": 12,
        },
    )
    rows = {
        r.label.name_en: r for r in reports.cmg_activity(reports.Filters(), "group")
    }
    assert rows["Old areas"].counts["men_counselled"] == 3
    assert rows["Old areas"].counts["outcome_stopped"] == 2
    assert rows["New areas"].counts["men_counselled"] == 4
    assert rows["New areas"].counts["reached_house_visits"] == 12
    total = reports.activity_total(list(rows.values()))
    assert total.counts["men_counselled"] == 7 and total.counts["outcome_stopped"] == 3
    last_year = reports.Filters(end=month - timedelta(days=40))
    assert reports.cmg_activity(last_year, "group") == []


def test_monthly_report_refuses_outcomes_beyond_the_men_counselled(app, places):
    member = make_user("m", tracks=["cmg"], commune=places["pursat_a"])
    with pytest.raises(cmg_reports.ReportError):
        cmg_reports.save_report(
            member,
            local_today().replace(day=1),
            {"men_counselled": 1, "outcome_stopped": 2},
        )
    old = local_today().replace(day=1) - timedelta(days=200)
    with pytest.raises(cmg_reports.ReportError):
        cmg_reports.save_report(member, old.replace(day=1), {"men_counselled": 1})


def test_a_member_corrects_his_month_without_a_second_row(app, places):
    member = make_user("m", tracks=["cmg"], commune=places["pursat_a"])
    month = local_today().replace(day=1)
    cmg_reports.save_report(member, month, {"men_counselled": 2})
    cmg_reports.save_report(member, month, {"men_counselled": 3})
    assert db.session.query(CmgMonthlyReport).count() == 1
    assert cmg_reports.report_for(member, month).men_counselled == 3


def test_committee_sees_only_its_province(app, client, people, places, users, as_user):
    as_user(users["committee"])  # Pursat
    html = client.get("/reports/?lang=en").get_data(as_text=True)
    # Pursat: p1, p2, l1 and the two Pursat trainees of the users fixture; 7 in all.
    assert "Trainees reached: 5</h2>" in html
    scoped = reports.scoped(
        reports.Filters(province_id=places["prey_veng"].province_id), users["committee"]
    )
    assert scoped.province_id == places["pursat_a"].province_id


def test_export_downloads_the_table_and_neutralises_formulas(
    app, client, people, users, as_user
):
    people["p1"].display_name = "=HYPERLINK(1)"
    db.session.commit()
    as_user(users["admin"])
    response = client.get("/reports/export/reach.csv?lang=en")
    assert response.status_code == 200
    text = response.data.decode("utf-8-sig")
    assert "Track" in text and "Police" in text
    assert client.get("/reports/export/nope.csv").status_code == 404
    assert client.get("/reports/export/reach.pdf").status_code == 404


PAGES = ["/reports/", "/reports/learning", "/reports/attitude", "/reports/cmg"]


def _count_queries(client, path):
    statements = []

    def record(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        assert client.get(path).status_code == 200
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    return len(statements)


def test_report_pages_run_a_number_of_queries_that_does_not_grow_with_the_data(
    app, client, users, as_user
):
    as_user(users["admin"])
    synthetic.generate(catalog(), 20, seed=1)
    small = {p: _count_queries(client, p) for p in PAGES}
    synthetic.generate(catalog(), 200, seed=2)
    large = {p: _count_queries(client, p) for p in PAGES}
    assert small == large


def test_filters_refuse_a_period_that_ends_before_it_starts(
    app, client, users, as_user
):
    as_user(users["admin"])
    html = client.get("/reports/?start=2026-05-01&end=2026-01-01&lang=en").get_data(
        as_text=True
    )
    assert "before its start" in html
    assert client.get("/reports/?start=not-a-date&province=abc").status_code == 200


def test_groups_page_creates_and_fills_a_group(app, client, users, places, as_user):
    as_user(users["admin"])
    client.post(
        "/reports/groups", data={"action": "create", "name_km": "ចាស់", "name_en": "Old"}
    )
    group = db.session.query(CommuneGroup).one()
    client.post(
        "/reports/groups",
        data={
            "action": "assign",
            "group": group.id,
            "codes": f"{places['pursat_a'].code} 000000",
        },
    )
    html = client.get("/reports/groups?lang=en").get_data(as_text=True)
    assert places["pursat_a"].code in html


def test_report_cache_reuses_a_result_for_the_same_scope_only():
    calls = []

    def compute(tag):
        calls.append(tag)
        return tag

    pursat = reports.Filters(province_id=15)
    prey_veng = reports.Filters(province_id=14)
    assert reports.cached(("t", pursat), 60, lambda: compute("a")) == "a"
    assert reports.cached(("t", pursat), 60, lambda: compute("b")) == "a"  # reused
    assert (
        reports.cached(("t", prey_veng), 60, lambda: compute("c")) == "c"
    )  # own scope
    assert reports.cached(("t", pursat), 0, lambda: compute("d")) == "d"  # cache off
    assert calls == ["a", "c", "d"]
