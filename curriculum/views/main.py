"""The front door and the language switch."""

from urllib.parse import urlsplit

from flask import Blueprint, make_response, redirect, request, url_for
from flask_login import current_user

from curriculum.forms.auth import LanguageForm
from curriculum.i18n import COOKIE
from curriculum.services import accounts

bp = Blueprint("main", __name__)

HOME_BY_ROLE = {
    "trainee": "learn.home",
    "facilitator": "workshops.index",
    "committee": "committee.candidates",
    "admin": "reports.overview",
}


def safe_next(target: str | None, fallback: str) -> str:
    """Return target when it is a path on this site, else fallback."""
    if not target:
        return fallback
    parts = urlsplit(target)
    if (
        parts.scheme
        or parts.netloc
        or not target.startswith("/")
        or target.startswith("//")
    ):
        return fallback
    if "\\" in target:
        return fallback
    return target


@bp.route("/")
def index():
    """Send each person to the start page of their role."""
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login"))
    return redirect(url_for(HOME_BY_ROLE.get(current_user.role, "auth.login")))


@bp.route("/language", methods=["POST"])
def set_language():
    """Switch the language and return to the same page."""
    form = LanguageForm()
    target = safe_next(form.next.data, url_for("main.index"))
    if not form.validate():
        return redirect(target)
    if current_user.is_authenticated:
        accounts.set_locale(current_user, form.lang.data)
    response = make_response(redirect(target))
    response.set_cookie(
        COOKIE,
        form.lang.data,
        max_age=365 * 24 * 3600,
        samesite="Lax",
        secure=request.is_secure,
        httponly=True,
    )
    return response
