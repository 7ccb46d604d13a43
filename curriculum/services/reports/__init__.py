"""Monitoring and evaluation: aggregate figures by place, track and period.

Every function runs a fixed number of queries, whatever the number of trainees, and
returns plain rows that the pages show as tables and charts and export as files.

Rooms:
- filters.py   Filters (period, place, track), `scoped` to a user's scope, the cache
- reach.py     reach and the completion funnel
- training.py  workshop figures, pre/post change
- summary.py   reading the summary cells: a period's whole months and its edges
- quizzes.py   quiz summaries and item analysis
- cmg.py       CMG activity from monthly reports; commune groups
"""

from curriculum.extensions import db
from curriculum.models import User
from curriculum.services import audit
from curriculum.services.reports.cmg import (
    Activity,
    activity_total,
    assign_communes,
    cmg_activity,
    create_group,
    groups_with_communes,
)
from curriculum.services.reports.filters import Filters, cached, month_of, scoped
from curriculum.services.reports.quizzes import (
    ITEM_SAMPLE,
    Item,
    QuizSummary,
    item_analysis,
    quiz_summaries,
)
from curriculum.services.reports.reach import FunnelStep, Reach, funnel, reach
from curriculum.services.reports.training import (
    Change,
    WorkshopFigures,
    pre_post,
    workshop_figures,
)

__all__ = [
    "ITEM_SAMPLE",
    "Activity",
    "Change",
    "Filters",
    "FunnelStep",
    "Item",
    "QuizSummary",
    "Reach",
    "WorkshopFigures",
    "activity_total",
    "assign_communes",
    "cached",
    "cmg_activity",
    "create_group",
    "funnel",
    "groups_with_communes",
    "item_analysis",
    "month_of",
    "pre_post",
    "quiz_summaries",
    "reach",
    "record_export",
    "scoped",
    "workshop_figures",
]


def record_export(by: User, name: str, fmt: str) -> None:
    """Audit a download of a report table."""
    audit.record(by, "report.export", "report", name, {"format": fmt})
    db.session.commit()
