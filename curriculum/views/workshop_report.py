"""A workshop's report on the page and as a CSV download."""

from flask import Blueprint, Response, render_template
from flask_babel import gettext as _
from flask_login import current_user

from curriculum.content import catalog
from curriculum.i18n import current_locale, track_title
from curriculum.permissions import can_manage_workshops
from curriculum.services import spreadsheets, surveys, workshops
from curriculum.views.decorators import require
from curriculum.views.workshop_messages import gender_labels
from curriculum.views.workshop_pages import page_helpers, workshop_or_404

bp = Blueprint("workshop_report", __name__, url_prefix="/workshops")
bp.context_processor(page_helpers)


@bp.route("/<int:workshop_id>/report")
@require(can_manage_workshops)
def report(workshop_id: int):
    """Show the workshop report: attendance, quiz results, pre/post change."""
    workshop = workshop_or_404(workshop_id)
    return render_template(
        "workshops/report.html",
        workshop=workshop,
        report=workshops.report(workshop, catalog()),
        facilitators=workshops.facilitators(workshop),
        measure_title=_measure_title,
    )


def _measure_title(instrument: str, kind: str) -> str:
    if kind == "attitude":
        return _("Attitude survey (1 to 3, higher is more equitable)")
    for track in catalog().tracks:
        if track.knowledge_test == instrument:
            return _("Knowledge test: %(track)s", track=track.title[current_locale()])
    return instrument


@bp.route("/<int:workshop_id>/report.csv")
@require(can_manage_workshops)
def report_csv(workshop_id: int):
    """Download the report's participant table as CSV (formulas neutralised)."""
    workshop = workshop_or_404(workshop_id)
    figures = workshops.report(workshop, catalog())
    locale = current_locale()
    header = [
        _("Number"),
        _("Name in Khmer"),
        _("Name in Latin letters"),
        _("Username"),
        _("Gender"),
        _("Track"),
    ]
    header += [
        _("Session %(number)s", number=s.session.number) for s in figures.sessions
    ]
    header.append(_("Sessions attended"))
    for quiz_figures in figures.quizzes:
        title = quiz_figures.module.title[locale]
        header += [
            _("%(module)s: best %%", module=title),
            _("%(module)s: passed", module=title),
        ]
    for instrument, kind in figures.instruments:
        title = _measure_title(instrument, kind)
        header += [
            _("%(measure)s: before", measure=title),
            _("%(measure)s: after", measure=title),
        ]
    rows = []
    genders = gender_labels()
    for line in figures.participants:
        user = line.person.user
        row = [
            line.person.number,
            user.display_name,
            user.latin_name or "",
            user.username,
            genders.get(user.gender, user.gender),
            ", ".join(track_title(track) for track in user.tracks),
        ]
        row += [1 if s.session.number in line.attended else 0 for s in figures.sessions]
        row.append(len(line.attended))
        for quiz_figures in figures.quizzes:
            best = line.best.get(quiz_figures.quiz.key)
            row += [
                round(best[0], 1) if best else None,
                (1 if best[1] else 0) if best else None,
            ]
        for instrument, _kind in figures.instruments:
            for phase in surveys.PHASES:
                value = line.measures.get((instrument, phase))
                row.append(round(value, 2) if value is not None else None)
        rows.append(row)
    workshops.record_export(workshop, current_user, "report.csv")
    return Response(
        spreadsheets.write_csv(header, rows),
        mimetype="text/csv",
        headers={
            "Content-Disposition": (
                f"attachment; filename=workshop-{workshop.id}-report.csv"
            ),
            "Cache-Control": "no-store",
        },
    )
