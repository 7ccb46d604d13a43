"""The base form of every page, and the fields several forms share."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length

from curriculum.services.accounts import MIN_PASSWORD_LENGTH

# Longer values are refused by the fields' checks and never sent back to the phone.
ECHO_LIMIT = 2000
ECHO_LIMIT_TEXTAREA = 20000


class Form(FlaskForm):
    """A form that does not echo an oversized value back when it is shown again."""

    def validate(self, extra_validators=None) -> bool:
        """Validate, then drop oversized values so that the page shows the error only."""
        valid = super().validate(extra_validators)
        if not valid:
            self.drop_oversized()
        return valid

    def drop_oversized(self) -> None:
        """Forget any value too long to send back (a megabyte would return to the phone)."""
        for field in self:
            limit = ECHO_LIMIT_TEXTAREA if field.type == "TextAreaField" else ECHO_LIMIT
            if isinstance(field.data, str) and len(field.data) > limit:
                field.data = ""
                field.raw_data = []


def new_password_field(label, max_length: int) -> PasswordField:
    """Return the field for choosing a password, with its length rule."""
    return PasswordField(
        label,
        validators=[
            DataRequired(message=_l("Enter a new password.")),
            Length(
                min=MIN_PASSWORD_LENGTH,
                max=max_length,
                message=_l(
                    "A password has %(min)d to %(max)d characters.",
                    min=MIN_PASSWORD_LENGTH,
                    max=max_length,
                ),
            ),
        ],
        render_kw={"autocomplete": "new-password"},
    )


def confirm_password_field(other: str) -> PasswordField:
    """Return the field that repeats the new password in field `other`."""
    return PasswordField(
        _l("New password again"),
        validators=[
            DataRequired(message=_l("Enter the new password again.")),
            EqualTo(other, message=_l("The two new passwords are not the same.")),
        ],
        render_kw={"autocomplete": "new-password"},
    )


def username_field() -> StringField:
    """Return the username field of the sign-in and setup-code forms."""
    return StringField(
        _l("Username"),
        validators=[
            DataRequired(message=_l("Enter your username.")),
            Length(max=64, message=_l("A username has at most 64 characters.")),
        ],
        render_kw={"autocomplete": "username", "autocapitalize": "none"},
    )


def current_password_field(label, missing) -> PasswordField:
    """Return a field for a password the person already has (sign-in, change)."""
    return PasswordField(
        label,
        validators=[
            DataRequired(message=missing),
            Length(max=256, message=_l("A password has at most 256 characters.")),
        ],
        render_kw={"autocomplete": "current-password"},
    )
