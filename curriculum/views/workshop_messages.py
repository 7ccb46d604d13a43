"""The sentences shown for the codes of the workshop services, in the user's language.

`error_message` turns a `WorkshopError` into a flash; `problem_message` turns a problem
of an imported roster file into a sentence (a test makes sure every code has one).
"""

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from curriculum.i18n import khmer_digits
from curriculum.services.spreadsheets import Problem
from curriculum.services.workshops import WorkshopError


def error_message(error: WorkshopError) -> str:
    """Return the sentence that says why a change to a workshop was refused."""
    messages = {
        "ends_before_start": _("The last day cannot be before the first day."),
        "too_long": _(
            "A workshop lasts at most %(days)s days.",
            days=khmer_digits(error.params.get("days", "")),
        ),
        "session_outside": _("A session must be on a day of the workshop."),
        "sessions_outside": _(
            "Some sessions are on other days. Change or remove those sessions first, "
            "then change the days of the workshop."
        ),
        "too_many_sessions": _(
            "A workshop has at most %(max)s sessions.",
            max=khmer_digits(error.params.get("max", "")),
        ),
        "session_has_attendance": _(
            "People were marked present at this session, so it cannot be removed."
        ),
        "participant_attended": _(
            "This person was marked present at a session, so he or she stays on "
            "the roster."
        ),
        "username_taken": _("This username is taken. Choose another."),
        "not_on_track": _("This person is not on the track of this test."),
        "no_such_measure": _("There is no such test."),
        "no_sheet": _("No paper sheet was entered for this person yet."),
        "workshop_closed": _("This workshop is closed. Reopen it to change it."),
    }
    return messages.get(
        error.code, _("Someone else changed this workshop at the same time. Try again.")
    )


def gender_labels() -> dict[str, str]:
    """Return the name of each gender in the page's language."""
    return {
        "female": _("Female"),
        "male": _("Male"),
        "other": _("Other"),
        "unspecified": _("Not said"),
    }


# -- import problems in the user's language --------------------------------------------

COLUMN_LABELS = {
    "name": _l("Name in Khmer"),
    "latin_name": _l("Name in Latin letters"),
    "phone": _l("Phone"),
    "gender": _l("Gender"),
    "track": _l("Track"),
    "username": _l("Username"),
    "age_band": _l("Age"),
}

# One message for every code of spreadsheets.PROBLEM_CODES, every reason a cell can be
# invalid for, and the checks of the roster itself (a test makes sure none is missing).
PROBLEM_MESSAGES = {
    "bad_extension": _l("The file must be a CSV or an XLSX file."),
    "empty_file": _l("The file has no rows under its header row."),
    "too_large": _l("The file is larger than %(max_mb)s MB."),
    "not_utf8": _l(
        "The file is not saved as UTF-8 (line %(line)s). In your spreadsheet, save it "
        "again as “CSV UTF-8”, or as XLSX."
    ),
    "unreadable": _l("The file cannot be read. Save it again as CSV UTF-8 or XLSX."),
    "too_many_rows": _l("The file has more than %(max)s rows. Split it in two."),
    "missing_column": _l("The column “%(header)s” is missing."),
    "duplicate_column": _l("The column “%(header)s” appears twice."),
    # Translators: %(column)s is a column of the roster file, e.g. "Phone".
    "required": _l("%(column)s is empty."),
    "too_long": _l("%(column)s is longer than %(max)s characters."),
    "invalid": _l("%(column)s is not valid."),
    "username_taken": _l("The username %(username)s is taken."),
    # Translators: %(other)s is the number of another row of the same file.
    "username_repeated": _l("The same username is on row %(other)s."),
    "row_repeated": _l("This row repeats row %(other)s."),
    "same_name_in_file": _l("Same name as row %(other)s."),
    "same_phone_in_file": _l("Same phone number as row %(other)s."),
    "same_name": _l(
        "Someone with the same name has an account: %(name)s (%(username)s)."
    ),
    "same_phone": _l(
        "Someone with the same phone number has an account: %(name)s (%(username)s)."
    ),
    "same_name_elsewhere": _l(
        "Someone with the same name has an account in another province: %(name)s "
        "(%(username)s). Check that it is not the same person."
    ),
    "same_name_staff": _l(
        "A staff account has the same name: %(name)s (%(username)s). Check that it "
        "is not the same person."
    ),
    "same_name_and_phone": _l(
        "Someone with the same name and phone number has an account: %(name)s "
        "(%(username)s)."
    ),
}
INVALID_REASONS = {
    "control_character": _l("%(column)s contains characters that cannot be typed."),
    "gender": _l(
        "%(column)s must be female, male, other or unspecified (in Khmer or English)."
    ),
    "track": _l(
        "%(column)s must be police, leaders, health or cmg (in Khmer or English)."
    ),
    "phone": _l("%(column)s is not a Cambodian phone number (like 012 345 678)."),
    "username": _l(
        "%(column)s must have 3 to 32 Latin letters, digits, dots or dashes."
    ),
    "blank": _l("%(column)s has no letters."),
    "age_band": _l("%(column)s must be 15-24, 25-34, 35-49 or 50+."),
}


def problem_message(problem: Problem) -> str:
    """Return one problem of an imported file as a sentence in the user's language."""
    params = {
        key: khmer_digits(value) if isinstance(value, int) else value
        for key, value in problem.params.items()
    }
    column = COLUMN_LABELS.get(problem.column or "", problem.column or "")
    params["column"] = str(column)
    template = PROBLEM_MESSAGES.get(problem.code, PROBLEM_MESSAGES["invalid"])
    if problem.code == "invalid":
        template = INVALID_REASONS.get(str(problem.params.get("reason")), template)
    try:
        return str(template) % params
    except (KeyError, ValueError, TypeError):
        return str(PROBLEM_MESSAGES["invalid"]) % {"column": params["column"]}
