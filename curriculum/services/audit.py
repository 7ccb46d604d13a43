"""Write audit events; never the sensitive content, only who, what and which object."""

from curriculum.extensions import db
from curriculum.models import AuditEvent, User


def record(
    actor: User | None,
    action: str,
    object_type: str,
    object_id: object,
    detail: dict | None = None,
) -> AuditEvent:
    """Add an audit event to the session; the caller's commit saves it."""
    event = AuditEvent(
        actor_id=actor.id if actor is not None and actor.is_authenticated else None,
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        detail=detail,
    )
    db.session.add(event)
    return event
