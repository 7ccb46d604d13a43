"""On the centre, importing a hub bundle: who a hub's person is at the centre.

A mixin of importer._Importer (it uses the importer's row identities and conflicts):
a hub person is the central account an earlier import, the seed's central id or, for
staff, the username says; a trainee is matched by Khmer-normalised name in the same
commune, never guessed when two central people share it; else created.
"""

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select

from curriculum.extensions import db
from curriculum.khmer import name_key
from curriculum.models import (
    Commune,
    HubRecord,
    User,
)
from curriculum.permissions import STAFF_ROLES


@dataclass
class _Match:
    user: User | None = None
    # True when an id says who it is (an earlier import, central_id, a username).
    certain: bool = False
    kept_out: bool = False


def _dt(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _day(value: str) -> date:
    return date.fromisoformat(value)


class PeopleMixin:
    """Matching and creating the bundle's people (see the module's docstring)."""

    # -- people -------------------------------------------------------------------
    def same_name(self, commune_id: int, wanted: str) -> list[User]:
        """Return the central trainees of a commune whose name has this key."""
        if commune_id not in self.names:
            index: dict[str, list[User]] = {}
            trainees = db.session.scalars(
                select(User).where(
                    User.commune_id == commune_id, User.role == "trainee"
                )
            )
            for user in trainees:
                index.setdefault(name_key(user.display_name), []).append(user)
            self.names[commune_id] = index
        return self.names[commune_id].get(wanted, [])

    def match_person(self, part: dict) -> _Match:
        central_id = self.known("user", part["id"]) or part.get("central_id")
        if central_id:
            user = db.session.get(User, int(central_id))
            if user is not None:
                return _Match(user, certain=True)
        if part["role"] != "trainee":
            username = str(part["username"])[:64]
            user = db.session.scalar(select(User).where(User.username == username))
            if user is None:
                self.conflict("staff_unknown", "people", part["id"], username=username)
                return _Match(kept_out=True)
            if user.role not in STAFF_ROLES:
                # Someone else's username: a trainee must not become the workshop's
                # facilitator or the one who entered its results.
                self.conflict(
                    "staff_not_staff", "people", part["id"], username=username
                )
                return _Match(kept_out=True)
            return _Match(user, certain=True)
        commune_id = self.commune_id(part.get("commune_code"))
        if commune_id is None:
            return _Match()
        found = self.same_name(commune_id, name_key(part["display_name"]))
        if len(found) > 1:
            # Do not guess which of them it is: an admin enrols the right one.
            self.conflict("name_ambiguous", "people", part["id"], count=len(found))
            return _Match(kept_out=True)
        if not found:
            return _Match()
        linked = db.session.scalars(
            select(HubRecord.local_id).where(
                HubRecord.hub_id == self.hub_id,
                HubRecord.kind == "user",
                HubRecord.central_id == found[0].id,
                HubRecord.local_id != int(part["id"]),
            )
        ).all()
        if linked:
            # An earlier bundle said another account of this hub is that person.
            self.conflict(
                "same_central_person",
                "people",
                part["id"],
                username=found[0].username,
                others=sorted(linked),
            )
            return _Match(kept_out=True)
        return _Match(found[0])

    def free_username(self, username: str) -> str:
        candidate, n = username[:60], 1
        while db.session.scalar(select(User.id).where(User.username == candidate)):
            n += 1
            candidate = f"{username[:56]}-{n}"
        return candidate

    def new_person(self, part: dict) -> User:
        commune_id = self.commune_id(part.get("commune_code"))
        commune = db.session.get(Commune, commune_id) if commune_id else None
        user = User(
            username=self.free_username(str(part["username"])),
            display_name=str(part["display_name"])[:200],
            latin_name=part.get("latin_name"),
            phone=part.get("phone"),
            gender=part.get("gender") or "unspecified",
            role="trainee",
            commune_id=commune_id,
            province_id=commune.province_id if commune else None,
            created_by_id=self.actor.id if self.actor else None,
        )
        user.set_tracks(list(part.get("tracks") or []))
        db.session.add(user)
        db.session.flush()
        self.added("people")
        return user

    def people(self) -> None:
        """Match every hub person first, then keep out those two rows claim at once."""
        claims: dict[int, list[tuple[dict, bool]]] = {}
        new: list[dict] = []
        for part in self.doc["people"]:
            match = self.match_person(part)
            if match.kept_out:
                continue
            if match.user is None:
                new.append(part)
            else:
                claims.setdefault(match.user.id, []).append((part, match.certain))
        for user_id, parts in claims.items():
            certain = [part for part, sure in parts if sure]
            # One row an id names wins over rows that only share the name.
            keep = certain[0] if len(certain) == 1 else None
            if len(parts) == 1:
                keep = parts[0][0]
            for part, _sure in parts:
                if part is keep:
                    self.remember("user", part["id"], user_id)
                    continue
                others = [other["id"] for other, _ in parts if other is not part]
                self.conflict(
                    "same_central_person",
                    "people",
                    part["id"],
                    username=db.session.get(User, user_id).username,
                    others=[int(n) for n in others],
                )
        for part in new:
            self.remember("user", part["id"], self.new_person(part).id)

    # -- records ------------------------------------------------------------------
