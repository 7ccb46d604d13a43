"""Sign-in, password and language forms."""

from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, SubmitField
from wtforms.validators import AnyOf, Length

from curriculum.forms.base import (
    Form,
    confirm_password_field,
    current_password_field,
    new_password_field,
    username_field,
)
from curriculum.i18n import LOCALES


class LoginForm(Form):
    """Sign in with a username and a password."""

    username = username_field()
    password = current_password_field(_l("Password"), _l("Enter your password."))
    submit = SubmitField(_l("Sign in"))


class PasswordForm(Form):
    """Change one's own password."""

    current = current_password_field(
        _l("Current password"), _l("Enter your current password.")
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
