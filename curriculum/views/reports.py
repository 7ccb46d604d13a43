"""Monitoring and evaluation pages for programme staff and committees, with exports."""

import time

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select
from wtforms import SelectChoice

from curriculum.content import catalog
from curriculum.extensions import db
from curriculum.forms.reports import COUNT_LABELS, FilterForm
from curriculum.i18n import current_locale, local_today, track_title
from curriculum.khmer import parse_int
from curriculum.models import (
    AGE_BANDS,
    COUNT_FIELDS,
    TRACKS,
    Commune,
    CommuneGroup,
    Province,
)
from curriculum.permissions import (
    can_manage_commune_groups,
    can_see_data_quality,
    can_view_reports,
    province_visible,
)
from curriculum.services import cmg_reports, reports, spreadsheets
from curriculum.services.reports import quality as quality_service
from curriculum.services.reports import trends as trends_service
from curriculum.views import report_tables
from curriculum.views.decorators import require
from curriculum.views.workshop_messages import gender_labels

bp = Blueprint("reports", __name__, url_prefix="/reports")


def _filters() -> tuple[FilterForm, reports.Filters]:
    """Read the filter form from the query string, narrowed to the user's scope."""
    form = FilterForm(request.args)
    locale = current_locale()
    provinces = list(db.session.scalars(select(Province).order_by(Province.code)))
    provinces = [p for p in provinces if province_visible(current_user, p.id)]
    form.province.choices = [SelectChoice("", _("All provinces"))] + [
        SelectChoice(str(p.id), p.name(locale)) for p in provinces
    ]
    province_id = parse_int(form.province.data) if form.province.data else None
    if province_id not in {p.id for p in provinces}:
        province_id = None
    communes = []
    if province_id is not None:
        communes = list(
            db.session.scalars(
                select(Commune)
                .where(Commune.province_id == province_id)
                .order_by(Commune.code)
            )
        )
    form.commune.choices = [SelectChoice("", _("All communes"))] + [
        SelectChoice(str(c.id), c.name(locale)) for c in communes
    ]
    commune_id = parse_int(form.commune.data) if form.commune.data else None
    if commune_id not in {c.id for c in communes}:
        commune_id = None
    tracks = catalog().tracks
    form.track.choices = [SelectChoice("", _("All tracks"))] + [
        SelectChoice(t.key, t.title[locale]) for t in tracks
    ]
    track = form.track.data if form.track.data in TRACKS else None
    valid = form.validate() if request.args else True
    start = form.start.data if valid else None
    end = form.end.data if valid else None
    if start and end and start > end:
        form.end.errors = [_("The end of the period is before its start.")]
        start = end = None
    filters = reports.Filters(start, end, province_id, commune_id, track)
    return form, reports.scoped(filters, current_user)


def _cached(name: str, filters: reports.Filters, compute, *extra):
    seconds = current_app.config["REPORT_CACHE_SECONDS"]
    return reports.cached(
        (name, filters, *extra), seconds, compute, session.get(CHANGED_AT)
    )


# Why a month looks implausible (services/cmg_reports.implausible), for the list.
WARNING_LABELS = {
    "counselled_without_session": _l("men counselled, no session"),
    "outcomes_without_men": _l("outcomes, no man counselled"),
    "many_men": _l("very many men counselled"),
    "many_reached": _l("very many people reached"),
}


# When the signed-in staff member last changed what reports count (a correction, a
# group move, an import): his report pages are never older than that.
CHANGED_AT = "reports_changed_at"


def changed_figures() -> None:
    """Note that the current user changed what reports count, just now."""
    session[CHANGED_AT] = time.time()


@bp.route("/")
@require(can_view_reports)
def overview():
    """Show reach, the completion funnel per track, and workshops."""
    form, filters = _filters()
    return render_template(
        "reports/overview.html",
        form=form,
        reach=_cached("reach", filters, lambda: reports.reach(filters)),
        funnel=_cached("funnel", filters, lambda: reports.funnel(filters, catalog())),
        workshops=_cached(
            "workshops", filters, lambda: reports.workshop_figures(filters)
        ),
        genders=report_tables.GENDER_ORDER,
        age_bands=AGE_BANDS,
        step_label=report_tables.step_label,
    )


@bp.route("/learning")
@require(can_view_reports)
def learning():
    """Show matched pre/post knowledge, quiz results and item analysis."""
    form, filters = _filters()
    quizzes = [q for q in catalog().quizzes.values() if q.kind == "module"]
    chosen = catalog().quiz(request.args.get("quiz", "")) or (
        quizzes[0] if quizzes else None
    )
    items, sample = (
        _cached(
            "items", filters, lambda: reports.item_analysis(chosen, filters), chosen.key
        )
        if chosen
        else ([], 0)
    )
    return render_template(
        "reports/learning.html",
        form=form,
        by_track=_cached(
            "knowledge-track", filters, lambda: reports.pre_post(filters, "knowledge")
        ),
        by_province=_cached(
            "knowledge-province",
            filters,
            lambda: reports.pre_post(filters, "knowledge", "province"),
        ),
        by_gender=_cached(
            "knowledge-gender",
            filters,
            lambda: reports.pre_post(filters, "knowledge", "gender"),
        ),
        genders=gender_labels(),
        summaries=_cached("quizzes", filters, lambda: reports.quiz_summaries(filters)),
        quizzes=quizzes,
        chosen=chosen,
        items=items,
        sample=sample,
        sample_limit=reports.ITEM_SAMPLE,
    )


@bp.route("/attitude")
@require(can_view_reports)
def attitude():
    """Show matched pre/post attitude scores, with the scoring direction."""
    form, filters = _filters()
    return render_template(
        "reports/attitude.html",
        form=form,
        survey=catalog().attitude,
        by_track=_cached(
            "attitude-track", filters, lambda: reports.pre_post(filters, "attitude")
        ),
        by_province=_cached(
            "attitude-province",
            filters,
            lambda: reports.pre_post(filters, "attitude", "province"),
        ),
        by_gender=_cached(
            "attitude-gender",
            filters,
            lambda: reports.pre_post(filters, "attitude", "gender"),
        ),
        genders=gender_labels(),
    )


@bp.route("/cmg")
@require(can_view_reports)
def cmg():
    """Show CMG members' monthly reports summed by group of communes and by commune."""
    form, filters = _filters()
    groups = _cached(
        "cmg-group", filters, lambda: reports.cmg_activity(filters, "group")
    )
    communes = _cached(
        "cmg-commune", filters, lambda: reports.cmg_activity(filters, "commune")
    )
    return render_template(
        "reports/cmg.html",
        form=form,
        groups=groups,
        total=reports.activity_total(groups),
        communes=communes,
        commune_total=reports.activity_total(communes),
        fields=COUNT_FIELDS,
        labels=COUNT_LABELS,
    )


@bp.route("/trends")
@require(can_view_reports)
def trends():
    """Show CMG activity and training by month or quarter, and reporting completeness."""
    form, filters = _filters()
    step = "quarter" if request.args.get("step") == "quarter" else "month"
    today = local_today()
    cmg = _cached(
        "trend-cmg",
        filters,
        lambda: trends_service.cmg_series(filters, today, step),
        step,
    )
    training = _cached(
        "trend-training",
        filters,
        lambda: trends_service.training_series(filters, today, step),
        step,
    )
    args = {k: v for k, v in request.args.items() if k != "step"}
    return render_template(
        "reports/trends.html",
        form=form,
        step=step,
        other_url=url_for(
            "reports.trends", **args, step="month" if step == "quarter" else "quarter"
        ),
        cmg=cmg,
        cmg_chart=[(p.period, p.values["men_counselled"]) for p in cmg],
        training=training,
        training_chart=[(p.period, p.values["completions"]) for p in training],
        completeness=_cached(
            "trend-completeness",
            filters,
            lambda: trends_service.completeness(filters, today),
        ),
    )


@bp.route("/quality")
@require(can_see_data_quality)
def quality():
    """List what to check before reporting: odd months, twins, unmatched tests."""
    form, filters = _filters()
    return render_template(
        "reports/quality.html",
        form=form,
        odd=quality_service.implausible_months(filters),
        twins=_cached(
            "quality-twins",
            filters,
            lambda: quality_service.possible_duplicates(filters),
        ),
        unmatched=quality_service.unmatched_tests(filters),
        corrections=quality_service.corrections(filters),
        warnings=WARNING_LABELS,
        shown=quality_service.SHOWN,
    )


@bp.route("/summary")
@require(can_view_reports)
def summary():
    """One printable page per period and area, to hand to a donor (browser print)."""
    form, filters = _filters()
    groups = _cached(
        "cmg-group", filters, lambda: reports.cmg_activity(filters, "group")
    )
    return render_template(
        "reports/summary.html",
        form=form,
        filters=filters,
        place=_place_name(filters),
        reach=_cached("reach", filters, lambda: reports.reach(filters)),
        workshops=_cached(
            "workshops", filters, lambda: reports.workshop_figures(filters)
        ),
        knowledge=_cached(
            "knowledge-track", filters, lambda: reports.pre_post(filters, "knowledge")
        ),
        attitude=_cached(
            "attitude-track", filters, lambda: reports.pre_post(filters, "attitude")
        ),
        groups=groups,
        total=reports.activity_total(groups),
        today=local_today(),
    )


def _place_name(filters: reports.Filters) -> str:
    locale = current_locale()
    if filters.commune_id is not None:
        commune = db.session.get(Commune, filters.commune_id)
        return commune.name(locale) if commune else ""
    if filters.province_id is not None:
        province = db.session.get(Province, filters.province_id)
        return province.name(locale) if province else ""
    return _("All provinces")


@bp.route("/export/<name>.<fmt>")
@require(can_view_reports)
def export(name: str, fmt: str):
    """Download one report table as CSV or XLSX (counts only; audited)."""
    if fmt not in ("csv", "xlsx"):
        abort(404)
    _form, filters = _filters()
    header, rows = report_tables.build(name, filters)
    # Every row says which period and filters it was counted for, so that a file
    # passed on alone still says what it is.
    header = header + [
        _("Period from"),
        _("Period to"),
        _("Province filter"),
        _("Commune filter"),
        _("Track filter"),
    ]
    described = _filters_described(filters)
    rows = [list(row) + described for row in rows]
    reports.record_export(current_user, name, fmt)
    if fmt == "csv":
        data, mimetype = spreadsheets.write_csv(header, rows), "text/csv; charset=utf-8"
    else:
        data = spreadsheets.write_xlsx(header, rows, name)
        mimetype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    response = make_response(data)
    response.headers["Content-Type"] = mimetype
    response.headers["Content-Disposition"] = (
        f'attachment; filename="{export_name(name, filters)}.{fmt}"'
    )
    return response


def _filters_described(filters: reports.Filters) -> list[str]:
    locale = current_locale()
    province = (
        db.session.get(Province, filters.province_id) if filters.province_id else None
    )
    commune = (
        db.session.get(Commune, filters.commune_id) if filters.commune_id else None
    )
    return [
        filters.start.isoformat() if filters.start else "",
        (filters.end or local_today()).isoformat(),
        f"{province.code} {province.name(locale)}" if province else "",
        f"{commune.code} {commune.name(locale)}" if commune else "",
        track_title(filters.track) if filters.track else "",
    ]


def export_name(name: str, filters: reports.Filters) -> str:
    """Name an export by its table, period and filters (codes, never names)."""
    parts = [
        name,
        f"{filters.start.isoformat() if filters.start else 'start'}"
        f"_to_{(filters.end or local_today()).isoformat()}",
    ]
    if filters.commune_id is not None:
        commune = db.session.get(Commune, filters.commune_id)
        parts.append(f"commune-{commune.code}" if commune else "commune")
    elif filters.province_id is not None:
        province = db.session.get(Province, filters.province_id)
        parts.append(f"province-{province.code}" if province else "province")
    if filters.track:
        parts.append(filters.track)
    return "-".join(parts)


@bp.route("/groups", methods=["GET", "POST"])
@require(can_manage_commune_groups)
def groups():
    """Group communes as the programme reports them (for example old and new areas)."""
    if request.method == "POST":
        action = request.form.get("action")
        if action == "create":
            name_en = request.form.get("name_en", "").strip()[:120]
            name_km = request.form.get("name_km", "").strip()[:120]
            if not name_en or not name_km:
                flash(_("Give the group a name in Khmer and in English."), "error")
            else:
                reports.create_group(name_km, name_en, current_user)
                flash(_("The group is created."), "info")
        elif action == "assign":
            group = db.session.get(
                CommuneGroup, parse_int(request.form.get("group")) or 0
            )
            if group is None:
                abort(404)
            since_text = request.form.get("since", "").strip()[:16]
            since = cmg_reports.parse_month(since_text) if since_text else None
            if since_text and since is None:
                flash(
                    _("Write the month as year and month, for example 2009-03."),
                    "error",
                )
                return redirect(url_for("reports.groups"))
            found, unknown = reports.assign_communes(
                group, request.form.get("codes", "")[:20000], current_user, since
            )
            changed_figures()
            if unknown:
                flash(
                    _(
                        "These codes are not communes: %(codes)s",
                        codes=", ".join(unknown[:20]),
                    ),
                    "error",
                )
            if found:
                flash(_("%(n)s communes are in the group now.", n=found), "info")
        return redirect(url_for("reports.groups"))
    group_rows, members = reports.groups_with_communes()
    return render_template("reports/groups.html", groups=group_rows, members=members)
