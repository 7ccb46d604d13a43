"""The trainee's path, modules, lessons and the glossary."""

from flask import Blueprint, abort, render_template
from flask_login import current_user, login_required

from curriculum.content import catalog
from curriculum.i18n import current_locale
from curriculum.permissions import can_learn, can_review, can_see_own_vetting
from curriculum.services import certificates, progress, review, surveys, vetting
from curriculum.views.decorators import require
from curriculum.views.narration import lesson_sections

bp = Blueprint("learn", __name__, url_prefix="/learn")


@bp.route("/")
@require(can_learn)
def home():
    """Show the learning path of the trainee's tracks."""
    path = progress.path_for(current_user, catalog())
    required = [s for s in path if s.required]
    return render_template(
        "learn/home.html",
        path=path,
        passed=sum(1 for s in required if s.state == progress.PASSED),
        total=len(required),
        resume=progress.resume_point(current_user, catalog(), path),
        offers=surveys.offers(current_user, catalog()),
        certificates=certificates.for_user(current_user),
        cmg_member=vetting.is_member(current_user),
    )


@bp.route("/vetting")
@require(can_see_own_vetting)
def vetting_status():
    """Show a CMG candidate his own vetting status: criteria met, never the notes."""
    case = vetting.case_of(current_user)
    facts = vetting.load_facts([current_user.id], [case.id] if case else [])
    return render_template(
        "learn/vetting.html",
        case=case,
        states=vetting.criteria_states(current_user, case, catalog(), facts),
    )


@bp.route("/modules")
@login_required
def catalogue():
    """List every module, for staff who teach or check them."""
    return render_template("learn/catalogue.html", modules=catalog().modules)


@bp.route("/glossary")
def glossary():
    """Show the glossary of key terms."""
    return render_template("learn/glossary.html", terms=catalog().glossary)


@bp.route("/<module_key>")
@login_required
def module(module_key: str):
    """Show a module's lessons and its quiz."""
    found = catalog().module(module_key) or abort(404)
    return render_template("learn/module.html", module=found)


@bp.route("/<module_key>/<lesson_key>")
@login_required
def lesson(module_key: str, lesson_key: str):
    """Show one lesson, with previous and next."""
    found = catalog().module(module_key) or abort(404)
    item = found.lesson(lesson_key) or abort(404)
    index = found.lessons.index(item)
    if can_learn(current_user):
        progress.record_lesson_view(current_user, item, current_locale())
    return render_template(
        "learn/lesson.html",
        module=found,
        lesson=item,
        previous=found.lessons[index - 1] if index > 0 else None,
        next=found.lessons[index + 1] if index + 1 < len(found.lessons) else None,
        terms=[t for t in map(catalog().term, item.terms) if t is not None],
        sections=lesson_sections(found, item, current_locale()),
        review_progress=review.lesson_progress(found.key, item.key)
        if can_review(current_user)
        else None,
    )
