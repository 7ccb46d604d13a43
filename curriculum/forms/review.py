"""Translation review: one form per item (edit, approve, needs change, comment, revert)."""

from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, TextAreaField
from wtforms.validators import AnyOf, DataRequired, Length

from curriculum.forms.base import Form

ACTIONS = ("save", "approve", "needs_change", "comment", "revert")


class ReviewForm(Form):
    """What a reviewer sends about one item; the button pressed names the action."""

    key = HiddenField(validators=[DataRequired(), Length(max=255)])
    action = HiddenField(
        validators=[AnyOf(ACTIONS, message=_l("Choose what to do with this item."))]
    )
    km = TextAreaField(_l("Khmer"), validators=[Length(max=6000)])
    comment = TextAreaField(_l("Comment for the writer"), validators=[Length(max=2000)])
    event = HiddenField()
