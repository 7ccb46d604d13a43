"""Committee forms: evidence checks, decisions, conduct concerns, exports."""

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    HiddenField,
    RadioField,
    SelectChoice,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from curriculum.forms.base import Form
from curriculum.services.vetting import NOTE_MAX

NOTE_TOO_LONG = _l("At most %(max)s characters.", max=NOTE_MAX)


class CheckForm(Form):
    """Record whether a manual criterion is met, with the evidence."""

    criterion = HiddenField(
        validators=[DataRequired(message=_l("Choose a criterion."))]
    )
    met = RadioField(
        _l("Is the criterion met?"),
        choices=[SelectChoice("yes", _l("Met")), SelectChoice("no", _l("Not met"))],
        validators=[InputRequired(message=_l("Say whether the criterion is met."))],
    )
    note = TextAreaField(
        _l("Evidence"),
        validators=[
            DataRequired(message=_l("Write down the evidence: who, what, when.")),
            Length(max=NOTE_MAX, message=NOTE_TOO_LONG),
        ],
    )
    submit = SubmitField(_l("Record the check"))


class DecisionForm(Form):
    """Approve, defer or reject a candidate, with reasons and who was present."""

    outcome = RadioField(
        _l("Decision"),
        choices=[
            SelectChoice("approve", _l("Approve")),
            SelectChoice("defer", _l("Defer")),
            SelectChoice("reject", _l("Reject")),
        ],
        validators=[InputRequired(message=_l("Choose a decision."))],
    )
    reasons = TextAreaField(
        _l("Reasons"),
        validators=[
            DataRequired(message=_l("Write the reasons for the decision.")),
            Length(max=NOTE_MAX, message=NOTE_TOO_LONG),
        ],
    )
    members_present = StringField(
        _l("Committee members present"),
        validators=[
            DataRequired(message=_l("Write the names of the members present.")),
            Length(max=1000, message=_l("At most %(max)s characters.", max=1000)),
        ],
    )
    missing = TextAreaField(
        _l("What is missing (when deferring)"),
        validators=[Optional(), Length(max=NOTE_MAX, message=NOTE_TOO_LONG)],
    )
    override_reason = TextAreaField(
        _l("Reason to approve although a criterion is not met"),
        validators=[Optional(), Length(max=NOTE_MAX, message=NOTE_TOO_LONG)],
    )
    submit = SubmitField(_l("Record the decision"))


class ConcernForm(Form):
    """Record a concern about a member's conduct."""

    note = TextAreaField(
        _l("What happened"),
        validators=[
            DataRequired(message=_l("Describe the concern.")),
            Length(max=NOTE_MAX, message=NOTE_TOO_LONG),
        ],
    )
    suspend = BooleanField(_l("Suspend the member until the committee decides"))
    submit = SubmitField(_l("Record the concern"))


class ExportForm(Form):
    """Download a list on purpose (audited)."""

    format = RadioField(
        _l("Format"),
        choices=[SelectChoice("csv", "CSV"), SelectChoice("xlsx", "Excel (XLSX)")],
        default="xlsx",
        validators=[InputRequired(message=_l("Choose a format."))],
    )
    submit = SubmitField(_l("Download"))
