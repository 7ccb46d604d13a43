"""Blueprints: one per file, each named bp, with thin views.

A view reads the form, asks `permissions` (through `decorators`), calls a service and
renders a template; rules live in `curriculum.services`. create_app registers the
blueprints listed in `curriculum.app.BLUEPRINTS`.

- main, auth, setup       front door and language; sign in/out; first sign-in with a code
- learn, quiz             the trainee's path, lessons, glossary; quizzes and measures
- certificates            a trainee's certificate and public verification
- workshops               a facilitator's workshops and their sessions (/workshops)
- roster, setup_cards     the roster (find, add, new accounts, import); setup-code cards
- classroom, sheets       attendance and the projector; printed sign-in and answer sheets
- paper, workshop_report  paper results typed in afterwards; the workshop's report
- committee               vetting committees: queue, cases, decisions, exports
- cmg                     CMG members' monthly report
- reports, report_tables  M&E pages for staff and committees, and their exports
- admin                   the state of the curriculum, certificates

Helpers without routes: decorators (permission checks), workshop_pages (load a workshop
or a 404), workshop_messages (the sentence for each service code), card_store (setup codes
awaiting print, in the session).
"""
