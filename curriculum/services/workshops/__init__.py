"""Workshops: what a facilitator does before, during and after an in-person workshop.

Every change is audited and committed by the service that makes it, and refused with a
`WorkshopError` (its `code` says why) when the rule says no: every change to a
workshop first calls `check_open`, so a closed workshop refuses them all
("workshop_closed"), whoever the caller. Pages about a workshop
load its roster, attendance and attempts in a fixed number of queries, whatever the
number of people.

Rooms (import the package, `from curriculum.services import workshops`, and call
`workshops.enrol(...)`; every public name below is re-exported here):

- errors.py        WorkshopError
- schedule.py      workshops and their sessions: workshops_for (a facilitator's list),
                   create_workshop, update_workshop, close/reopen and check_open,
                   facilitators, add_session, update_session, remove_session
- roster.py        who is on the roster, with the number printed on the sheets:
                   roster, participant, enrol, unenrol
- people.py        finding people as Khmer is typed: search_trainees,
                   likely_duplicates, mask_phone
- new_trainees.py  accounts for people without one: create_participant, parse_phone,
                   parse_username, free usernames
- roster_file.py   importing a roster file (CSV or XLSX): the columns and the words
                   accepted in them, check_roster_file (every problem with its row),
                   import_roster
- attendance.py    mark_attendance (one tap, idempotent), present_ids
- paper.py         paper results: module quiz sheets (enter_paper_quiz, and
                   correct_paper_quiz re-grades one in place) and pre/post
                   knowledge tests and attitude survey (enter_paper_measure)
- report.py        the workshop report (attendance, quiz results, pre/post change) and
                   record_export

The pages that call these are in curriculum/views/: workshops.py (list, form, sessions),
roster.py, setup_cards.py, classroom.py (attendance, projector), sheets.py (printed),
paper.py (paper results), workshop_report.py; workshop_pages.py loads a workshop or
404s, workshop_messages.py has the sentence for every error code.
"""

from curriculum.services.workshops.attendance import mark_attendance, present_ids
from curriculum.services.workshops.errors import WorkshopError
from curriculum.services.workshops.new_trainees import (
    Created,
    create_participant,
    parse_phone,
    parse_username,
    username_taken,
)
from curriculum.services.workshops.paper import (
    Correction,
    correct_paper_measure,
    correct_paper_quiz,
    enter_paper_measure,
    enter_paper_quiz,
    measure_offer,
    measures,
    paper_attempt,
    paper_attempts,
    paper_token,
    survey_responses,
    track_for_measure,
    workshop_quizzes,
)
from curriculum.services.workshops.people import (
    Match,
    likely_duplicates,
    mask_phone,
    search_trainees,
)
from curriculum.services.workshops.report import (
    ChangeFigures,
    ParticipantFigures,
    QuizFigures,
    Report,
    SessionFigures,
    measure_value,
    record_export,
    report,
)
from curriculum.services.workshops.roster import (
    Participant,
    enrol,
    participant,
    participant_after,
    roster,
    trainee_by_id,
    unenrol,
)
from curriculum.services.workshops.roster_file import (
    IMPORT_REASONS,
    MAX_IMPORT_ROWS,
    TEMPLATE_EXAMPLE,
    TEMPLATE_HEADER,
    ImportCheck,
    check_roster_file,
    import_roster,
    parse_gender,
    parse_tracks,
    roster_columns,
    track_words,
)
from curriculum.services.workshops.schedule import (
    FACILITATOR_ROLES,
    MAX_DAYS,
    MAX_SESSIONS,
    MAX_SESSIONS_PER_DAY,
    Listed,
    add_session,
    check_open,
    close_workshop,
    create_workshop,
    facilitators,
    find_facilitators,
    remove_session,
    reopen_workshop,
    session_by_number,
    update_session,
    update_workshop,
    workshops_for,
)
from curriculum.services.workshops.schedule import PAGE as LIST_PAGE

__all__ = [
    "FACILITATOR_ROLES",
    "LIST_PAGE",
    "IMPORT_REASONS",
    "MAX_DAYS",
    "MAX_IMPORT_ROWS",
    "MAX_SESSIONS",
    "MAX_SESSIONS_PER_DAY",
    "TEMPLATE_EXAMPLE",
    "TEMPLATE_HEADER",
    "ChangeFigures",
    "Created",
    "ImportCheck",
    "Listed",
    "Match",
    "Participant",
    "ParticipantFigures",
    "QuizFigures",
    "Report",
    "SessionFigures",
    "WorkshopError",
    "add_session",
    "check_open",
    "check_roster_file",
    "close_workshop",
    "create_participant",
    "create_workshop",
    "enrol",
    "enter_paper_measure",
    "enter_paper_quiz",
    "facilitators",
    "find_facilitators",
    "import_roster",
    "likely_duplicates",
    "mark_attendance",
    "Correction",
    "correct_paper_measure",
    "correct_paper_quiz",
    "mask_phone",
    "measure_value",
    "measure_offer",
    "measures",
    "paper_attempt",
    "paper_attempts",
    "paper_token",
    "parse_gender",
    "parse_phone",
    "parse_tracks",
    "parse_username",
    "participant",
    "participant_after",
    "present_ids",
    "record_export",
    "remove_session",
    "reopen_workshop",
    "report",
    "roster",
    "roster_columns",
    "search_trainees",
    "session_by_number",
    "survey_responses",
    "track_for_measure",
    "track_words",
    "trainee_by_id",
    "unenrol",
    "update_session",
    "update_workshop",
    "username_taken",
    "workshop_quizzes",
    "workshops_for",
]
