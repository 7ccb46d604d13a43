"""The exportable tables of the report pages: one builder per table, the page's figures.

Each builder takes the scoped filters and returns a header and rows, in the user's
language; `build(name, filters)` picks the builder or answers 404.
"""

from flask import abort, request
from flask_babel import gettext as _

from curriculum.content import catalog
from curriculum.forms.reports import COUNT_LABELS
from curriculum.i18n import current_locale, track_title
from curriculum.models import AGE_BANDS, COUNT_FIELDS, TRACKS, CommuneGroup
from curriculum.services import reports
from curriculum.views.workshop_messages import gender_labels

GENDER_ORDER = ("female", "male", "other", "unspecified")

Table = tuple[list[str], list[list]]


def step_label(key: str) -> str:
    """Name a step of the completion funnel in the user's language."""
    if key == "enrolled":
        return _("Enrolled")
    if key == "started":
        return _("Started")
    if key == "certified":
        return _("Certified")
    module = catalog().module(key)
    return (
        _("Passed: %(module)s", module=module.title[current_locale()])
        if module
        else key
    )


def _reach(filters: reports.Filters, _name: str) -> Table:
    data = reports.reach(filters)
    header = [_("Track")] + [_(g.capitalize()) for g in GENDER_ORDER] + [_("Total")]
    rows = [
        [track_title(t)]
        + [data.by_track_gender.get(t, {}).get(g, 0) for g in GENDER_ORDER]
        + [sum(data.by_track_gender.get(t, {}).values())]
        for t in TRACKS
    ]
    # A person on two tracks counts on each track's row: the total row says so.
    rows.append([_("Total (a person on two tracks counts twice)")] + _column_sums(rows))
    return header, rows


def _column_sums(rows: list[list]) -> list:
    return [sum(row[i] for row in rows) for i in range(1, len(rows[0]))] if rows else []


def _ages(filters: reports.Filters, _name: str) -> Table:
    ages = reports.reach(filters).by_age or {}
    rows = [[band, ages.get(band, 0)] for band in AGE_BANDS]
    rows.append([_("Not said"), ages.get("", 0)])
    rows.append([_("Total"), *_column_sums(rows)])
    return [_("Age"), _("Trainees")], rows


def _provinces(filters: reports.Filters, _name: str) -> Table:
    locale = current_locale()
    rows = [[p.name(locale), n] for p, n in reports.reach(filters).by_province]
    if rows:
        rows.append([_("Total"), *_column_sums(rows)])
    return [_("Province"), _("Trainees")], rows


def _communes(filters: reports.Filters, _name: str) -> Table:
    locale = current_locale()
    rows = [[c.name(locale), n] for c, n in reports.reach(filters).by_commune]
    if rows:
        rows.append([_("Total"), *_column_sums(rows)])
    return [_("Commune"), _("Trainees")], rows


def _months(filters: reports.Filters, _name: str) -> Table:
    rows = [[m, n] for m, n in reports.reach(filters).by_month]
    return [_("Month"), _("New trainees")], rows


def _funnel(filters: reports.Filters, _name: str) -> Table:
    rows = []
    for track, steps in reports.funnel(filters, catalog()).items():
        rows += [[track_title(track), step_label(s.key), s.count] for s in steps]
    return [_("Track"), _("Step"), _("People")], rows


def _pre_post(filters: reports.Filters, name: str) -> Table:
    """Before/after by track, then by province: the grouping in its own columns."""
    locale = current_locale()
    rows = []
    genders = gender_labels()
    for by in ("track", "province", "gender"):
        for c in reports.pre_post(filters, name, by):
            track = track_title(c.label) if by == "track" else ""
            province = c.label.name(locale) if by == "province" else ""
            gender = genders.get(c.label, c.label) if by == "gender" else ""
            rows.append(
                [
                    track,
                    province,
                    gender,
                    c.matched,
                    round(c.pre, 1),
                    round(c.post, 1),
                    round(c.change, 1),
                    round(c.share_improved, 1),
                ]
            )
    header = [
        _("Track"),
        _("Province"),
        _("Gender"),
        _("Matched"),
        _("Before (%)"),
        _("After (%)"),
        _("Change (points)"),
        _("Improved (%)"),
    ]
    return header, rows


def _quizzes(filters: reports.Filters, _name: str) -> Table:
    header = [
        _("Quiz"),
        _("Attempts"),
        _("People"),
        _("Pass rate (%)"),
        _("Mean score (%)"),
    ]
    rows = [
        [s.quiz_key, s.attempts, s.people, round(s.pass_rate, 1), round(s.mean, 1)]
        for s in reports.quiz_summaries(filters)
    ]
    return header, rows


def _items(filters: reports.Filters, _name: str) -> Table:
    quiz = catalog().quiz(request.args.get("quiz", "")) or abort(404)
    items, _n = reports.item_analysis(quiz, filters)
    header = [_("Question"), _("Correct (%)"), _("Discrimination"), _("Answered")]
    rows = [
        [i.key, round(i.share_correct, 1), round(i.discrimination, 2), i.answered]
        for i in items
    ]
    return header, rows


def area_label(label, locale: str) -> str:
    """Name the area a CMG row is summed over: a group of communes, a commune, or none."""
    if label is None:
        return _("Communes in no group")
    if isinstance(label, CommuneGroup):
        return label.name_km if locale == "km" else label.name_en
    return label.name(locale)


def _share(value: float | None):
    return round(value, 1) if value is not None else ""


def indicator_header() -> list[str]:
    """Name the programme's CMG indicators, in the user's language."""
    return [
        _("People reached (total)"),
        _("Cases with a known outcome"),
        _("Stopped: share of known outcomes, per cent"),
        _("Stopped: share of men counselled, per cent"),
    ]


def indicators(a) -> list:
    """Return one row's indicators, in the order of indicator_header()."""
    return [
        a.reached,
        a.outcomes_known,
        _share(a.share_stopped_of_known),
        _share(a.share_stopped_of_counselled),
    ]


def _cmg(filters: reports.Filters, name: str) -> Table:
    locale = current_locale()
    by_commune = name != "cmg"
    data = reports.cmg_activity(filters, "commune" if by_commune else "group")
    counts = [str(COUNT_LABELS[f]) for f in COUNT_FIELDS]
    place = [_("Province"), _("Commune code"), _("Group")] if by_commune else []
    header = [_("Area"), *place, _("Reports"), _("Members"), *counts]
    header += indicator_header()

    def row(a, total=False):
        where = []
        if by_commune:
            commune = a.label if not total and a.label is not None else None
            where = [
                commune.province.name(locale) if commune else "",
                commune.code if commune else "",
                area_label(a.group, locale) if commune and a.group else "",
            ]
        label = _("Total") if total else area_label(a.label, locale)
        values = [a.counts[f] for f in COUNT_FIELDS]
        return [label, *where, a.reports, a.members, *values, *indicators(a)]

    rows = [row(a) for a in data]
    total = reports.activity_total(data)
    if total is not None:
        rows.append(row(total, total=True))
    return header, rows


TABLES = {
    "reach": _reach,
    "provinces": _provinces,
    "ages": _ages,
    "communes": _communes,
    "months": _months,
    "funnel": _funnel,
    "knowledge": _pre_post,
    "attitude": _pre_post,
    "quizzes": _quizzes,
    "items": _items,
    "cmg": _cmg,
    "cmg_communes": _cmg,
}


def build(name: str, filters: reports.Filters) -> Table:
    """Return the header and rows of the table called `name`, or answer 404."""
    builder = TABLES.get(name) or abort(404)
    return builder(filters, name)
