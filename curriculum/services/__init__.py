"""The rules of the platform: plain functions with explicit arguments.

Views call these and stay thin; a service never reads the request or renders a page. Who
may do what is asked of `curriculum.permissions` (scope_filter for queries), never decided
here. Audit rows are written by the service that does the thing audited.

Where to find a rule:

- accounts.py       passwords (argon2), sign-in with throttling, creating people
- setup_codes.py    one-time codes for people without email, to choose a password or PIN
- progress.py       lessons read, module states along a learning path
- grading.py        grading: a pure function of (quiz, answers)
- quizzes.py        attempts: shuffling, attempt policy, idempotent submission, completion
- surveys.py        pre/post measures (knowledge test, attitude survey), never pass/fail
- certificates.py   issued when a track's required modules are passed; verified; revoked
- workshops/        everything a facilitator does before, during and after a workshop
                    (its __init__ maps the rooms: schedule, roster, attendance, paper, ...)
- vetting.py        CMG vetting cases: criteria, checks, decisions, concerns, exports;
                    vetting_queue.py: the committee's queue one page at a time
- cmg_reports.py    CMG members' monthly activity reports (counts only)
- reports/          M&E figures by place, track and period (filters, training, quizzes, cmg)
- spreadsheets.py   reading rosters (CSV, XLSX) and writing exports safe to open
- geography.py      provinces, districts and communes; the gazetteer import
- offline.py        what a phone may keep offline (the service worker's allow-list),
                    cache versions, replaying quiz answers kept on a phone
- hub/              workshop hubs: seeds from the centre, bundles back (its __init__ maps it)
- review.py         translation review: reviewers' actions on the Khmer (edit, approve,
                    comment, revert, PO import); review_items.py (the items and their
                    states), review_sync.py (the catalogue on every worker),
                    review_files.py (`flask content export`)
- consistency.py    words the curriculum spells in more than one way
- audit.py          the audit log: who did what to which object, never the content
- backup.py         consistent SQLite copies
- demo.py, synthetic.py   demo accounts; a synthetic population for reports and benchmarks
"""
