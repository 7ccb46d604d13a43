"""CMG vetting: the training criterion computed from completed modules."""

from dataclasses import dataclass

from sqlalchemy import select

from curriculum.content.model import Catalog
from curriculum.extensions import db
from curriculum.models import Commune, User, UserTrack
from curriculum.permissions import in_scope
from curriculum.services.progress import completed_modules

CMG_TRACK = "cmg"


@dataclass(frozen=True)
class TrainingCriterion:
    """Whether a candidate has passed every required module of the CMG track."""

    required: tuple[str, ...]
    passed: tuple[str, ...]

    @property
    def met(self) -> bool:
        """Return True when every required module is passed."""
        return set(self.required) <= set(self.passed)

    @property
    def missing(self) -> tuple[str, ...]:
        """Return the required modules not yet passed."""
        return tuple(k for k in self.required if k not in self.passed)


def training_criterion(candidate: User, catalog: Catalog) -> TrainingCriterion:
    """Return the training criterion of a CMG candidate."""
    track = catalog.track(CMG_TRACK)
    required = track.required if track else ()
    done = completed_modules(candidate.id)
    return TrainingCriterion(required, tuple(k for k in required if k in done))


def candidates_in_scope(staff: User) -> list[User]:
    """Return the CMG candidates whose commune or province lies in the staff's scope."""
    query = (
        select(User)
        .join(UserTrack, UserTrack.user_id == User.id)
        .outerjoin(Commune, Commune.id == User.commune_id)
        .where(UserTrack.track == CMG_TRACK, User.role == "trainee")
        .order_by(User.display_name)
    )
    if staff.role != "admin":
        if staff.commune_id is not None:
            query = query.where(User.commune_id == staff.commune_id)
        elif staff.province_id is not None:
            query = query.where(Commune.province_id == staff.province_id)
        else:
            return []
    people = list(db.session.scalars(query))
    # The query and the predicate must agree; the predicate is the policy.
    return [p for p in people if in_scope(staff, p.commune.province_id if p.commune else None, p.commune_id)]
