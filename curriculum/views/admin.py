"""Programme staff: the state of the curriculum and its translation."""

from flask import Blueprint, render_template

from curriculum.content import catalog
from curriculum.content.status import content_status
from curriculum.permissions import can_see_content_status
from curriculum.views.decorators import require

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.route("/content")
@require(can_see_content_status)
def content():
    """Show lessons and questions per language, stale Khmer and review status."""
    return render_template("admin/content.html", rows=content_status(catalog()))
