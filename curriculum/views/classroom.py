"""During the workshop: attendance with one tap per person, and the projector."""

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_login import current_user

from curriculum.content import catalog
from curriculum.forms.workshops import AttendanceForm
from curriculum.khmer import parse_int
from curriculum.permissions import can_manage_workshops
from curriculum.services import workshops
from curriculum.views.decorators import require
from curriculum.views.workshop_pages import (
    page_helpers,
    participant_or_404,
    refused,
    session_or_404,
    workshop_or_404,
)

bp = Blueprint("classroom", __name__, url_prefix="/workshops")
bp.context_processor(page_helpers)
bp.register_error_handler(workshops.WorkshopError, refused)


@bp.route(
    "/<int:workshop_id>/sessions/<int:session_number>/attendance",
    methods=["GET", "POST"],
)
@require(can_manage_workshops)
def attendance(workshop_id: int, session_number: int):
    """Mark who is present with one tap per person (works without JavaScript)."""
    workshop = workshop_or_404(workshop_id)
    item = session_or_404(workshop, session_number)
    if request.method == "POST":
        workshops.check_open(workshop)
        form = AttendanceForm()
        number = parse_int(form.participant.data)
        if not form.validate_on_submit() or number is None:
            abort(400)
        person = participant_or_404(workshop, number)
        workshops.mark_attendance(
            item, person.user, form.present.data == "1", current_user
        )
        return redirect(
            url_for(
                "classroom.attendance",
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
    workshop = workshop_or_404(workshop_id)
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
    workshop = workshop_or_404(workshop_id)
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
