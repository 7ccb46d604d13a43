"""The sentences for the codes of the hub import, in the user's language.

The import service reports refusals and conflicts as codes with parameters; the upload
page shows these sentences in the page's language and `flask hub import` in English (a
test makes sure every code has one).
"""

from datetime import datetime
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from curriculum.i18n import format_day, khmer_digits
from curriculum.services.hub.importer import Conflict, ImportRefused, ImportResult

# What each count of an import is, in the order the page lists them.
COUNT_LABELS = {
    "people": _l("New people"),
    "enrolments": _l("Enrolments"),
    "attendance": _l("Attendance marks"),
    "quiz_attempts": _l("Quiz attempts"),
    "survey_responses": _l("Before and after measures"),
    "module_completions": _l("Modules completed"),
    "certificates": _l("Certificates"),
}

REFUSALS = {
    "no_key": _l(
        "This server has no hub signing key (HUB_SIGNING_KEY, at least 16 "
        "characters), so it cannot check bundles. Nothing was imported."
    ),
    "too_large": _l(
        "This file is too large to be a hub bundle: a bundle is at most %(max_mb)s "
        "MB. Nothing was imported."
    ),
    "not_zip": _l(
        "This file is not a hub bundle: a bundle is a .zip file written by the hub. "
        "Nothing was imported."
    ),
    "not_a_bundle": _l("This .zip file is not a hub bundle. Nothing was imported."),
    "bad_signature": _l(
        "The bundle's signature does not match: the file was changed after the hub "
        "wrote it, or it was signed with another key. Nothing was imported."
    ),
    "wrong_version": _l(
        "This bundle has format version %(version)s; this server reads version "
        "%(ours)s. Nothing was imported."
    ),
    "damaged": _l(
        "The bundle's content is incomplete or damaged. Nothing was imported."
    ),
    # Translators: %(commune)s is the official code of a commune, e.g. 150101.
    "commune_unknown": _l(
        "The bundle's commune (code %(commune)s) is unknown to the central server. Add "
        "the commune first. Nothing was imported."
    ),
    "workshop_closed": _l(
        "The workshop “%(title)s” is closed on the central server. Reopen it to "
        "import this bundle. Nothing was imported."
    ),
    "actor_needed": _l(
        "This bundle creates a workshop, and an admin must be named as the one who "
        "imports it. Nothing was imported."
    ),
    "concurrent": _l(
        "Another import from the same hub was running at the same moment. Nothing "
        "was imported from this file; import it again."
    ),
}

CONFLICTS = {
    "staff_unknown": _l(
        "Hub person %(row)s: the staff account %(username)s is unknown to the "
        "central server. What it entered was imported without its name."
    ),
    "staff_not_staff": _l(
        "Hub person %(row)s: the account %(username)s on the central server is not "
        "a staff account, so it was not taken to be the same person. What it entered "
        "was imported without its name."
    ),
    "name_ambiguous": _l(
        "Hub person %(row)s was not imported: %(count)s trainees of the same commune "
        "have this name on the central server. This person's enrolment, attendance "
        "and results were left out; enrol the right person by hand."
    ),
    # Translators: %(others)s is a list of row numbers, e.g. "4, 9".
    "same_central_person": _l(
        "Hub person %(row)s was not imported: it matches the same central account "
        "(%(username)s) as hub person %(others)s. This person's enrolment, "
        "attendance and results were left out."
    ),
    "enrolment_renumbered": _l(
        "Enrolment %(row)s from the hub: number %(old)s is taken in the central "
        "workshop, so this participant is number %(new)s there. Correct the paper "
        "sheets."
    ),
    "quiz_unknown": _l(
        "Quiz attempt %(row)s from the hub was not imported: the central server does "
        "not know the quiz “%(quiz)s”."
    ),
    "quiz_other_version": _l(
        "Quiz attempt %(row)s from the hub was imported, but it was graded on "
        "another version of the quiz “%(quiz)s” than the central server has."
    ),
    "measure_exists_pre": _l(
        "Measure %(row)s from the hub (before the training) was not imported: the "
        "central server already has one for this participant."
    ),
    "measure_exists_post": _l(
        "Measure %(row)s from the hub (after the training) was not imported: the "
        "central server already has one for this participant."
    ),
    "certificate_code_taken": _l(
        "Certificate %(row)s from the hub was not imported: its code is already in "
        "use on the central server."
    ),
}


def _localised(params: dict) -> dict:
    out = {}
    for key, value in params.items():
        if isinstance(value, int) and not isinstance(value, bool):
            value = khmer_digits(value)
        elif isinstance(value, list | tuple):
            value = ", ".join(khmer_digits(v) for v in value)
        out[key] = value
    return out


def _fill(template, params: dict, fallback) -> str:
    try:
        return str(template) % _localised(params)
    except (KeyError, ValueError, TypeError):
        return str(fallback)


def refusal_message(refused: ImportRefused) -> str:
    """Return why a bundle was refused, as a sentence in the user's language."""
    template = REFUSALS.get(refused.code, REFUSALS["damaged"])
    return _fill(template, refused.params, REFUSALS["damaged"])


def conflict_key(conflict: Conflict) -> str:
    """Return the key of the sentence for a conflict (measures say which phase)."""
    if conflict.code == "measure_exists":
        phase = "post" if conflict.params.get("phase") == "post" else "pre"
        return f"measure_exists_{phase}"
    return conflict.code


def conflict_message(conflict: Conflict) -> str:
    """Return one conflict of an import as a sentence in the user's language."""
    # Translators: %(kind)s is the name of a list in the bundle, e.g. quiz_attempts.
    generic = _(
        "Row %(row)s of the hub's %(kind)s was not applied as it came.",
        row=khmer_digits(conflict.hub_row or 0),
        kind=conflict.kind,
    )
    template = CONFLICTS.get(conflict_key(conflict))
    if template is None:
        return generic
    return _fill(template, {"row": conflict.hub_row or 0, **conflict.params}, generic)


def when(value: datetime) -> str:
    """Return a day and time of the centre's clock in the user's language."""
    tz = ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])
    clock = khmer_digits(value.astimezone(tz).strftime("%H:%M"))
    return _("%(day)s at %(time)s", day=format_day(value), time=clock)


def already_message(result: ImportResult) -> str:
    """Return the sentence that says a bundle was imported before, when and by whom."""
    if result.previous_by:
        return _(
            "This bundle was already imported on %(when)s by %(name)s. Nothing was "
            "changed.",
            when=when(result.previous_at),
            name=result.previous_by,
        )
    return _(
        "This bundle was already imported on %(when)s. Nothing was changed.",
        when=when(result.previous_at),
    )
