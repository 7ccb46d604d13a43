"""On a workshop hub: the address and QR code with which phones join, to project."""

from flask import Blueprint, abort, current_app, render_template, request

from curriculum.permissions import can_manage_workshops
from curriculum.services.hub import serve
from curriculum.views.decorators import require

bp = Blueprint("hub_join", __name__, url_prefix="/hub")


@bp.before_request
def _only_on_a_hub():
    # Not a hub (no HUB_ID): the page does not exist, for anyone.
    if not current_app.config.get("HUB_ID"):
        abort(404)


def _join_url() -> str:
    known = current_app.config.get("HUB_JOIN_URL")
    if known:
        return known
    port = request.host.rpartition(":")[2] if ":" in request.host else "80"
    return serve.join_url(serve.lan_ip(), int(port) if port.isdigit() else 80)


@bp.route("/join")
@require(can_manage_workshops)
def join():
    """Show the hub's address and its QR code, large enough to project."""
    url = _join_url()
    return render_template("hub/join.html", url=url, qr=serve.qr_svg(url))
