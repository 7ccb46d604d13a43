"""The facilitator's workshops: roster, accounts, sheets, attendance, paper, report."""

import time
from datetime import UTC, datetime
from datetime import time as clock

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
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
from wtforms.fields.choices import SelectChoice

from curriculum.content import catalog
from curriculum.content.model import AttitudeSurvey
from curriculum.extensions import db
from curriculum.forms.workshops import (
    ActionForm,
    AttendanceForm,
    EnrolForm,
    GotoForm,
    ImportForm,
    PaperForm,
    ParticipantForm,
    SearchForm,
    SessionForm,
    WorkshopForm,
)
from curriculum.i18n import current_locale, format_day, khmer_digits
from curriculum.models import GENDERS, Commune, District, Province, User, Workshop
from curriculum.permissions import can_manage_workshop, can_manage_workshops
from curriculum.services import setup_codes, spreadsheets, surveys, workshops
from curriculum.services.spreadsheets import Problem
from curriculum.views.decorators import require

bp = Blueprint("workshops", __name__, url_prefix="/workshops")

# Codes issued by this facilitator and not yet printed, kept in the signed session
# cookie: the database holds only their hashes. Never logged, never in a URL.
CARDS = "setup_cards"
CARDS_MAX = 200  # a cookie holds about 4 KB
CARDS_SECONDS = 12 * 3600
# The letters of the answer choices on paper sheets, in the order of the quiz file.
LETTERS = {"km": "កខគឃងចឆជឈញ", "en": "ABCDEFGHIJ"}
SHEET_TEXTS = ("km", "en", "both")


# -- helpers ---------------------------------------------------------------------------


@bp.context_processor
def _helpers():
    return {
        "on_day": _on_day,
        "letters": LETTERS,
        "catalog_module": lambda key: catalog().module(key),
        "track_of_test": _track_of_test,
        "track_title": _track_title,
    }


def _track_title(key: str) -> str:
    """Return a track's title in the page's language."""
    track = catalog().track(key)
    return track.title[current_locale()] if track else key


def _track_of_test(quiz_key: str):
    """Return the track whose knowledge test this is, or None."""
    return next((t for t in catalog().tracks if t.knowledge_test == quiz_key), None)


def _on_day(value) -> str:
    """Format a calendar date like the `day` filter (Khmer month names and digits)."""
    return format_day(datetime.combine(value, clock(12), tzinfo=UTC))


def _workshop_or_404(workshop_id: int) -> Workshop:
    workshop = db.session.get(Workshop, workshop_id)
    # Someone else's workshop does not exist for this facilitator.
    if workshop is None or not can_manage_workshop(current_user, workshop):
        abort(404)
    return workshop


def _closed(workshop: Workshop):
    """Return a redirect when the workshop is closed (nothing may change), else None."""
    if workshop.closed_at is None:
        return None
    flash(_("This workshop is closed. Reopen it to change it."), "error")
    return redirect(url_for("workshops.show", workshop_id=workshop.id))


def _participant_or_404(workshop: Workshop, number: int) -> workshops.Participant:
    return workshops.participant(workshop, number) or abort(404)


def _session_or_404(workshop: Workshop, number: int):
    return workshops.session_by_number(workshop, number) or abort(404)


def _int(text: str | None) -> int | None:
    digits = (text or "").strip().translate(str.maketrans("០១២៣៤៥៦៧៨៩", "0123456789"))
    return (
        int(digits)
        if digits.isascii() and digits.isdigit() and len(digits) < 9
        else None
    )


def _error_message(error: workshops.WorkshopError) -> str:
    messages = {
        "ends_before_start": _("The last day cannot be before the first day."),
        "too_long": _(
            "A workshop lasts at most %(days)s days.",
            days=khmer_digits(error.params.get("days", "")),
        ),
        "session_outside": _("A session must be on a day of the workshop."),
        "sessions_outside": _(
            "Some sessions are on other days. Change or remove those sessions first, "
            "then change the days of the workshop."
        ),
        "too_many_sessions": _(
            "A workshop has at most %(max)s sessions.",
            max=khmer_digits(error.params.get("max", "")),
        ),
        "session_has_attendance": _(
            "People were marked present at this session, so it cannot be removed."
        ),
        "participant_attended": _(
            "This person was marked present at a session, so he or she stays on "
            "the roster."
        ),
        "username_taken": _("This username is taken. Choose another."),
        "not_on_track": _("This person is not on the track of this test."),
        "no_such_measure": _("There is no such test."),
    }
    return messages.get(
        error.code, _("Someone else changed this workshop at the same time. Try again.")
    )


# -- the codes waiting to be printed ---------------------------------------------------


def _cards() -> dict:
    cards = session.get(CARDS)
    fresh = (
        isinstance(cards, dict)
        and cards.get("by") == current_user.id
        and time.time() - cards.get("at", 0) < CARDS_SECONDS
    )
    return cards if fresh else {"by": current_user.id, "at": 0, "w": {}}


def _keep_codes(workshop: Workshop, codes: dict[int, str]) -> None:
    """Keep freshly issued codes for the setup cards, newest last."""
    cards = _cards()
    kept = cards["w"].setdefault(str(workshop.id), {})
    for user_id, code in codes.items():
        kept.pop(str(user_id), None)
        kept[str(user_id)] = code
    # Over the limit, forget other workshops' codes first, then the oldest.
    for key in [k for k in cards["w"] if k != str(workshop.id)]:
        if sum(map(len, cards["w"].values())) <= CARDS_MAX:
            break
        del cards["w"][key]
    while len(kept) > CARDS_MAX:
        del kept[next(iter(kept))]
    cards["at"] = int(time.time())
    session[CARDS] = cards


def _kept_codes(workshop: Workshop) -> dict[int, str]:
    kept = _cards()["w"].get(str(workshop.id), {})
    return {int(user_id): code for user_id, code in kept.items()}


def _forget_codes(workshop: Workshop) -> None:
    cards = _cards()
    cards["w"].pop(str(workshop.id), None)
    session[CARDS] = cards


# -- import problems in the user's language --------------------------------------------

COLUMN_LABELS = {
    "name": _l("Name in Khmer"),
    "latin_name": _l("Name in Latin letters"),
    "phone": _l("Phone"),
    "gender": _l("Gender"),
    "track": _l("Track"),
    "username": _l("Username"),
}

# One message for every code of spreadsheets.PROBLEM_CODES, every reason a cell can be
# invalid for, and the checks of the roster itself (a test makes sure none is missing).
PROBLEM_MESSAGES = {
    "bad_extension": _l("The file must be a CSV or an XLSX file."),
    "empty_file": _l("The file has no rows under its header row."),
    "too_large": _l("The file is larger than %(max_mb)s MB."),
    "not_utf8": _l(
        "The file is not saved as UTF-8 (line %(line)s). In your spreadsheet, save it "
        "again as “CSV UTF-8”, or as XLSX."
    ),
    "unreadable": _l("The file cannot be read. Save it again as CSV UTF-8 or XLSX."),
    "too_many_rows": _l("The file has more than %(max)s rows. Split it in two."),
    "missing_column": _l("The column “%(header)s” is missing."),
    "duplicate_column": _l("The column “%(header)s” appears twice."),
    # Translators: %(column)s is a column of the roster file, e.g. "Phone".
    "required": _l("%(column)s is empty."),
    "too_long": _l("%(column)s is longer than %(max)s characters."),
    "invalid": _l("%(column)s is not valid."),
    "username_taken": _l("The username %(username)s is taken."),
    # Translators: %(other)s is the number of another row of the same file.
    "username_repeated": _l("The same username is on row %(other)s."),
    "row_repeated": _l("This row repeats row %(other)s."),
    "same_name_in_file": _l("Same name as row %(other)s."),
    "same_phone_in_file": _l("Same phone number as row %(other)s."),
    "same_name": _l(
        "Someone with the same name has an account: %(name)s (%(username)s)."
    ),
    "same_phone": _l(
        "Someone with the same phone number has an account: %(name)s (%(username)s)."
    ),
    "same_name_and_phone": _l(
        "Someone with the same name and phone number has an account: %(name)s "
        "(%(username)s)."
    ),
}
INVALID_REASONS = {
    "control_character": _l("%(column)s contains characters that cannot be typed."),
    "gender": _l(
        "%(column)s must be female, male, other or unspecified (in Khmer or English)."
    ),
    "track": _l(
        "%(column)s must be police, leaders, health or cmg (in Khmer or English)."
    ),
    "phone": _l("%(column)s is not a Cambodian phone number (like 012 345 678)."),
    "username": _l(
        "%(column)s must have 3 to 32 Latin letters, digits, dots or dashes."
    ),
    "blank": _l("%(column)s has no letters."),
}


def problem_message(problem: Problem) -> str:
    """Return one problem of an imported file as a sentence in the user's language."""
    params = {
        key: khmer_digits(value) if isinstance(value, int) else value
        for key, value in problem.params.items()
    }
    column = COLUMN_LABELS.get(problem.column or "", problem.column or "")
    params["column"] = str(column)
    template = PROBLEM_MESSAGES.get(problem.code, PROBLEM_MESSAGES["invalid"])
    if problem.code == "invalid":
        template = INVALID_REASONS.get(str(problem.params.get("reason")), template)
    try:
        return str(template) % params
    except (KeyError, ValueError, TypeError):
        return str(PROBLEM_MESSAGES["invalid"]) % {"column": params["column"]}


# -- workshops -------------------------------------------------------------------------


@bp.route("/")
@require(can_manage_workshops)
def index():
    """List the workshops the facilitator runs (admins: all)."""
    return render_template(
        "workshops/index.html", listed=workshops.workshops_for(current_user)
    )


def _fill_places(form: WorkshopForm, province_code: str | None) -> None:
    """Offer the provinces, and the communes of the chosen one grouped by district."""
    locale = current_locale()
    provinces = db.session.scalars(select(Province).order_by(Province.code)).all()
    form.province.choices = [SelectChoice("", _("Choose a province"))] + [
        SelectChoice(p.code, p.name(locale)) for p in provinces
    ]
    chosen = next((p for p in provinces if p.code == province_code), None)
    choices = []
    if chosen is not None:
        rows = db.session.execute(
            select(Commune, District)
            .join(District, District.id == Commune.district_id)
            .where(Commune.province_id == chosen.id)
            .order_by(District.code, Commune.code)
        ).all()
        choices = [
            SelectChoice(
                str(commune.id), commune.name(locale), optgroup=district.name(locale)
            )
            for commune, district in rows
        ]
    form.commune.choices = choices


def _fill_modules(form: WorkshopForm) -> None:
    locale = current_locale()
    form.modules.choices = [
        SelectChoice(m.key, m.title[locale]) for m in catalog().modules
    ]


def _workshop_fields(form: WorkshopForm) -> dict:
    return {
        "title": form.title.data,
        "commune": db.session.get(Commune, int(form.commune.data)),
        "starts_on": form.starts_on.data,
        "ends_on": form.ends_on.data,
        "module_keys": [m.key for m in catalog().modules if m.key in form.modules.data],
    }


def _workshop_form(workshop: Workshop | None):
    """Show and save the workshop form, for a new workshop or an existing one."""
    form = WorkshopForm()
    if request.method == "GET":
        # The province is a GET step: its communes (about a hundred) fill the form.
        province = request.args.get("province", "")[:2]
        if workshop is not None:
            commune = db.session.get(Commune, workshop.commune_id)
            province = province or commune.province.code
            form.title.data = workshop.title
            form.commune.data = str(workshop.commune_id)
            form.starts_on.data = workshop.starts_on
            form.ends_on.data = workshop.ends_on
            form.modules.data = list(workshop.module_keys or [])
            form.cofacilitators.data = ", ".join(
                person.username
                for person in workshops.facilitators(workshop)
                if person.id != workshop.created_by_id
            )
        elif "province" not in request.args and current_user.province_id:
            own = db.session.get(Province, current_user.province_id)
            province = own.code if own else ""
        form.province.data = province
    _fill_places(form, form.province.data)
    _fill_modules(form)
    status = 200
    if request.method == "POST" and not form.commune.choices:
        form.province.errors = [_("Choose a province.")]
        status = 400
    elif form.validate_on_submit():
        people, unknown = workshops.find_facilitators(form.cofacilitators.data)
        if unknown:
            form.cofacilitators.errors.append(
                _(
                    "No facilitator has the username %(names)s.",
                    names=", ".join(unknown),
                )
            )
        else:
            try:
                if workshop is None:
                    workshop = workshops.create_workshop(
                        current_user,
                        cofacilitators=people,
                        sessions_per_day=int(form.sessions_per_day.data),
                        **_workshop_fields(form),
                    )
                    flash(
                        _("The workshop is created. Now add the participants."), "info"
                    )
                    return redirect(
                        url_for("workshops.roster", workshop_id=workshop.id)
                    )
                workshops.update_workshop(
                    workshop,
                    current_user,
                    cofacilitators=people,
                    **_workshop_fields(form),
                )
                flash(_("The workshop is saved."), "info")
                return redirect(url_for("workshops.show", workshop_id=workshop.id))
            except workshops.WorkshopError as error:
                flash(_error_message(error), "error")
        status = 400
    elif request.method == "POST":
        status = 400
    return render_template("workshops/form.html", form=form, workshop=workshop), status


@bp.route("/new", methods=["GET", "POST"])
@require(can_manage_workshops)
def new():
    """Create a workshop: title, commune, days, modules, co-facilitators."""
    return _workshop_form(None)


@bp.route("/<int:workshop_id>")
@require(can_manage_workshops)
def show(workshop_id: int):
    """Show a workshop: its sessions, modules, paper tests and what to do next."""
    workshop = _workshop_or_404(workshop_id)
    people = workshops.roster(workshop)
    return render_template(
        "workshops/show.html",
        workshop=workshop,
        people=people,
        facilitators=workshops.facilitators(workshop),
        quizzes=workshops.workshop_quizzes(workshop, catalog()),
        measures=workshops.measures(workshop, catalog(), people),
        waiting=len(_kept_codes(workshop)),
    )


@bp.route("/<int:workshop_id>/edit", methods=["GET", "POST"])
@require(can_manage_workshops)
def edit(workshop_id: int):
    """Change a workshop's details and co-facilitators."""
    workshop = _workshop_or_404(workshop_id)
    closed = _closed(workshop)
    return closed if closed is not None else _workshop_form(workshop)


@bp.route("/<int:workshop_id>/close", methods=["POST"])
@require(can_manage_workshops)
def close(workshop_id: int):
    """Close a workshop once it is over: nothing in it changes any more."""
    workshop = _workshop_or_404(workshop_id)
    if ActionForm().validate_on_submit():
        workshops.close_workshop(workshop, current_user)
        flash(_("The workshop is closed."), "info")
    return redirect(url_for("workshops.show", workshop_id=workshop.id))


@bp.route("/<int:workshop_id>/reopen", methods=["POST"])
@require(can_manage_workshops)
def reopen(workshop_id: int):
    """Open a closed workshop again, to correct it."""
    workshop = _workshop_or_404(workshop_id)
    if ActionForm().validate_on_submit():
        workshops.reopen_workshop(workshop, current_user)
        flash(_("The workshop is open again."), "info")
    return redirect(url_for("workshops.show", workshop_id=workshop.id))


# -- sessions --------------------------------------------------------------------------


def _fill_session_modules(form: SessionForm, workshop: Workshop) -> None:
    locale = current_locale()
    form.module_key.choices = [SelectChoice("", _("No module"))] + [
        SelectChoice(m.key, m.title[locale])
        for m in catalog().modules
        if m.key in (workshop.module_keys or [])
    ]


@bp.route("/<int:workshop_id>/sessions", methods=["GET", "POST"])
@require(can_manage_workshops)
def sessions(workshop_id: int):
    """List a workshop's sessions and add one."""
    workshop = _workshop_or_404(workshop_id)
    form = SessionForm()
    _fill_session_modules(form, workshop)
    status = 200
    if request.method == "POST":
        if (closed := _closed(workshop)) is not None:
            return closed
        if form.validate():
            try:
                workshops.add_session(
                    workshop, current_user, form.held_on.data, form.module_key.data
                )
                flash(_("The session is added."), "info")
                return redirect(url_for("workshops.sessions", workshop_id=workshop.id))
            except workshops.WorkshopError as error:
                form.held_on.errors.append(_error_message(error))
        status = 400
    elif not form.held_on.data:
        form.held_on.data = (
            workshop.sessions[-1].held_on if workshop.sessions else (workshop.starts_on)
        )
    edits = []
    for item in workshop.sessions:
        edit_form = SessionForm(formdata=None, prefix=f"s{item.number}")
        edit_form.held_on.data, edit_form.module_key.data = (
            item.held_on,
            item.module_key,
        )
        _fill_session_modules(edit_form, workshop)
        edits.append((item, edit_form))
    return render_template(
        "workshops/sessions.html",
        workshop=workshop,
        form=form,
        edits=edits,
    ), status


@bp.route("/<int:workshop_id>/sessions/<int:session_number>", methods=["POST"])
@require(can_manage_workshops)
def session_edit(workshop_id: int, session_number: int):
    """Change a session's day or module, or remove it."""
    workshop = _workshop_or_404(workshop_id)
    item = _session_or_404(workshop, session_number)
    if (closed := _closed(workshop)) is not None:
        return closed
    target = redirect(url_for("workshops.sessions", workshop_id=workshop.id))
    try:
        if request.form.get("action") == "remove":
            if not ActionForm().validate_on_submit():
                abort(400)
            workshops.remove_session(item, current_user)
            flash(_("The session is removed."), "info")
            return target
        form = SessionForm(prefix=f"s{item.number}")
        _fill_session_modules(form, workshop)
        if not form.validate_on_submit():
            for errors in form.errors.values():
                for error in errors:
                    flash(str(error), "error")
            return target
        workshops.update_session(
            item, current_user, form.held_on.data, form.module_key.data
        )
        flash(_("The session is saved."), "info")
    except workshops.WorkshopError as error:
        flash(_error_message(error), "error")
    return target


# -- roster ----------------------------------------------------------------------------


@bp.route("/<int:workshop_id>/roster")
@require(can_manage_workshops)
def roster(workshop_id: int):
    """Show the roster with participant numbers; find trainees to add."""
    workshop = _workshop_or_404(workshop_id)
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
        waiting=len(_kept_codes(workshop)),
        mask_phone=workshops.mask_phone,
    )


@bp.route("/<int:workshop_id>/roster/add", methods=["POST"])
@require(can_manage_workshops)
def enrol(workshop_id: int):
    """Put an existing trainee on the roster."""
    workshop = _workshop_or_404(workshop_id)
    if (closed := _closed(workshop)) is not None:
        return closed
    form = EnrolForm()
    if not form.validate_on_submit():
        abort(400)
    person = workshops.trainee_by_id(_int(form.user_id.data) or 0) or abort(404)
    try:
        enrolment, created = workshops.enrol(workshop, person, current_user)
    except workshops.WorkshopError as error:
        flash(_error_message(error), "error")
        return redirect(url_for("workshops.roster", workshop_id=workshop.id))
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
    return redirect(url_for("workshops.roster", workshop_id=workshop.id))


@bp.route("/<int:workshop_id>/roster/<int:participant>/remove", methods=["POST"])
@require(can_manage_workshops)
def unenrol(workshop_id: int, participant: int):
    """Take someone added by mistake off the roster (not once marked present)."""
    workshop = _workshop_or_404(workshop_id)
    person = _participant_or_404(workshop, participant)
    if (closed := _closed(workshop)) is not None:
        return closed
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
            flash(_error_message(error), "error")
    return redirect(url_for("workshops.roster", workshop_id=workshop.id))


def _gender_labels() -> dict[str, str]:
    return {
        "female": _("Female"),
        "male": _("Male"),
        "other": _("Other"),
        "unspecified": _("Not said"),
    }


def _fill_participant_choices(form: ParticipantForm) -> None:
    locale = current_locale()
    labels = _gender_labels()
    form.gender.choices = [SelectChoice(key, labels[key]) for key in GENDERS]
    form.track.choices = [
        SelectChoice(t.key, t.title[locale]) for t in catalog().tracks
    ]


@bp.route("/<int:workshop_id>/roster/new", methods=["GET", "POST"])
@require(can_manage_workshops)
def create_participant(workshop_id: int):
    """Create an account for someone without one, warning about likely duplicates."""
    workshop = _workshop_or_404(workshop_id)
    if (closed := _closed(workshop)) is not None:
        return closed
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
                )
            except workshops.WorkshopError as error:
                flash(_error_message(error), "error")
                return render_template(
                    "workshops/participant.html",
                    workshop=workshop,
                    form=form,
                    matches=[],
                    enrol_form=EnrolForm(),
                ), 409
            _keep_codes(workshop, {created.user.id: created.code})
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
            return redirect(url_for("workshops.roster", workshop_id=workshop.id))
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
    workshop = _workshop_or_404(workshop_id)
    if (closed := _closed(workshop)) is not None:
        return closed
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
                flash(_error_message(error), "error")
                return redirect(
                    url_for("workshops.import_roster", workshop_id=workshop.id)
                )
            _keep_codes(workshop, {c.user.id: c.code for c in created})
            flash(
                _(
                    "%(count)s people are on the roster now. Print their setup cards.",
                    count=khmer_digits(len(created)),
                ),
                "info",
            )
            return redirect(url_for("workshops.cards", workshop_id=workshop.id))
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


# -- setup codes and cards -------------------------------------------------------------


@bp.route("/<int:workshop_id>/roster/<int:participant>/code", methods=["POST"])
@require(can_manage_workshops)
def reissue(workshop_id: int, participant: int):
    """Give a participant a new setup code; the old one stops working."""
    workshop = _workshop_or_404(workshop_id)
    person = _participant_or_404(workshop, participant)
    if person.user.role != "trainee":
        abort(404)
    if ActionForm().validate_on_submit():
        codes = setup_codes.issue_codes([person.user], current_user)
        _keep_codes(workshop, codes)
        flash(
            _(
                "%(name)s has a new setup code. Print the card; the old code no "
                "longer works.",
                name=person.user.display_name,
            ),
            "info",
        )
        return redirect(url_for("workshops.cards", workshop_id=workshop.id))
    return redirect(url_for("workshops.roster", workshop_id=workshop.id))


@bp.route("/<int:workshop_id>/cards")
@require(can_manage_workshops)
def cards(workshop_id: int):
    """Print the setup cards of the codes issued in this session (shown only here)."""
    workshop = _workshop_or_404(workshop_id)
    kept = _kept_codes(workshop)
    people = [p for p in workshops.roster(workshop) if p.user.id in kept]
    active = setup_codes.active_codes([p.user.id for p in people])
    # A code used or replaced since it was issued is not printed.
    printable = [
        (p, setup_codes.display_code(kept[p.user.id]), active[p.user.id])
        for p in people
        if p.user.id in active
        and active[p.user.id].code_hash == setup_codes.code_hash(kept[p.user.id])
    ]
    response = Response(
        render_template(
            "workshops/cards.html",
            workshop=workshop,
            printable=printable,
            setup_url=url_for("setup.start", _external=True),
        )
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/<int:workshop_id>/cards/forget", methods=["POST"])
@require(can_manage_workshops)
def forget_cards(workshop_id: int):
    """Forget the printed codes: they cannot be shown again (only replaced)."""
    workshop = _workshop_or_404(workshop_id)
    if ActionForm().validate_on_submit():
        _forget_codes(workshop)
        flash(
            _("The codes are forgotten. To print a card again, give a new code."),
            "info",
        )
    return redirect(url_for("workshops.roster", workshop_id=workshop.id))


# -- printed sheets --------------------------------------------------------------------


@bp.route("/<int:workshop_id>/sessions/<int:session_number>/sheet")
@require(can_manage_workshops)
def signin_sheet(workshop_id: int, session_number: int):
    """Print the sign-in sheet of a session, with participant numbers."""
    workshop = _workshop_or_404(workshop_id)
    item = _session_or_404(workshop, session_number)
    return render_template(
        "workshops/signin_sheet.html",
        workshop=workshop,
        item=item,
        module=catalog().module(item.module_key) if item.module_key else None,
        people=workshops.roster(workshop),
        blank_rows=range(5),
    )


def _sheet_measure(quiz_key: str):
    """Return a module quiz, a knowledge test or the attitude survey by key, or 404."""
    found = catalog().quiz(quiz_key) or surveys.instrument(catalog(), quiz_key)
    return found or abort(404)


@bp.route("/<int:workshop_id>/sheets/<quiz_key>")
@require(can_manage_workshops)
def answer_sheet(workshop_id: int, quiz_key: str):
    """Print an answer sheet for a quiz, a knowledge test or the attitude survey."""
    workshop = _workshop_or_404(workshop_id)
    measure = _sheet_measure(quiz_key)
    text = request.args.get("text", current_locale())
    if text not in SHEET_TEXTS:
        text = current_locale()
    per_person = request.args.get("for") == "each"
    return render_template(
        "workshops/answer_sheet.html",
        workshop=workshop,
        measure=measure,
        attitude=isinstance(measure, AttitudeSurvey),
        module=catalog().module(measure.module_key)
        if getattr(measure, "module_key", None)
        else None,
        text=text,
        sheets=workshops.roster(workshop) if per_person else [None],
        per_person=per_person,
    )


# -- during the workshop ---------------------------------------------------------------


@bp.route(
    "/<int:workshop_id>/sessions/<int:session_number>/attendance",
    methods=["GET", "POST"],
)
@require(can_manage_workshops)
def attendance(workshop_id: int, session_number: int):
    """Mark who is present with one tap per person (works without JavaScript)."""
    workshop = _workshop_or_404(workshop_id)
    item = _session_or_404(workshop, session_number)
    if request.method == "POST":
        if (closed := _closed(workshop)) is not None:
            return closed
        form = AttendanceForm()
        number = _int(form.participant.data)
        if not form.validate_on_submit() or number is None:
            abort(400)
        person = _participant_or_404(workshop, number)
        workshops.mark_attendance(
            item, person.user, form.present.data == "1", current_user
        )
        return redirect(
            url_for(
                "workshops.attendance",
                workshop_id=workshop.id,
                session_number=item.number,
                _anchor=f"p{number}",
            )
        )
    people = workshops.roster(workshop)
    present = workshops.present_ids(item)
    return render_template(
        "workshops/attendance.html",
        workshop=workshop,
        item=item,
        module=catalog().module(item.module_key) if item.module_key else None,
        people=people,
        present=present,
        count=sum(1 for p in people if p.user.id in present),
        form=AttendanceForm(formdata=None),
    )


@bp.route("/<int:workshop_id>/present/<module_key>")
@require(can_manage_workshops)
def present(workshop_id: int, module_key: str):
    """Show a module's title and lessons on the projector."""
    workshop = _workshop_or_404(workshop_id)
    module = catalog().module(module_key) or abort(404)
    return render_template(
        "workshops/present.html",
        workshop=workshop,
        module=module,
        lesson=None,
        previous=None,
        next=module.lessons[0] if module.lessons else None,
    )


@bp.route("/<int:workshop_id>/present/<module_key>/<lesson_key>")
@require(can_manage_workshops)
def present_lesson(workshop_id: int, module_key: str, lesson_key: str):
    """Show one lesson in large type on the projector, with previous and next."""
    workshop = _workshop_or_404(workshop_id)
    module = catalog().module(module_key) or abort(404)
    lesson = module.lesson(lesson_key) or abort(404)
    index = module.lessons.index(lesson)
    return render_template(
        "workshops/present.html",
        workshop=workshop,
        module=module,
        lesson=lesson,
        previous=module.lessons[index - 1] if index > 0 else None,
        next=module.lessons[index + 1] if index + 1 < len(module.lessons) else None,
    )


# -- paper results ---------------------------------------------------------------------


def _quiz_of_workshop(workshop: Workshop, quiz_key: str):
    for module, quiz in workshops.workshop_quizzes(workshop, catalog()):
        if quiz.key == quiz_key:
            return module, quiz
    abort(404)


def _goto(endpoint: str, **values):
    """Open the entry of the participant whose number was typed (GET ?n=)."""
    if request.args.get("n") is None:
        return None
    number = _int(request.args.get("n"))
    if number is None:
        flash(_("Type the participant number written on the sheet."), "error")
        return None
    return redirect(url_for(endpoint, participant=number, **values))


@bp.route("/<int:workshop_id>/paper/<quiz_key>")
@require(can_manage_workshops)
def paper(workshop_id: int, quiz_key: str):
    """List the participants and whose paper quiz sheet is entered."""
    workshop = _workshop_or_404(workshop_id)
    module, quiz = _quiz_of_workshop(workshop, quiz_key)
    jump = _goto("workshops.paper_entry", workshop_id=workshop.id, quiz_key=quiz.key)
    if jump is not None:
        return jump
    people = workshops.roster(workshop)
    return render_template(
        "workshops/paper.html",
        workshop=workshop,
        module=module,
        quiz=quiz,
        people=people,
        entered=workshops.paper_attempts(workshop, quiz, people),
        goto=GotoForm(formdata=None),
    )


def _posted_quiz_answers(quiz) -> dict[str, list[str]]:
    return {
        q.key: [key for key in request.form.getlist(f"q-{q.key}")[:20] if key]
        for q in quiz.questions
    }


@bp.route(
    "/<int:workshop_id>/paper/<quiz_key>/<int:participant>", methods=["GET", "POST"]
)
@require(can_manage_workshops)
def paper_entry(workshop_id: int, quiz_key: str, participant: int):
    """Enter one participant's paper quiz sheet; it is graded like an online attempt."""
    workshop = _workshop_or_404(workshop_id)
    module, quiz = _quiz_of_workshop(workshop, quiz_key)
    person = _participant_or_404(workshop, participant)
    existing = workshops.paper_attempts(workshop, quiz, [person]).get(person.user.id)
    form = PaperForm()
    answers: dict[str, list[str]] = existing.answers if existing else {}
    status = 200
    if request.method == "POST":
        if (closed := _closed(workshop)) is not None:
            return closed
        answers = _posted_quiz_answers(quiz)
        if form.validate_on_submit() and any(answers.values()):
            attempt, created = workshops.enter_paper_quiz(
                workshop,
                person.user,
                quiz,
                answers,
                current_user,
                locale=current_locale(),
                catalog=catalog(),
            )
            if created:
                flash(
                    _(
                        "Sheet %(number)s is saved: %(percent)s%%.",
                        number=khmer_digits(person.number),
                        percent=khmer_digits(round(attempt.percent)),
                    ),
                    "info",
                )
            else:
                flash(
                    _(
                        "Sheet %(number)s was already entered. Nothing was changed.",
                        number=khmer_digits(person.number),
                    ),
                    "error",
                )
            return redirect(
                _next_sheet(
                    workshop,
                    person,
                    "workshops.paper_entry",
                    "workshops.paper",
                    quiz_key=quiz.key,
                )
            )
        flash(_("No answer is ticked. Tick the answers written on the sheet."), "error")
        status = 400
    return render_template(
        "workshops/paper_entry.html",
        workshop=workshop,
        title=module.title,
        back=url_for("workshops.paper", workshop_id=workshop.id, quiz_key=quiz.key),
        measure=quiz,
        attitude=False,
        person=person,
        existing=existing,
        entered_by=_entered_by(existing),
        answers=answers,
        form=form,
    ), status


def _entered_by(record):
    if record is None or record.entered_by_id is None:
        return None
    return db.session.get(User, record.entered_by_id)


def _next_sheet(workshop, person, entry_endpoint, list_endpoint, **values) -> str:
    """Return the next participant's entry, or the list after the last one."""
    following = workshops.participant_after(workshop, person.number)
    if following is None:
        return url_for(list_endpoint, workshop_id=workshop.id, **values)
    return url_for(
        entry_endpoint, workshop_id=workshop.id, participant=following.number, **values
    )


def _measure_or_404(workshop: Workshop, instrument: str, phase: str):
    if phase not in surveys.PHASES:
        abort(404)
    people = workshops.roster(workshop)
    for key, kind, measure in workshops.measures(workshop, catalog(), people):
        if key == instrument:
            return kind, measure, people
    abort(404)


@bp.route("/<int:workshop_id>/measures/<instrument>/<phase>")
@require(can_manage_workshops)
def measure(workshop_id: int, instrument: str, phase: str):
    """List the participants and whose pre/post paper test is entered."""
    workshop = _workshop_or_404(workshop_id)
    kind, found, people = _measure_or_404(workshop, instrument, phase)
    jump = _goto(
        "workshops.measure_entry",
        workshop_id=workshop.id,
        instrument=instrument,
        phase=phase,
    )
    if jump is not None:
        return jump
    return render_template(
        "workshops/measure.html",
        workshop=workshop,
        kind=kind,
        attitude=kind == "attitude",
        module=None,
        measure=found,
        instrument=instrument,
        phase=phase,
        people=people,
        eligible={
            p.user.id
            for p in people
            if workshops.track_for_measure(p.user, kind, instrument, catalog())
        },
        entered=workshops.survey_responses(people, instrument, phase),
        goto=GotoForm(formdata=None),
    )


@bp.route(
    "/<int:workshop_id>/measures/<instrument>/<phase>/<int:participant>",
    methods=["GET", "POST"],
)
@require(can_manage_workshops)
def measure_entry(workshop_id: int, instrument: str, phase: str, participant: int):
    """Enter one participant's paper knowledge test or attitude survey, pre or post."""
    workshop = _workshop_or_404(workshop_id)
    kind, found, _people = _measure_or_404(workshop, instrument, phase)
    person = _participant_or_404(workshop, participant)
    attitude = kind == "attitude"
    existing = workshops.survey_responses([person], instrument, phase).get(
        person.user.id
    )
    if workshops.track_for_measure(person.user, kind, instrument, catalog()) is None:
        abort(404)
    form = PaperForm()
    # Answers given online are the trainee's own: only paper ones are shown here.
    answers = existing.answers if existing and existing.mode == "paper" else {}
    status = 200
    if request.method == "POST":
        if (closed := _closed(workshop)) is not None:
            return closed
        if attitude:
            answers = {
                item.key: request.form.get(f"q-{item.key}", "")[:16]
                for item in found.items
            }
        else:
            answers = _posted_quiz_answers(found)
        if form.validate_on_submit() and any(answers.values()):
            try:
                _response, created = workshops.enter_paper_measure(
                    workshop,
                    person.user,
                    catalog(),
                    instrument,
                    phase,
                    answers,
                    current_user,
                    locale=current_locale(),
                )
            except workshops.WorkshopError as error:
                flash(_error_message(error), "error")
                return redirect(
                    url_for(
                        "workshops.measure",
                        workshop_id=workshop.id,
                        instrument=instrument,
                        phase=phase,
                    )
                )
            if created:
                flash(
                    _("Sheet %(number)s is saved.", number=khmer_digits(person.number)),
                    "info",
                )
            else:
                flash(
                    _(
                        "Sheet %(number)s was already entered. Nothing was changed.",
                        number=khmer_digits(person.number),
                    ),
                    "error",
                )
            return redirect(
                _next_sheet(
                    workshop,
                    person,
                    "workshops.measure_entry",
                    "workshops.measure",
                    instrument=instrument,
                    phase=phase,
                )
            )
        flash(_("No answer is ticked. Tick the answers written on the sheet."), "error")
        status = 400
    return render_template(
        "workshops/paper_entry.html",
        workshop=workshop,
        title=None,
        kind=kind,
        phase=phase,
        back=url_for(
            "workshops.measure",
            workshop_id=workshop.id,
            instrument=instrument,
            phase=phase,
        ),
        measure=found,
        attitude=attitude,
        person=person,
        existing=existing,
        entered_by=_entered_by(existing),
        answers=answers,
        form=form,
    ), status


# -- report ----------------------------------------------------------------------------


@bp.route("/<int:workshop_id>/report")
@require(can_manage_workshops)
def report(workshop_id: int):
    """Show the workshop report: attendance, quiz results, pre/post change."""
    workshop = _workshop_or_404(workshop_id)
    return render_template(
        "workshops/report.html",
        workshop=workshop,
        report=workshops.report(workshop, catalog()),
        facilitators=workshops.facilitators(workshop),
        measure_title=_measure_title,
    )


def _measure_title(instrument: str, kind: str) -> str:
    if kind == "attitude":
        return _("Attitude survey (1 to 3, higher is more equitable)")
    for track in catalog().tracks:
        if track.knowledge_test == instrument:
            return _("Knowledge test: %(track)s", track=track.title[current_locale()])
    return instrument


@bp.route("/<int:workshop_id>/report.csv")
@require(can_manage_workshops)
def report_csv(workshop_id: int):
    """Download the report's participant table as CSV (formulas neutralised)."""
    workshop = _workshop_or_404(workshop_id)
    figures = workshops.report(workshop, catalog())
    locale = current_locale()
    header = [
        _("Number"),
        _("Name in Khmer"),
        _("Name in Latin letters"),
        _("Username"),
        _("Gender"),
        _("Track"),
    ]
    header += [
        _("Session %(number)s", number=s.session.number) for s in figures.sessions
    ]
    header.append(_("Sessions attended"))
    for quiz_figures in figures.quizzes:
        title = quiz_figures.module.title[locale]
        header += [
            _("%(module)s: best %%", module=title),
            _("%(module)s: passed", module=title),
        ]
    for instrument, kind in figures.instruments:
        title = _measure_title(instrument, kind)
        header += [
            _("%(measure)s: before", measure=title),
            _("%(measure)s: after", measure=title),
        ]
    rows = []
    genders = _gender_labels()
    for line in figures.participants:
        user = line.person.user
        row = [
            line.person.number,
            user.display_name,
            user.latin_name or "",
            user.username,
            genders.get(user.gender, user.gender),
            ", ".join(_track_title(track) for track in user.tracks),
        ]
        row += [1 if s.session.number in line.attended else 0 for s in figures.sessions]
        row.append(len(line.attended))
        for quiz_figures in figures.quizzes:
            best = line.best.get(quiz_figures.quiz.key)
            row += [
                round(best[0], 1) if best else None,
                (1 if best[1] else 0) if best else None,
            ]
        for instrument, _kind in figures.instruments:
            for phase in surveys.PHASES:
                value = line.measures.get((instrument, phase))
                row.append(round(value, 2) if value is not None else None)
        rows.append(row)
    workshops.record_export(workshop, current_user, "report.csv")
    return Response(
        spreadsheets.write_csv(header, rows),
        mimetype="text/csv",
        headers={
            "Content-Disposition": (
                f"attachment; filename=workshop-{workshop.id}-report.csv"
            ),
            "Cache-Control": "no-store",
        },
    )
