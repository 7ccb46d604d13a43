"""Forms of the facilitator's workshop pages."""

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    AnyOf,
    DataRequired,
    InputRequired,
    Length,
    Optional,
    ValidationError,
)

from curriculum.forms.base import Form
from curriculum.i18n import khmer_digits
from curriculum.models import AGE_BANDS, GENDERS, TRACKS
from curriculum.services import workshops

DATE_FORMATS = ["%Y-%m-%d", "%d/%m/%Y"]


def _day_field(label):
    return DateField(
        label,
        format=DATE_FORMATS,
        validators=[InputRequired(message=_l("Choose a date."))],
        invalid_value_message=_l("Write the date as day/month/year, e.g. 25/03/2025."),
    )


class WorkshopForm(Form):
    """Create or edit a workshop; the communes offered are those of the province."""

    title = StringField(
        _l("Title"),
        validators=[
            DataRequired(message=_l("Give the workshop a title.")),
            Length(max=200, message=_l("A title has at most 200 characters.")),
        ],
    )
    province = SelectField(
        _l("Province"),
        validate_choice=False,
        validators=[DataRequired(message=_l("Choose a province."))],
    )
    commune = SelectField(
        _l("Commune"),
        validate_choice=False,
        validators=[DataRequired(message=_l("Choose a commune."))],
    )
    starts_on = _day_field(_l("First day"))
    ends_on = _day_field(_l("Last day"))
    sessions_per_day = RadioField(
        _l("Sessions a day"),
        choices=[SelectChoice(n) for n in ("1", "2", "3")],
        default="2",
        validate_choice=False,
        validators=[AnyOf(["1", "2", "3"], message=_l("Choose 1, 2 or 3 sessions."))],
    )
    modules = SelectMultipleField(
        _l("Modules covered"),
        validate_choice=False,
        validators=[DataRequired(message=_l("Choose at least one module."))],
    )
    cofacilitators = StringField(
        _l("Co-facilitators (usernames, separated by commas)"),
        validators=[
            Optional(),
            Length(max=500, message=_l("At most 500 characters.")),
        ],
        render_kw={"autocapitalize": "none", "autocomplete": "off"},
    )
    submit = SubmitField(_l("Save"))

    def validate_commune(self, field):
        """Accept only a commune of the chosen province."""
        if field.data not in set(self.commune_options()):
            raise ValidationError(_l("Choose a commune of this province."))

    def validate_modules(self, field):
        """Accept only modules of the curriculum."""
        known = {choice.value for choice in self.modules.choices or []}
        if set(field.data or []) - known:
            raise ValidationError(_l("Choose modules from the list."))

    def validate_ends_on(self, field):
        """Refuse a last day before the first day or a very long workshop."""
        if self.starts_on.data and field.data:
            if field.data < self.starts_on.data:
                raise ValidationError(
                    _l("The last day cannot be before the first day.")
                )
            if (field.data - self.starts_on.data).days + 1 > workshops.MAX_DAYS:
                raise ValidationError(
                    _(
                        "A workshop lasts at most %(days)s days.",
                        days=khmer_digits(workshops.MAX_DAYS),
                    )
                )

    def commune_options(self) -> list[str]:
        """Return the values of the communes offered."""
        return [choice.value for choice in self.commune.choices or []]


class SessionForm(Form):
    """Add or change one session: its day and the module taught."""

    held_on = _day_field(_l("Day"))
    module_key = SelectField(
        _l("Module"),
        validate_choice=False,
    )
    submit = SubmitField(_l("Save"))

    def validate_module_key(self, field):
        """Accept only the workshop's modules, or none."""
        known = {choice.value for choice in field.choices or []}
        if field.data and field.data not in known:
            raise ValidationError(_l("Choose a module from the list."))


class SearchForm(Form):
    """Look for existing trainees (a GET form: nothing changes)."""

    class Meta:
        csrf = False

    q = StringField(
        _l("Name, username or phone"),
        validators=[
            DataRequired(message=_l("Type at least two letters or three digits.")),
            Length(max=100, message=_l("At most 100 characters.")),
        ],
        render_kw={"autocomplete": "off", "enterkeyhint": "search"},
    )
    submit = SubmitField(_l("Search"))


class EnrolForm(Form):
    """Put an existing trainee on the roster."""

    user_id = HiddenField(
        validators=[DataRequired(message=_l("Choose a person from the list."))]
    )


class ActionForm(Form):
    """A button that changes something: only the CSRF token."""


class ParticipantForm(Form):
    """Create an account for someone at the workshop and put him or her on the list."""

    display_name = StringField(
        _l("Name in Khmer"),
        validators=[
            DataRequired(message=_l("Write the person's name in Khmer.")),
            Length(max=200, message=_l("A name has at most 200 characters.")),
        ],
        render_kw={"autocomplete": "off"},
    )
    latin_name = StringField(
        _l("Name in Latin letters (optional)"),
        validators=[
            Optional(),
            Length(max=200, message=_l("A name has at most 200 characters.")),
        ],
        render_kw={"autocomplete": "off", "lang": "en"},
    )
    phone = StringField(
        _l("Phone (optional)"),
        validators=[
            Optional(),
            Length(max=32, message=_l("A phone number has at most 32 characters.")),
        ],
        render_kw={"inputmode": "tel", "autocomplete": "off"},
    )
    gender = RadioField(
        _l("Gender"),
        default="unspecified",
        validate_choice=False,
        validators=[AnyOf(GENDERS, message=_l("Choose one of the answers."))],
    )
    track = RadioField(
        _l("Track"),
        validate_choice=False,
        validators=[AnyOf(TRACKS, message=_l("Choose the person's track."))],
    )
    age_band = RadioField(
        _l("Age (optional)"),
        default="",
        validate_choice=False,
        validators=[AnyOf(("", *AGE_BANDS), message=_l("Choose one of the answers."))],
    )
    username = StringField(
        _l("Username (optional: made from the Latin name when empty)"),
        validators=[
            Optional(),
            Length(max=32, message=_l("A username has at most 32 characters.")),
        ],
        render_kw={"autocapitalize": "none", "autocomplete": "off", "lang": "en"},
    )
    confirm = HiddenField(default="")
    submit = SubmitField(_l("Create the account"))

    def validate_phone(self, field):
        """Accept a Cambodian phone number (0xx xxx xxx, +855 ...)."""
        try:
            field.data = workshops.parse_phone(field.data)
        except ValueError:
            raise ValidationError(
                _l("Write a Cambodian phone number, for example 012 345 678.")
            ) from None

    def validate_username(self, field):
        """Accept 3-32 letters, digits, dots, dashes or underscores."""
        try:
            field.data = workshops.parse_username(field.data)
        except ValueError:
            raise ValidationError(
                _l("A username has 3 to 32 Latin letters, digits, dots or dashes.")
            ) from None
        if workshops.username_taken(field.data):
            raise ValidationError(_l("This username is taken. Choose another."))


class ImportForm(Form):
    """Upload a roster as CSV or XLSX."""

    file = FileField(
        _l("Roster file (CSV or XLSX)"),
        validators=[FileRequired(message=_l("Choose a file."))],
        render_kw={"accept": ".csv,.xlsx"},
    )
    create_anyway = BooleanField(
        _l("I have checked the possible duplicates: create these accounts anyway")
    )
    submit = SubmitField(_l("Check and import"))


class AttendanceForm(Form):
    """One tap on the attendance list: present or not."""

    participant = HiddenField(
        validators=[DataRequired(message=_l("Choose a participant."))]
    )
    present = HiddenField(
        validators=[AnyOf(["1", "0"], message=_l("Choose present or absent."))]
    )


class PaperForm(Form):
    """The frame of a paper sheet entry; the answers are read per question."""

    submit = SubmitField(_l("Save this sheet"))


class GotoForm(Form):
    """Open the entry of one participant's sheet by number (a GET form)."""

    class Meta:
        csrf = False

    n = StringField(
        _l("Participant number"),
        validators=[DataRequired(message=_l("Type the number on the sheet."))],
        render_kw={"inputmode": "numeric", "autocomplete": "off"},
    )
    submit = SubmitField(_l("Open"))
