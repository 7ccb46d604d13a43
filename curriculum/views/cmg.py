"""CMG members: the monthly activity report."""

from datetime import date

from babel.dates import format_date
from flask import (
    Blueprint,
    abort,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import SelectChoice

from curriculum.extensions import db
from curriculum.forms.reports import (
    COUNT_LABELS,
    MonthlyReportForm,
    ReportsFileForm,
    StaffMonthlyReportForm,
)
from curriculum.i18n import current_locale, khmer_digits, local_today
from curriculum.models import COUNT_FIELDS, User
from curriculum.permissions import (
    can_enter_cmg_reports,
    can_enter_report_for,
    can_import_cmg_reports,
    can_see_own_vetting,
)
from curriculum.services import audit, cmg_import, cmg_reports, spreadsheets, vetting
from curriculum.views.decorators import require
from curriculum.views.reports import changed_figures
from curriculum.views.workshop_messages import problem_message

bp = Blueprint("cmg", __name__, url_prefix="/cmg")

ERRORS = {
    "month_closed": _l(
        "This month can no longer be reported here. Your facilitator or the programme "
        "staff of your area can enter or correct it for you."
    ),
    "month_future": _l("A month that has not begun cannot be reported yet."),
    "sexes_exceed": _l(
        "The women and men reached add up to more than the people reached. Count each "
        "person once."
    ),
    "month_invalid": _l("Write the month as year and month, for example 2009-03."),
    "negative": _l("Numbers cannot be below zero."),
    "outcomes_exceed": _l(
        "The outcomes add up to more than the men counselled. Count each man once."
    ),
}


WARNINGS = {
    "counselled_without_session": _l(
        "Men were counselled, but no session is counted. Is that right?"
    ),
    "outcomes_without_men": _l("Outcomes are counted, but no man counselled."),
    "many_men": _l("More than %(n)s men counselled in one month is a lot."),
    "many_reached": _l("More than %(n)s people reached in one month is a lot."),
}


def _warnings(counts: dict) -> list[str]:
    """Return the plausibility warnings of a month's counts, as sentences."""
    limits = {
        "many_men": cmg_reports.MOST_MEN_IN_A_MONTH,
        "many_reached": cmg_reports.MOST_REACHED_IN_A_MONTH,
    }
    return [
        str(WARNINGS[code]) % {"n": khmer_digits(f"{limits.get(code, 0):,}")}
        for code in cmg_reports.implausible(counts)
    ]


def _confirmed() -> bool:
    return request.form.get("confirm") == "1"


def _try_save(form, member: User, month: date | None, by: User | None = None):
    """Save a month's counts from a form; return None when saved, else what to show.

    What to show is (status, warnings): the plausibility warnings to confirm (200), or
    a refusal already flashed (400). `by` is the staff member entering it for him.
    """
    counts = {key: getattr(form, key).data for key in COUNT_FIELDS}
    warnings = [] if _confirmed() else _warnings(counts)
    try:
        if month is None:
            raise cmg_reports.ReportError("month_invalid")
        if warnings:
            return 200, warnings
        cmg_reports.save_report(member, month, counts, local_today(), by=by)
    except cmg_reports.ReportError as exc:
        flash(str(ERRORS[exc.code]), "error")
        return 400, []
    if by is not None:
        changed_figures()
    return None


def _month_label(month: date) -> str:
    return khmer_digits(format_date(month, "MMMM y", locale=current_locale()))


@bp.route("/report", methods=["GET", "POST"])
@require(can_see_own_vetting)
def report():
    """Let an approved CMG member send or correct a month's counts."""
    if not vetting.is_member(current_user):
        abort(403)
    months = cmg_reports.open_months(local_today())
    form = MonthlyReportForm()
    form.month.choices = [SelectChoice(m.isoformat(), _month_label(m)) for m in months]
    status, warnings = 200, []
    if form.validate_on_submit():
        month = date.fromisoformat(form.month.data)
        kept = _try_save(form, current_user, month)
        if kept is not None:
            status, warnings = kept
        else:
            flash(
                _(
                    "Thank you. Your report for %(month)s is saved.",
                    month=_month_label(month),
                ),
                "info",
            )
            return redirect(url_for("cmg.report"))
    elif form.is_submitted():
        status = 400
    else:
        # ?month=2026-10 opens that month (to correct it), when it is still open.
        asked = cmg_reports.parse_month(request.args.get("month"))
        month = asked if asked in months else months[0]
        _fill(form, cmg_reports.report_for(current_user, month))
        form.month.data = month.isoformat()
    return render_template(
        "cmg/report.html",
        form=form,
        warnings=warnings,
        fields=COUNT_FIELDS,
        labels=COUNT_LABELS,
        recent=cmg_reports.recent(current_user),
        month_label=_month_label,
        correct_url=lambda m: (
            url_for("cmg.report", month=m.strftime("%Y-%m")) if m in months else None
        ),
    ), status


def _fill(form, existing) -> None:
    if existing is not None:
        for key in COUNT_FIELDS:
            getattr(form, key).data = getattr(existing, key)


IMPORT_PROBLEMS = {
    "unknown_member": _l(
        "%(username)s is not an approved CMG member of your area (check the username)."
    ),
    "bad_month": _l("The month is not a month: write it like 2009-03."),
    "future_month": _l("The month has not begun yet."),
    "outcomes_exceed": ERRORS["outcomes_exceed"],
    "sexes_exceed": ERRORS["sexes_exceed"],
    "row_repeated": _l("The same member and month are on row %(other)s."),
    "bad_count": _l("%(column)s must be a whole number from 0 to 10,000."),
}
IMPORT_COLUMNS = {"username": _l("Username"), "month": _l("Month"), **COUNT_LABELS}


def import_problem(problem) -> str:
    """Return one problem of an import file as a sentence, with its row."""
    column = str(IMPORT_COLUMNS.get(problem.column or "", problem.column or ""))
    if problem.code in IMPORT_PROBLEMS:
        params = {k: khmer_digits(v) for k, v in problem.params.items()}
        sentence = str(IMPORT_PROBLEMS[problem.code]) % (params | {"column": column})
    else:  # the file itself, or a cell (spreadsheets' codes)
        sentence = problem_message(problem).replace(problem.column or "\0", column)
    if problem.row:
        return _(
            "Row %(row)s: %(problem)s", row=khmer_digits(problem.row), problem=sentence
        )
    return sentence


@bp.route("/import", methods=["GET", "POST"])
@require(can_import_cmg_reports)
def import_reports():
    """Import monthly reports from a file: all rows, or none, with every problem."""
    form = ReportsFileForm()
    problems, done, status = [], None, 200
    if form.validate_on_submit():
        upload = form.file.data
        data = upload.read(spreadsheets.MAX_FILE_BYTES + 1)
        checked = cmg_import.check_file(
            current_user, upload.filename or "", data, local_today()
        )
        if checked.problems:
            problems, status = [import_problem(p) for p in checked.problems], 400
            audit.record(current_user, "cmg_report.import_refused", "cmg_report", None)
            db.session.commit()
        else:
            done = cmg_import.import_file(current_user, checked, local_today())
            changed_figures()
    elif form.is_submitted():
        status = 400
    return render_template(
        "cmg/import.html", form=form, problems=problems, done=done
    ), status


@bp.route("/import/template.csv")
@require(can_import_cmg_reports)
def import_template():
    """Download an empty import file with its header row, and one example row."""
    header = [c.key for c in cmg_import.columns()]
    example = ["username", "2009-03"] + ["0"] * len(COUNT_FIELDS)
    response = make_response(spreadsheets.write_csv(header, [example]))
    response.headers["Content-Type"] = "text/csv; charset=utf-8"
    response.headers["Content-Disposition"] = (
        'attachment; filename="cmg-monthly-reports.csv"'
    )
    return response


@bp.route("/members")
@require(can_enter_cmg_reports)
def members():
    """List the approved CMG members of the staff member's area, to enter reports."""
    people = vetting.approved_members(current_user)
    return render_template("cmg/members.html", people=people)


@bp.route("/members/<int:user_id>/report", methods=["GET", "POST"])
@require(can_enter_cmg_reports)
def member_report(user_id: int):
    """Enter or correct any past month of a member's report, on his behalf."""
    member = db.session.get(User, user_id)
    if (
        member is None
        or not can_enter_report_for(current_user, member)
        or not vetting.is_member(member)
    ):
        abort(404)
    form = StaffMonthlyReportForm()
    status, warnings = 200, []
    if form.validate_on_submit():
        month = cmg_reports.parse_month(form.month.data)
        kept = _try_save(form, member, month, by=current_user)
        if kept is not None:
            status, warnings = kept
        else:
            flash(
                _(
                    "The report of %(name)s for %(month)s is saved.",
                    name=member.display_name,
                    month=_month_label(month),
                ),
                "info",
            )
            return redirect(
                url_for(
                    "cmg.member_report",
                    user_id=member.id,
                    month=month.strftime("%Y-%m"),
                )
            )
    elif form.is_submitted():
        status = 400
    else:
        month = cmg_reports.parse_month(request.args.get("month"))
        month = month or cmg_reports.first_of_month(local_today())
        form.month.data = month.strftime("%Y-%m")
        _fill(form, cmg_reports.report_for(member, month))
    audit.record(current_user, "cmg_report.view", "user", member.id)
    db.session.commit()
    return render_template(
        "cmg/member_report.html",
        member=member,
        form=form,
        warnings=warnings,
        fields=COUNT_FIELDS,
        labels=COUNT_LABELS,
        recent=cmg_reports.recent(member, limit=36),
        month_label=_month_label,
        correct_url=lambda m: url_for(
            "cmg.member_report", user_id=member.id, month=m.strftime("%Y-%m")
        ),
    ), status
