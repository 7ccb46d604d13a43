"""The first sign-in of a person without email: setup code, then a password or PIN."""

import time

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_user

from curriculum.extensions import db
from curriculum.forms.setup import SetupCodeForm, SetupPasswordForm, SetupPinForm
from curriculum.models import User
from curriculum.services import setup_codes

bp = Blueprint("setup", __name__, url_prefix="/setup")

# The checked code's id (never the code) between the two steps. Short-lived, so that
# on a shared phone the next person cannot finish someone else's setup.
STATE = "setup_state"
STATE_SECONDS = 10 * 60


def _problem_message(problem: str) -> str:
    return {
        "throttled": _("Too many wrong tries. Wait 15 minutes, then try again."),
        "expired": _(
            "This code has expired. Ask your facilitator for a new setup card."
        ),
        "dead": _(
            "This code has expired or was already used. Ask your facilitator for a "
            "new setup card."
        ),
        "used": _(
            "This code was already used. Sign in with your password or PIN, or ask "
            "your facilitator for a new setup card."
        ),
    }.get(problem, _("The username or the code is wrong."))


def _state() -> dict | None:
    state = session.get(STATE)
    if not isinstance(state, dict):
        return None
    if time.time() - state.get("at", 0) > STATE_SECONDS:
        session.pop(STATE, None)
        return None
    return state


@bp.route("/", methods=["GET", "POST"])
def start():
    """Check a username and the code printed on the setup card."""
    if current_user.is_authenticated:
        return redirect(url_for("main.index"))
    form = SetupCodeForm()
    status = 200
    if form.validate_on_submit():
        result = setup_codes.check_code(
            form.username.data,
            form.code.data,
            request.remote_addr or "unknown",
            current_app.config,
        )
        if result.problem is None:
            session[STATE] = {
                "code": result.code_id,
                "user": result.user_id,
                "at": int(time.time()),
            }
            return redirect(url_for("setup.secret"))
        status = 429 if result.problem == "throttled" else 400
        flash(_problem_message(result.problem), "error")
    elif request.method == "POST":
        status = 400
    else:
        session.pop(STATE, None)
    return render_template("setup/start.html", form=form), status


@bp.route("/secret", methods=["GET", "POST"])
def secret():
    """Choose a password or a PIN with the checked code, then sign in."""
    if current_user.is_authenticated:
        return redirect(url_for("main.index"))
    state = _state()
    person = db.session.get(User, state["user"]) if state else None
    if person is None:
        flash(_("Start with your username and the code on your card."), "info")
        return redirect(url_for("setup.start"))
    posted_pin = "pin-kind" in request.form
    posted_password = "pw-kind" in request.form
    password_form = SetupPasswordForm(
        prefix="pw", formdata=request.form if posted_password else None
    )
    pin_form = SetupPinForm(prefix="pin", formdata=request.form if posted_pin else None)
    status = 200
    if request.method == "POST":
        chosen = pin_form if posted_pin else password_form if posted_password else None
        if chosen is not None and chosen.validate():
            new_secret = (
                pin_form.secret() if posted_pin else password_form.password.data
            )
            user = setup_codes.complete_setup(
                state["code"], person.id, new_secret, request.remote_addr or "unknown"
            )
            session.pop(STATE, None)
            if user is None:
                flash(_problem_message("dead"), "error")
                return redirect(url_for("setup.start"))
            login_user(user, remember=False)
            flash(
                _(
                    "Welcome. From now on, sign in with your username and your new "
                    "password or PIN."
                ),
                "info",
            )
            return redirect(url_for("main.index"))
        status = 400
    return render_template(
        "setup/secret.html",
        person=person,
        password_form=password_form,
        pin_form=pin_form,
    ), status
