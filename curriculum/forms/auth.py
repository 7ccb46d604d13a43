"""Sign-in, password and language forms."""

from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, PasswordField, StringField, SubmitField
from wtforms.validators import AnyOf, DataRequired, Length

from curriculum.forms.base import Form, confirm_password_field, new_password_field
from curriculum.i18n import LOCALES


class LoginForm(Form):
    """Sign in with a username and a password."""

    username = StringField(
        _l("Username"),
        validators=[
            DataRequired(message=_l("Enter your username.")),
            Length(max=64, message=_l("A username has at most 64 characters.")),
        ],
        render_kw={"autocomplete": "username", "autocapitalize": "none"},
    )
    password = PasswordField(
        _l("Password"),
        validators=[
            DataRequired(message=_l("Enter your password.")),
            Length(max=256, message=_l("A password has at most 256 characters.")),
        ],
        render_kw={"autocomplete": "current-password"},
    )
    submit = SubmitField(_l("Sign in"))


class PasswordForm(Form):
    """Change one's own password."""

    current = PasswordField(
        _l("Current password"),
        validators=[
            DataRequired(message=_l("Enter your current password.")),
            Length(max=256, message=_l("A password has at most 256 characters.")),
        ],
        render_kw={"autocomplete": "current-password"},
    )
    new = new_password_field(_l("New password"), 256)
    confirm = confirm_password_field("new")
    submit = SubmitField(_l("Change password"))


class LanguageForm(Form):
    """Choose the language of the pages."""

    lang = HiddenField(
        validators=[AnyOf(list(LOCALES), message=_l("Choose Khmer or English."))]
    )
    next = HiddenField(
        validators=[Length(max=512, message=_l("The address is too long."))]
    )
