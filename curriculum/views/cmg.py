"""CMG members: the monthly activity report."""

from datetime import date

from babel.dates import format_date
from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import SelectChoice

from curriculum.forms.reports import COUNT_LABELS, MonthlyReportForm
from curriculum.i18n import current_locale, khmer_digits, local_today
from curriculum.models import COUNT_FIELDS
from curriculum.permissions import can_see_own_vetting
from curriculum.services import cmg_reports, vetting
from curriculum.views.decorators import require

bp = Blueprint("cmg", __name__, url_prefix="/cmg")

ERRORS = {
    "month_closed": _l("This month can no longer be reported. Ask your facilitator."),
    "negative": _l("Numbers cannot be below zero."),
    "outcomes_exceed": _l(
        "The outcomes add up to more than the men counselled. Count each man once."
    ),
}


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
    status = 200
    if form.validate_on_submit():
        month = date.fromisoformat(form.month.data)
        counts = {key: getattr(form, key).data for key in COUNT_FIELDS}
        try:
            cmg_reports.save_report(current_user, month, counts, local_today())
        except cmg_reports.ReportError as exc:
            flash(str(ERRORS[exc.code]), "error")
            status = 400
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
        existing = cmg_reports.report_for(current_user, months[0])
        form.month.data = months[0].isoformat()
        if existing:
            for key in COUNT_FIELDS:
                getattr(form, key).data = getattr(existing, key)
    return render_template(
        "cmg/report.html",
        form=form,
        fields=COUNT_FIELDS,
        labels=COUNT_LABELS,
        recent=cmg_reports.recent(current_user),
        month_label=_month_label,
    ), status
