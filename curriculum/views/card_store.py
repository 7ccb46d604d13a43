"""Setup codes waiting to be printed on cards, kept in the facilitator's session cookie.

The database holds only the codes' hashes, so a code can be shown only by the browser
of the facilitator who issued it, until its cards are printed and forgotten. Never
logged, never in a URL.
"""

import time

from flask import session
from flask_login import current_user

from curriculum.models import Workshop

CARDS = "setup_cards"
CARDS_MAX = 200  # a cookie holds about 4 KB
CARDS_SECONDS = 12 * 3600


def _cards() -> dict:
    cards = session.get(CARDS)
    fresh = (
        isinstance(cards, dict)
        and cards.get("by") == current_user.id
        and time.time() - cards.get("at", 0) < CARDS_SECONDS
    )
    return cards if fresh else {"by": current_user.id, "at": 0, "w": {}}


def keep_codes(workshop: Workshop, codes: dict[int, str]) -> None:
    """Keep freshly issued codes for the setup cards, newest last."""
    cards = _cards()
    kept = cards["w"].setdefault(str(workshop.id), {})
    for user_id, code in codes.items():
        kept.pop(str(user_id), None)
        kept[str(user_id)] = code
    # Over the limit, forget other workshops' codes first, then the oldest.
    for key in [k for k in cards["w"] if k != str(workshop.id)]:
        if sum(map(len, cards["w"].values())) <= CARDS_MAX:
            break
        del cards["w"][key]
    while len(kept) > CARDS_MAX:
        del kept[next(iter(kept))]
    cards["at"] = int(time.time())
    session[CARDS] = cards


def kept_codes(workshop: Workshop) -> dict[int, str]:
    """Return the codes waiting to be printed for a workshop, by user id."""
    kept = _cards()["w"].get(str(workshop.id), {})
    return {int(user_id): code for user_id, code in kept.items()}


def forget_codes(workshop: Workshop) -> None:
    """Forget a workshop's waiting codes: they cannot be shown again."""
    cards = _cards()
    cards["w"].pop(str(workshop.id), None)
    session[CARDS] = cards
