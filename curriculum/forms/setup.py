"""Forms of the first sign-in: the setup code, then a password or a PIN."""

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, PasswordField, StringField, SubmitField
from wtforms.validators import AnyOf, DataRequired, Length, ValidationError

from curriculum.forms.base import (
    Form,
    confirm_password_field,
    new_password_field,
    username_field,
)
from curriculum.i18n import khmer_digits
from curriculum.services import setup_codes


class SetupCodeForm(Form):
    """Type the username and the code printed on the setup card."""

    username = username_field()
    code = StringField(
        _l("Setup code (8 digits)"),
        validators=[
            DataRequired(message=_l("Enter the code on your card.")),
            Length(max=32, message=_l("A setup code has 8 digits.")),
        ],
        render_kw={
            "inputmode": "numeric",
            "autocomplete": "one-time-code",
            "autocapitalize": "none",
        },
    )
    submit = SubmitField(_l("Continue"))

    def validate_code(self, field):
        """Accept 8 digits, with spaces or Khmer digits."""
        if len(setup_codes.normalize_code(field.data)) != setup_codes.CODE_DIGITS:
            raise ValidationError(_l("A setup code has 8 digits."))


class SetupPasswordForm(Form):
    """Choose a password (8 characters or more)."""

    kind = HiddenField(
        default="password",
        validators=[AnyOf(["password"], message=_l("Reload the page."))],
    )
    password = new_password_field(_l("New password"), setup_codes.MAX_SECRET_LENGTH)
    confirm = confirm_password_field("password")
    submit = SubmitField(_l("Save my password"))


class SetupPinForm(Form):
    """Choose a PIN: 6 digits or more."""

    kind = HiddenField(
        default="pin",
        validators=[AnyOf(["pin"], message=_l("Reload the page."))],
    )
    pin = PasswordField(
        _l("New PIN (6 digits or more)"),
        validators=[
            DataRequired(message=_l("Enter a PIN.")),
            Length(max=32, message=_l("A PIN has at most 32 digits.")),
        ],
        render_kw={"inputmode": "numeric", "autocomplete": "new-password"},
    )
    confirm = PasswordField(
        _l("New PIN again"),
        validators=[DataRequired(message=_l("Enter the PIN again."))],
        render_kw={"inputmode": "numeric", "autocomplete": "new-password"},
    )
    submit = SubmitField(_l("Save my PIN"))

    def validate_pin(self, field):
        """Accept only digits, 6 or more, and not an obvious run like 123456."""
        problem = setup_codes.pin_problem(setup_codes.normalize_pin(field.data))
        if problem == "digits":
            raise ValidationError(_l("A PIN has only digits."))
        if problem == "short":
            raise ValidationError(
                _(
                    "A PIN has at least %(n)s digits.",
                    n=khmer_digits(setup_codes.MIN_PIN_LENGTH),
                )
            )
        if problem == "easy":
            raise ValidationError(
                _l("This PIN is too easy to guess. Do not use 123456 or 111111.")
            )

    def validate_confirm(self, field):
        """Check that the PIN was typed the same twice."""
        typed = setup_codes.normalize_pin(field.data)
        if typed != setup_codes.normalize_pin(self.pin.data):
            raise ValidationError(_l("The two PINs are not the same."))

    def secret(self) -> str:
        """Return the PIN as stored (ASCII digits)."""
        return setup_codes.normalize_pin(self.pin.data)
