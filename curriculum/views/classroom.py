"""During the workshop: attendance with one tap per person, and the projector."""

from flask import (
    Blueprint,
    abort,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user

from curriculum.content import catalog
from curriculum.extensions import db
from curriculum.forms.workshops import AttendanceForm
from curriculum.i18n import current_locale
from curriculum.khmer import parse_int
from curriculum.models import Workshop
from curriculum.permissions import can_manage_workshop, can_manage_workshops
from curriculum.services import workshops
from curriculum.views.decorators import require
from curriculum.views.narration import lesson_sections
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


# HTTP statuses of an attendance mark sent from a phone's queue (static/offline.js).
QUEUED_STATUS = {"sent": 200, "other_account": 409, "closed": 409, "unknown": 404}


@bp.route(
    "/<int:workshop_id>/sessions/<int:session_number>/attendance/queued",
    methods=["POST"],
)
def attendance_queued(workshop_id: int, session_number: int):
    """Apply one tap kept on the facilitator's phone; answer in JSON, never a page.

    The mark is a state (present or not), so sending it again changes nothing.
    """
    if not current_user.is_authenticated:
        return jsonify(status="signed_out"), 401
    if not can_manage_workshops(current_user):
        abort(403)
    form = AttendanceForm()
    if request.form.get("account") != str(current_user.id):
        return _queued("other_account")
    workshop = db.session.get(Workshop, workshop_id)
    if workshop is None or not can_manage_workshop(current_user, workshop):
        return _queued("unknown")
    item = workshops.session_by_number(workshop, session_number)
    number = parse_int(form.participant.data)
    if item is None or not form.validate_on_submit() or number is None:
        return _queued("unknown")
    person = workshops.participant(workshop, number)
    if person is None:
        return _queued("unknown")
    try:
        workshops.mark_attendance(
            item, person.user, form.present.data == "1", current_user
        )
    except workshops.WorkshopError:
        return _queued("closed")
    return _queued("sent")


def _queued(status: str):
    return jsonify(status=status), QUEUED_STATUS[status]


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
        sections=lesson_sections(module, lesson, current_locale()),
        previous=module.lessons[index - 1] if index > 0 else None,
        next=module.lessons[index + 1] if index + 1 < len(module.lessons) else None,
    )
