"""The quiz form."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, SubmitField
from wtforms.validators import DataRequired, Length


class QuizForm(FlaskForm):
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
