"""Signing in and out, and changing one's password."""

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from curriculum.forms.auth import LoginForm, PasswordForm
from curriculum.services import accounts
from curriculum.views.main import safe_next

bp = Blueprint("auth", __name__)


@bp.route("/login", methods=["GET", "POST"])
def login():
    """Sign in with username and password."""
    if current_user.is_authenticated:
        return redirect(url_for("main.index"))
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        result = accounts.authenticate(
            form.username.data,
            form.password.data,
            request.remote_addr or "unknown",
            current_app.config,
        )
        if result.user is not None:
            login_user(result.user, remember=False)
            return redirect(safe_next(request.args.get("next"), url_for("main.index")))
        status = 429 if result.throttled else 200
        if result.throttled:
            flash(
                _("Too many failed sign-ins. Wait 15 minutes, then try again."), "error"
            )
        else:
            flash(_("The username or the password is wrong."), "error")
    return render_template("auth/login.html", form=form), status


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    """Sign out everywhere by ending this account's sessions."""
    accounts.sign_out(current_user)
    logout_user()
    flash(_("You are signed out."), "info")
    response = redirect(url_for("auth.login"))
    # Shared phones: the browser deletes this site's saved pages, queue and service
    # worker (static/offline.js does it first, after sending what it can). Cookies stay,
    # so the flash message above still shows.
    response.headers["Clear-Site-Data"] = '"cache", "storage"'
    return response


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def password():
    """Change one's own password; other sessions end."""
    form = PasswordForm()
    if form.validate_on_submit():
        if accounts.change_password(current_user, form.current.data, form.new.data):
            # Keep this session alive under the new token; the others end.
            login_user(current_user._get_current_object(), remember=False)
            flash(_("Your password is changed."), "info")
            return redirect(url_for("main.index"))
        form.current.errors.append(_("The current password is wrong."))
    return render_template("auth/password.html", form=form)
