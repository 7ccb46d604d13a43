"""Recording narration: one form per part (record or upload) and its review buttons."""

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import HiddenField, SubmitField
from wtforms.validators import AnyOf, DataRequired, Length

from curriculum.forms.base import Form


class NarrationForm(Form):
    """A recording of one part: from the browser's recorder, or a file from the phone."""

    target = HiddenField(validators=[DataRequired(), Length(max=255)])
    locale = HiddenField(validators=[AnyOf(("km", "en"))])
    text_hash = HiddenField(validators=[DataRequired(), Length(max=16)])
    # `capture` opens the phone's own sound recorder where there is no script.
    audio = FileField(
        _l("Recording"),
        validators=[FileRequired(message=_l("Choose or record an audio file."))],
        render_kw={"accept": "audio/*", "capture": "user"},
    )
    submit = SubmitField(_l("Save this recording"))


class NarrationReviewForm(Form):
    """Approve, send back or delete a recording."""

    decision = HiddenField(validators=[AnyOf(("approve", "reject", "delete"))])
