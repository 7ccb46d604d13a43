"""The quiz form."""

from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length

from curriculum.forms.base import Form


class QuizForm(Form):
    """The frame of a quiz: CSRF and the attempt's idempotency key.

    The answers are read per question from the request, since the questions come from
    content files.
    """

    token = HiddenField(
        validators=[
            DataRequired(message=_l("The quiz form is incomplete. Reload the quiz.")),
            Length(max=64, message=_l("The quiz form is incomplete. Reload the quiz.")),
        ]
    )
    submit = SubmitField(_l("Submit answers"))


class VerifyForm(Form):
    """Type a certificate's verification code (a GET form: nothing is changed)."""

    class Meta:
        csrf = False

    code = StringField(
        _l("Verification code"),
        validators=[
            DataRequired(message=_l("Type the code printed on the certificate.")),
            Length(max=32, message=_l("A code has at most 32 characters.")),
        ],
        render_kw={"autocapitalize": "characters", "autocomplete": "off"},
    )
    submit = SubmitField(_l("Check"))


class RevokeForm(Form):
    """Revoke a certificate, saying why."""

    reason = TextAreaField(
        _l("Reason"),
        validators=[
            DataRequired(message=_l("Say why the certificate is revoked.")),
            Length(max=500, message=_l("At most 500 characters.")),
        ],
    )
    submit = SubmitField(_l("Revoke the certificate"))
