"""Report filters and the CMG member's monthly report."""

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import DateField, IntegerField, SelectField, StringField, SubmitField
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
)

from curriculum.forms.base import Form
from curriculum.models import COUNT_FIELDS

COUNT_LABELS = {
    "sessions_held": _l("Group or counselling sessions held"),
    "men_counselled": _l("Men counselled"),
    "outcome_stopped": _l("Cases where the violence stopped"),
    "outcome_reduced": _l("Cases where the violence became less"),
    "outcome_continuing": _l("Cases where the violence goes on"),
    "outcome_unknown": _l("Cases where you do not know"),
    "reached_campaigns": _l("People reached by information campaigns"),
    "reached_leaflets": _l("People reached by leaflets"),
    "reached_house_visits": _l("People reached by house visits"),
    "women_reached": _l("Of the people reached: women"),
    "men_reached": _l("Of the people reached: men"),
}


class FilterForm(Form):
    """Choose the period, place and track of a report (a GET form)."""

    class Meta:
        csrf = False

    start = DateField(_l("From"), validators=[Optional()])
    end = DateField(_l("To"), validators=[Optional()])
    province = SelectField(_l("Province"), coerce=str, validators=[Optional()])
    commune = SelectField(_l("Commune"), coerce=str, validators=[Optional()])
    track = SelectField(_l("Track"), coerce=str, validators=[Optional()])
    submit = SubmitField(_l("Show"))


# Added later to the form: a report sent without them (an old page) counts them as 0.
OPTIONAL_COUNTS = ("women_reached", "men_reached")


def _count_field(key: str) -> IntegerField:
    presence = (
        Optional()
        if key in OPTIONAL_COUNTS
        else InputRequired(message=_l("Write a number (0 if none)."))
    )
    return IntegerField(
        COUNT_LABELS[key],
        default=0,
        validators=[
            presence,
            NumberRange(
                min=0, max=10000, message=_l("Write a number from 0 to 10,000.")
            ),
        ],
        render_kw={"inputmode": "numeric", "min": 0, "max": 10000},
    )


class MonthlyReportForm(Form):
    """A CMG member's month, as counts only: never names."""

    month = SelectField(
        _l("Month"),
        coerce=str,
        validators=[DataRequired(message=_l("Choose the month."))],
    )
    submit = SubmitField(_l("Send the report"))


class ReportsFileForm(Form):
    """Upload monthly reports as CSV or XLSX (one row per member and month)."""

    file = FileField(
        _l("File (CSV or XLSX)"),
        validators=[FileRequired(message=_l("Choose a file."))],
        render_kw={"accept": ".csv,.xlsx"},
    )
    submit = SubmitField(_l("Check and import"))


class StaffMonthlyReportForm(Form):
    """A member's month entered by staff: any past month, typed as year and month."""

    month = StringField(
        _l("Month (year and month, e.g. 2009-03)"),
        validators=[
            DataRequired(message=_l("Choose the month.")),
            Length(max=16),
        ],
        render_kw={"type": "month", "inputmode": "numeric", "placeholder": "2009-03"},
    )
    submit = SubmitField(_l("Save the report"))


for _key in COUNT_FIELDS:
    setattr(MonthlyReportForm, _key, _count_field(_key))
    setattr(StaffMonthlyReportForm, _key, _count_field(_key))
