"""Certificates: the trainee's printable page and the public verification page."""

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_login import current_user

from curriculum.content import catalog
from curriculum.extensions import db
from curriculum.forms.quiz import VerifyForm
from curriculum.models import User
from curriculum.permissions import can_learn
from curriculum.services import certificates
from curriculum.views.decorators import require

bp = Blueprint("certificates", __name__)


@bp.route("/certificate/<track>")
@require(can_learn)
def mine(track: str):
    """Show the trainee's own certificate for a track, ready to print."""
    certificate = certificates.own_certificate(current_user, track) or abort(404)
    verify_url = url_for(
        "certificates.verify_code", code=certificate.code, _external=True
    )
    return render_template(
        "certificates/certificate.html",
        certificate=certificate,
        person=current_user,
        track=catalog().track(track),
        code=certificates.display_code(certificate.code),
        verify_url=verify_url,
        qr=certificates.qr_svg(verify_url),
    )


@bp.route("/verify")
def verify():
    """Ask for a verification code."""
    form = VerifyForm(request.args)
    if request.args and form.validate():
        return redirect(
            url_for(
                "certificates.verify_code",
                code=certificates.normalize_code(form.code.data),
            )
        )
    return render_template("certificates/verify.html", form=form), (
        400 if request.args else 200
    )


@bp.route("/verify/<code>")
def verify_code(code: str):
    """Say whether a certificate is valid: only name, track, date and validity."""
    certificate = certificates.by_code(code)
    if certificate is None:
        return render_template("certificates/verified.html", certificate=None), 404
    person = db.session.get(User, certificate.user_id)
    return render_template(
        "certificates/verified.html",
        certificate=certificate,
        person=person,
        track=catalog().track(certificate.track),
        code=certificates.display_code(certificate.code),
    )
