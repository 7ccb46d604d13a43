"""Vetting committees: the queue, case pages, checks, decisions, concerns, exports."""

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

from curriculum.content import catalog
from curriculum.extensions import db
from curriculum.forms.vetting import CheckForm, ConcernForm, DecisionForm, ExportForm
from curriculum.i18n import current_locale, local_today
from curriculum.models import User
from curriculum.permissions import (
    can_decide_on_candidate,
    can_use_committee_pages,
    can_view_candidate,
)
from curriculum.services import spreadsheets, vetting
from curriculum.views.decorators import require

bp = Blueprint("committee", __name__, url_prefix="/committee")

RULE_MESSAGES = {
    "not_manual": _l("This criterion is checked automatically."),
    "note_required": _l("Write down the evidence."),
    "bad_outcome": _l("Choose a decision."),
    "reasons_required": _l("Write the reasons for the decision."),
    "members_required": _l("Write the names of the members present."),
    "missing_required": _l("Say what is missing before the committee can approve."),
    "criteria_not_met": _l(
        "Not every criterion is met. Approve only with a written reason for the exception."
    ),
}


def _candidate_or_404(user_id: int) -> User:
    person = db.session.get(User, user_id)
    if person is None or not can_view_candidate(current_user, person):
        abort(404)
    return person


def _case_page(person: User, status: int = 200, **forms):
    """Render a case page with its criteria, history and forms."""
    criteria = catalog().vetting
    case = vetting.open_case(person, criteria, current_user)
    facts = vetting.load_facts([person.id], [case.id])
    states = vetting.criteria_states(person, case, catalog(), facts)
    vetting.record_case_view(case, current_user)
    return render_template(
        "committee/candidate.html",
        person=person,
        case=case,
        criteria=criteria,
        states=states,
        history=vetting.history(case),
        can_decide=can_decide_on_candidate(current_user, person),
        check_form=forms.get("check_form") or CheckForm(formdata=None),
        decision_form=forms.get("decision_form") or DecisionForm(formdata=None),
        concern_form=forms.get("concern_form") or ConcernForm(formdata=None),
        export_form=ExportForm(formdata=None),
        open_criterion=forms.get("open_criterion"),
    ), status


@bp.route("/")
@require(can_use_committee_pages)
def candidates():
    """Show one page of the committee's queue: ready, due for review, missing..."""
    queue_name = request.args.get("queue") or None
    if queue_name not in vetting.QUEUE_ORDER:
        queue_name = None
    commune_id = request.args.get("commune", type=int)
    name = request.args.get("q", "")[: vetting.NAME_SEARCH_MAX]
    communes = sorted(
        vetting.communes_with_candidates(current_user),
        key=lambda c: c.name(current_locale()),
    )
    if commune_id is not None and commune_id not in {c.id for c in communes}:
        commune_id = None
    page = vetting.queue_page(
        current_user,
        catalog(),
        queue_name=queue_name,
        commune_id=commune_id,
        name=name,
        after=request.args.get("after"),
        before=request.args.get("before"),
        today=local_today(),
    )
    filters = {"queue": queue_name, "commune": commune_id, "q": name.strip() or None}
    filters = {k: v for k, v in filters.items() if v is not None}
    return render_template(
        "committee/candidates.html",
        page=page,
        queue_name=queue_name,
        queue_order=vetting.QUEUE_ORDER,
        communes=communes,
        commune_id=commune_id,
        name=name,
        filters=filters,
        tab_filters={k: v for k, v in filters.items() if k != "queue"},
        count_cap=vetting.COUNT_CAP,
        export_form=ExportForm(formdata=None),
        # Looked up once for the page's fifty rows, not once a row.
        met_of=_("%(met)s of %(total)s criteria met"),
        review_on=_("review %(when)s"),
        case_prefix=url_for("committee.candidate", user_id=0)[:-1],
    )


@bp.route("/candidates/<int:user_id>")
@require(can_use_committee_pages)
def candidate(user_id: int):
    """Show a candidate's case: every criterion, the history, and the forms."""
    return _case_page(_candidate_or_404(user_id))


def _decider_or_abort(user_id: int) -> User:
    person = _candidate_or_404(user_id)
    if not can_decide_on_candidate(current_user, person):
        abort(403)
    return person


@bp.route("/candidates/<int:user_id>/checks", methods=["POST"])
@require(can_use_committee_pages)
def check(user_id: int):
    """Record the check of a manual criterion with its evidence."""
    person = _decider_or_abort(user_id)
    form = CheckForm()
    criteria = catalog().vetting
    criterion = criteria.criterion(form.criterion.data or "")
    if criterion is None or criterion.kind != "manual":
        form.criterion.errors = [_("Choose a criterion.")]
    elif form.validate():
        case = vetting.open_case(person, criteria, current_user)
        vetting.record_check(
            case,
            criterion,
            form.met.data == "yes",
            form.note.data,
            current_user,
            criteria.version,
        )
        flash(_("The check is recorded."), "info")
        return redirect(url_for("committee.candidate", user_id=person.id))
    return _case_page(person, 400, check_form=form, open_criterion=form.criterion.data)


@bp.route("/candidates/<int:user_id>/decisions", methods=["POST"])
@require(can_use_committee_pages)
def decide(user_id: int):
    """Record a decision: approve, defer or reject."""
    person = _decider_or_abort(user_id)
    form = DecisionForm()
    if form.validate():
        criteria = catalog().vetting
        case = vetting.open_case(person, criteria, current_user)
        facts = vetting.load_facts([person.id], [case.id])
        states = vetting.criteria_states(person, case, catalog(), facts)
        try:
            vetting.decide(
                case,
                outcome=form.outcome.data,
                reasons=form.reasons.data,
                members_present=form.members_present.data,
                missing=form.missing.data or "",
                override_reason=form.override_reason.data or "",
                by=current_user,
                states=states,
                criteria=criteria,
                today=local_today(),
            )
        except vetting.VettingError as exc:
            field = {
                "missing_required": form.missing,
                "criteria_not_met": form.override_reason,
            }.get(exc.code, form.reasons)
            field.errors = list(field.errors) + [str(RULE_MESSAGES[exc.code])]
            flash(
                _(
                    "The decision was not recorded: %(why)s",
                    why=RULE_MESSAGES[exc.code],
                ),
                "error",
            )
        else:
            flash(_("The decision is recorded."), "info")
            return redirect(url_for("committee.candidate", user_id=person.id))
    if form.errors:
        flash(
            _("The decision was not recorded. See the messages below the form."),
            "error",
        )
    return _case_page(person, 400, decision_form=form)


@bp.route("/candidates/<int:user_id>/concerns", methods=["POST"])
@require(can_use_committee_pages)
def concern(user_id: int):
    """Record a conduct concern; the case reopens and may suspend the member."""
    person = _decider_or_abort(user_id)
    form = ConcernForm()
    if form.validate():
        case = vetting.open_case(person, catalog().vetting, current_user)
        vetting.report_concern(case, form.note.data, form.suspend.data, current_user)
        flash(_("The concern is recorded and the case is open again."), "info")
        return redirect(url_for("committee.candidate", user_id=person.id))
    return _case_page(person, 400, concern_form=form)


def _download(data: bytes, filename: str, fmt: str):
    response = make_response(data)
    response.headers["Content-Type"] = (
        "text/csv; charset=utf-8"
        if fmt == "csv"
        else "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "no-store"
    return response


def _table(fmt: str, header: list[str], rows: list[list], title: str) -> bytes:
    if fmt == "csv":
        return spreadsheets.write_csv(header, rows)
    return spreadsheets.write_xlsx(header, rows, title)


@bp.route("/candidates/<int:user_id>/export", methods=["POST"])
@require(can_use_committee_pages)
def export_case(user_id: int):
    """Download one case with its notes, on purpose; the export is audited."""
    person = _decider_or_abort(user_id)
    form = ExportForm()
    if not form.validate():
        abort(400)
    case = vetting.open_case(person, catalog().vetting, current_user)
    past = vetting.history(case)
    criteria = catalog().vetting
    locale = current_locale()
    header = [_("When"), _("What"), _("Criterion"), _("Result"), _("Note"), _("By")]
    rows = []
    for item in past.checks:
        criterion = criteria.criterion(item.criterion_key)
        rows.append(
            [
                item.checked_at.isoformat(timespec="minutes"),
                _("Check"),
                criterion.name[locale] if criterion else item.criterion_key,
                _("Met") if item.met else _("Not met"),
                item.evidence_note,
                past.people[item.checked_by_id].display_name,
            ]
        )
    for item in past.decisions:
        note = item.reasons
        if item.missing:
            note += "\n" + _("Missing: %(what)s", what=item.missing)
        if item.override_reason:
            note += "\n" + _("Exception: %(why)s", why=item.override_reason)
        rows.append(
            [
                item.decided_at.isoformat(timespec="minutes"),
                _("Decision"),
                "",
                item.outcome,
                note,
                f"{past.people[item.decided_by_id].display_name} ({item.members_present})",
            ]
        )
    for item in past.concerns:
        rows.append(
            [
                item.reported_at.isoformat(timespec="minutes"),
                _("Conduct concern"),
                "",
                _("Suspended") if item.suspend else "",
                item.note,
                past.people[item.reported_by_id].display_name,
            ]
        )
    rows.sort(key=lambda r: r[0])
    vetting.record_case_export(case, current_user, form.format.data)
    data = _table(form.format.data, header, rows, "case")
    return _download(data, f"case-{case.id}.{form.format.data}", form.format.data)


@bp.route("/export", methods=["POST"])
@require(can_use_committee_pages)
def export_members():
    """Download the approved members in scope: only the fields the work needs."""
    form = ExportForm()
    if not form.validate():
        abort(400)
    locale = current_locale()
    header = [
        _("Name"),
        _("Name in Latin letters"),
        _("Commune"),
        _("Province"),
        _("Approved on"),
        _("Review due"),
    ]
    rows = []
    for person, case, approved_on in vetting.approved_members(current_user):
        commune = person.commune
        rows.append(
            [
                person.display_name,
                person.latin_name or "",
                commune.name(locale) if commune else "",
                commune.province.name(locale) if commune else "",
                approved_on.isoformat() if approved_on else "",
                case.review_due_on.isoformat() if case.review_due_on else "",
            ]
        )
    vetting.record_members_export(current_user, form.format.data, len(rows))
    data = _table(form.format.data, header, rows, "members")
    return _download(data, f"cmg-members.{form.format.data}", form.format.data)
