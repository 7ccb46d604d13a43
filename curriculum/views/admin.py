"""Programme staff: the state of the curriculum, and certificates."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from curriculum.content import catalog
from curriculum.content.model import LOCALES
from curriculum.content.status import content_status
from curriculum.extensions import db
from curriculum.forms.quiz import RevokeForm
from curriculum.models import User
from curriculum.permissions import can_manage_certificates, can_see_content_status
from curriculum.services import certificates, narration, review
from curriculum.views.decorators import require

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.route("/content")
@require(can_see_content_status)
def content():
    """Show lessons and questions per language, stale Khmer and review status."""
    return render_template(
        "admin/content.html",
        rows=content_status(catalog()),
        progress=review.progress_by("group"),
        narrated={loc: narration.coverage(catalog().modules, loc) for loc in LOCALES},
    )


@bp.route("/certificates", methods=["GET", "POST"])
@require(can_manage_certificates)
def certificate():
    """Find a certificate by its code, and revoke it with a reason."""
    code = request.values.get("code", "")[:32]
    found = certificates.by_code(code) if code else None
    form = RevokeForm()
    if found is not None and form.validate_on_submit():
        certificates.revoke(found, form.reason.data, current_user)
        flash(_("The certificate is revoked."), "info")
        return redirect(url_for("admin.certificate", code=found.code))
    if code and found is None:
        flash(_("No certificate has this code."), "error")
    person = db.session.get(User, found.user_id) if found else None
    return render_template(
        "admin/certificate.html",
        code=code,
        found=found,
        person=person,
        track=catalog().track(found.track) if found else None,
        display=certificates.display_code(found.code) if found else "",
        form=form,
    ), (400 if request.method == "POST" and found is None else 200)
