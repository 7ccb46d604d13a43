"""A workshop's roster: find and add trainees, new accounts, import a file."""

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from curriculum.content import catalog
from curriculum.forms.workshops import (
    ActionForm,
    EnrolForm,
    ImportForm,
    ParticipantForm,
    SearchForm,
)
from curriculum.i18n import current_locale, khmer_digits
from curriculum.khmer import parse_int
from curriculum.models import AGE_BANDS, GENDERS
from curriculum.permissions import can_manage_workshops
from curriculum.services import setup_codes, spreadsheets, workshops
from curriculum.views.card_store import keep_codes, kept_codes
from curriculum.views.decorators import require
from curriculum.views.workshop_messages import (
    COLUMN_LABELS,
    error_message,
    gender_labels,
    problem_message,
)
from curriculum.views.workshop_pages import (
    page_helpers,
    participant_or_404,
    refused,
    workshop_or_404,
)

bp = Blueprint("roster", __name__, url_prefix="/workshops")
bp.context_processor(page_helpers)
bp.register_error_handler(workshops.WorkshopError, refused)


@bp.route("/<int:workshop_id>/roster")
@require(can_manage_workshops)
def roster(workshop_id: int):
    """Show the roster with participant numbers; find trainees to add."""
    workshop = workshop_or_404(workshop_id)
    people = workshops.roster(workshop)
    search = SearchForm(request.args)
    found = []
    if request.args.get("q") is not None and search.validate():
        found = workshops.search_trainees(workshop, search.q.data)
    on_roster = {p.user.id for p in people}
    return render_template(
        "workshops/roster.html",
        workshop=workshop,
        people=people,
        codes=setup_codes.active_codes([p.user.id for p in people]),
        search=search,
        searched=request.args.get("q") is not None,
        found=found,
        on_roster=on_roster,
        waiting=len(kept_codes(workshop)),
        mask_phone=workshops.mask_phone,
    )


@bp.route("/<int:workshop_id>/roster/add", methods=["POST"])
@require(can_manage_workshops)
def enrol(workshop_id: int):
    """Put an existing trainee on the roster."""
    workshop = workshop_or_404(workshop_id)
    workshops.check_open(workshop)
    form = EnrolForm()
    if not form.validate_on_submit():
        abort(400)
    person = workshops.trainee_by_id(parse_int(form.user_id.data) or 0) or abort(404)
    try:
        enrolment, created = workshops.enrol(workshop, person, current_user)
    except workshops.WorkshopError as error:
        flash(error_message(error), "error")
        return redirect(url_for("roster.roster", workshop_id=workshop.id))
    number = khmer_digits(enrolment.number)
    if created:
        flash(
            _(
                "%(name)s is on the roster as number %(number)s.",
                name=person.display_name,
                number=number,
            ),
            "info",
        )
    else:
        flash(
            _(
                "%(name)s was already on the roster, as number %(number)s.",
                name=person.display_name,
                number=number,
            ),
            "info",
        )
    return redirect(url_for("roster.roster", workshop_id=workshop.id))


@bp.route("/<int:workshop_id>/roster/<int:participant>/remove", methods=["POST"])
@require(can_manage_workshops)
def unenrol(workshop_id: int, participant: int):
    """Take someone added by mistake off the roster (not once marked present)."""
    workshop = workshop_or_404(workshop_id)
    person = participant_or_404(workshop, participant)
    workshops.check_open(workshop)
    if ActionForm().validate_on_submit():
        try:
            workshops.unenrol(workshop, person, current_user)
            flash(
                _(
                    "%(name)s is no longer on the roster.",
                    name=person.user.display_name,
                ),
                "info",
            )
        except workshops.WorkshopError as error:
            flash(error_message(error), "error")
    return redirect(url_for("roster.roster", workshop_id=workshop.id))


def _fill_participant_choices(form: ParticipantForm) -> None:
    locale = current_locale()
    labels = gender_labels()
    form.gender.choices = [SelectChoice(key, labels[key]) for key in GENDERS]
    form.track.choices = [
        SelectChoice(t.key, t.title[locale]) for t in catalog().tracks
    ]
    form.age_band.choices = [SelectChoice("", _("Not said"))] + [
        SelectChoice(band, khmer_digits(band)) for band in AGE_BANDS
    ]


@bp.route("/<int:workshop_id>/roster/new", methods=["GET", "POST"])
@require(can_manage_workshops)
def create_participant(workshop_id: int):
    """Create an account for someone without one, warning about likely duplicates."""
    workshop = workshop_or_404(workshop_id)
    workshops.check_open(workshop)
    form = ParticipantForm()
    _fill_participant_choices(form)
    matches: list[workshops.Match] = []
    status = 200
    if form.validate_on_submit():
        if form.confirm.data != "1":
            matches = workshops.likely_duplicates(
                workshop, form.display_name.data, form.latin_name.data, form.phone.data
            )
        if not matches:
            try:
                created = workshops.create_participant(
                    workshop,
                    current_user,
                    display_name=form.display_name.data,
                    latin_name=form.latin_name.data or None,
                    phone=form.phone.data or None,
                    gender=form.gender.data,
                    tracks=[form.track.data],
                    username=form.username.data or None,
                    age_band=form.age_band.data or None,
                )
            except workshops.WorkshopError as error:
                flash(error_message(error), "error")
                return render_template(
                    "workshops/participant.html",
                    workshop=workshop,
                    form=form,
                    matches=[],
                    enrol_form=EnrolForm(),
                ), 409
            keep_codes(workshop, {created.user.id: created.code})
            flash(
                _(
                    "%(name)s has an account (username %(username)s) and is number "
                    "%(number)s. Print the setup card.",
                    name=created.user.display_name,
                    username=created.user.username,
                    number=khmer_digits(created.number),
                ),
                "info",
            )
            return redirect(url_for("roster.roster", workshop_id=workshop.id))
        # Ask first: the same person may already have an account.
        form.confirm.data = "1"
    elif request.method == "POST":
        status = 400
    return render_template(
        "workshops/participant.html",
        workshop=workshop,
        form=form,
        matches=matches,
        enrol_form=EnrolForm(),
        mask_phone=workshops.mask_phone,
    ), status


@bp.route("/<int:workshop_id>/roster/import", methods=["GET", "POST"])
@require(can_manage_workshops)
def import_roster(workshop_id: int):
    """Import a roster file: every row is checked first, and any problem stops it."""
    workshop = workshop_or_404(workshop_id)
    workshops.check_open(workshop)
    form = ImportForm()
    checked = None
    status = 200
    if form.validate_on_submit():
        upload = form.file.data
        data = upload.read(spreadsheets.MAX_FILE_BYTES + 1)
        checked = workshops.check_roster_file(
            workshop, upload.filename or "", data, catalog()
        )
        if checked.ready(form.create_anyway.data):
            try:
                created = workshops.import_roster(workshop, current_user, checked.rows)
            except workshops.WorkshopError as error:
                flash(error_message(error), "error")
                return redirect(
                    url_for("roster.import_roster", workshop_id=workshop.id)
                )
            keep_codes(workshop, {c.user.id: c.code for c in created})
            flash(
                _(
                    "%(count)s people are on the roster now. Print their setup cards.",
                    count=khmer_digits(len(created)),
                ),
                "info",
            )
            return redirect(url_for("setup_cards.cards", workshop_id=workshop.id))
        status = 400
    elif request.method == "POST":
        status = 400
    return render_template(
        "workshops/import.html",
        workshop=workshop,
        form=form,
        checked=checked,
        message=problem_message,
        columns=COLUMN_LABELS,
        max_rows=workshops.MAX_IMPORT_ROWS,
    ), status


@bp.route("/roster-template.csv")
@require(can_manage_workshops)
def import_template():
    """Download an empty roster file with the expected columns."""
    body = spreadsheets.write_csv(
        workshops.TEMPLATE_HEADER, [workshops.TEMPLATE_EXAMPLE]
    )
    return Response(
        body,
        mimetype="text/csv",
        headers={"Content-Disposition": "attachment; filename=roster-template.csv"},
    )
