"""The facilitator's workshops: list, create, change, close, and their sessions."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from wtforms.fields.choices import SelectChoice

from curriculum.content import catalog
from curriculum.extensions import db
from curriculum.forms.workshops import ActionForm, SessionForm, WorkshopForm
from curriculum.i18n import current_locale
from curriculum.models import Commune, District, Province, Workshop
from curriculum.permissions import can_manage_workshops
from curriculum.services import workshops
from curriculum.views.card_store import kept_codes
from curriculum.views.decorators import require
from curriculum.views.workshop_messages import error_message
from curriculum.views.workshop_pages import (
    page_helpers,
    refused,
    session_or_404,
    workshop_or_404,
)

bp = Blueprint("workshops", __name__, url_prefix="/workshops")
bp.context_processor(page_helpers)
bp.register_error_handler(workshops.WorkshopError, refused)


@bp.route("/")
@require(can_manage_workshops)
def index():
    """List the workshops the facilitator runs (admins: all), a page at a time."""
    provinces = db.session.scalars(select(Province).order_by(Province.code)).all()
    code = request.args.get("province", "")
    province = next((p for p in provinces if p.code == code), None)
    title = request.args.get("q", "")[:100]
    page = workshops.workshops_for(
        current_user,
        province_id=province.id if province else None,
        title=title,
        after=request.args.get("after", "")[:40] or None,
    )
    return render_template(
        "workshops/index.html",
        page=page,
        listed=page.items,
        provinces=provinces,
        province=province,
        title=title,
        first=not request.args.get("after"),
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
                    return redirect(url_for("roster.roster", workshop_id=workshop.id))
                workshops.update_workshop(
                    workshop,
                    current_user,
                    cofacilitators=people,
                    **_workshop_fields(form),
                )
                flash(_("The workshop is saved."), "info")
                return redirect(url_for("workshops.show", workshop_id=workshop.id))
            except workshops.WorkshopError as error:
                flash(error_message(error), "error")
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
    workshop = workshop_or_404(workshop_id)
    people = workshops.roster(workshop)
    return render_template(
        "workshops/show.html",
        workshop=workshop,
        people=people,
        facilitators=workshops.facilitators(workshop),
        quizzes=workshops.workshop_quizzes(workshop, catalog()),
        measures=workshops.measures(workshop, catalog(), people),
        waiting=len(kept_codes(workshop)),
    )


@bp.route("/<int:workshop_id>/edit", methods=["GET", "POST"])
@require(can_manage_workshops)
def edit(workshop_id: int):
    """Change a workshop's details and co-facilitators."""
    workshop = workshop_or_404(workshop_id)
    workshops.check_open(workshop)
    return _workshop_form(workshop)


@bp.route("/<int:workshop_id>/close", methods=["POST"])
@require(can_manage_workshops)
def close(workshop_id: int):
    """Close a workshop once it is over: nothing in it changes any more."""
    workshop = workshop_or_404(workshop_id)
    if ActionForm().validate_on_submit():
        workshops.close_workshop(workshop, current_user)
        flash(_("The workshop is closed."), "info")
    return redirect(url_for("workshops.show", workshop_id=workshop.id))


@bp.route("/<int:workshop_id>/reopen", methods=["POST"])
@require(can_manage_workshops)
def reopen(workshop_id: int):
    """Open a closed workshop again, to correct it."""
    workshop = workshop_or_404(workshop_id)
    if ActionForm().validate_on_submit():
        workshops.reopen_workshop(workshop, current_user)
        flash(_("The workshop is open again."), "info")
    return redirect(url_for("workshops.show", workshop_id=workshop.id))


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
    workshop = workshop_or_404(workshop_id)
    form = SessionForm()
    _fill_session_modules(form, workshop)
    status = 200
    if request.method == "POST":
        workshops.check_open(workshop)
        if form.validate():
            try:
                workshops.add_session(
                    workshop, current_user, form.held_on.data, form.module_key.data
                )
                flash(_("The session is added."), "info")
                return redirect(url_for("workshops.sessions", workshop_id=workshop.id))
            except workshops.WorkshopError as error:
                form.held_on.errors.append(error_message(error))
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
    workshop = workshop_or_404(workshop_id)
    item = session_or_404(workshop, session_number)
    workshops.check_open(workshop)
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
        flash(error_message(error), "error")
    return target
