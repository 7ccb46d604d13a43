"""Translation review: native speakers read the English beside the Khmer and correct it.

Thin: the items, their states, the checks and the history are in services/review.py;
the sentences for each refusal are here. Reviewers see content only, never people.
"""

import re

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from curriculum.content import catalog
from curriculum.content.items import UI_PAGE
from curriculum.extensions import db
from curriculum.forms.review import ReviewForm
from curriculum.i18n import current_locale, khmer_digits
from curriculum.khmer import parse_int
from curriculum.permissions import can_review
from curriculum.services import audit, consistency, review
from curriculum.views.decorators import require

bp = Blueprint("review", __name__, url_prefix="/review")

GROUPS = {
    "glossary": _l("Glossary"),
    "knowledge": _l("Knowledge tests"),
    "attitude": _l("Attitude survey"),
    "vetting": _l("Vetting criteria"),
    "tracks": _l("Learning paths"),
    "ui": _l("The interface: buttons, menus and messages"),
}
STATES = {
    "draft": _l("Draft"),
    "needs_change": _l("Needs a change"),
    "approved": _l("Approved"),
    "stale": _l("Stale: the English changed after approval"),
}
ACTIONS = {
    "edit": _l("corrected"),
    "approve": _l("approved"),
    "needs_change": _l("asked for a change"),
    "comment": _l("commented"),
    "revert": _l("reverted"),
    "import": _l("imported from a PO file"),
}
PROBLEMS = {
    "invisible": _l(
        "An invisible character (zero-width space or joiner) is in the text."
    ),
    "spelling": _l("Write %(right)s, not %(typed)s."),
    "order": _l(
        "Khmer marks are typed out of order near “%(typed)s”: retype it as “%(right)s”."
    ),
}


def refusal(error: review.ReviewRefused) -> list[str]:
    """Return the sentences that say why an action was refused."""
    if error.code == "khmer":
        return [
            _(str(PROBLEMS[p.code]), typed=p.typed, right=p.right)
            for p in error.problems
        ]
    messages = {
        "empty": _("The Khmer cannot be empty."),
        "too_long": _(
            "This is too long: at most %(limit)s characters.",
            limit=error.params.get("limit", ""),
        ),
        "blank_line": _(
            "Keep this item in one block: remove the empty line (each paragraph is "
            "its own item)."
        ),
        "one_line": _("Keep this item on one line."),
        "heading": _(
            "A heading keeps its marks at the start: begin with “%(marks)s ”.",
            marks=error.params.get("marks", ""),
        ),
        "unchanged": _("Nothing was changed: the Khmer is the same as before."),
        "placeholders": _(
            "Keep the names in brackets exactly as in the English: %(names)s",
            names=error.params.get("names", ""),
        ),
        "no_comment": _("Write a comment first."),
        "unknown_item": _("This item is no longer in the curriculum. Reload the page."),
        "mismatch": _("This item is no longer in the curriculum. Reload the page."),
        "busy": _("Someone saved this item at the same moment. Reload and try again."),
        "invalid": _(
            "The lesson would no longer be valid with this text (for example a "
            "glossary link or a heading was changed). Keep links like "
            "[word](glossary:key) and the headings as they are."
        ),
    }
    return [messages.get(error.code, _("This change cannot be saved."))]


def group_title(group: str) -> str:
    """Return the name of a group of items in the page's language."""
    module = catalog().module(group)
    if module is not None:
        return i18n_tr(module.title)
    return str(GROUPS.get(group, group))


def part_title(group: str, part: str) -> str:
    """Return the name of a part (a lesson, the quiz, ...) in the page's language."""
    module = catalog().module(group)
    if module is not None:
        lesson = module.lesson(part)
        if lesson is not None:
            return i18n_tr(lesson.title)
        if part == "module":
            return _("Title and summary")
        if part == "quiz":
            return _("Quiz")
    if group == "ui":
        number = int(part)
        return _(
            "Sentences %(first)s to %(last)s",
            first=khmer_digits((number - 1) * UI_PAGE + 1),
            last=khmer_digits(number * UI_PAGE),
        )
    if group == "knowledge":
        track = next((t for t in catalog().tracks if t.knowledge_test == part), None)
        if track is not None:
            return i18n_tr(track.title)
    return group_title(group)


def i18n_tr(text) -> str:
    """Return a content text in the page's language."""
    return text[current_locale()]


def terms_in(english: str) -> list:
    """Return the glossary terms the English of an item uses, to suggest their Khmer."""
    lowered = english.lower()
    return [
        t
        for t in catalog().glossary
        if re.search(rf"\b{re.escape(t.term.en.lower())}\b", lowered)
    ]


@bp.route("/")
@require(can_review)
def index():
    """List the modules and other groups with how much of each is approved."""
    progress = review.progress_by("group")
    rows = [(group, group_title(group), progress[group]) for group in review.groups()]
    return render_template("review/index.html", rows=rows)


@bp.route("/<group>", methods=["GET", "POST"])
@require(can_review)
def group(group: str):
    """Show one part of a group (a lesson, the quiz...) with a form for each item."""
    items = review.groups().get(group) or abort(404)
    parts = review.parts(items)
    part = request.values.get("part") or parts[0]
    if part not in parts:
        abort(404)
    shown = [it for it in items if it.part == part]
    typed, errors = {}, {}
    if request.method == "POST":
        form = ReviewForm()
        key = form.key.data or ""
        if not form.validate_on_submit() or key not in {it.key for it in shown}:
            abort(400)
        try:
            _act(form, key)
        except review.ReviewRefused as error:
            typed[key] = form.km.data or ""
            errors[key] = refusal(error)
        else:
            index = next(i for i, it in enumerate(shown) if it.key == key)
            return redirect(
                url_for("review.group", group=group, part=part, _anchor=f"i{index}")
            )
    audit.record(current_user, "translation.view", "content", group, {"part": part})
    db.session.commit()
    progress = review.progress_by("group", "part")
    return (
        render_template(
            "review/group.html",
            group=group,
            title=group_title(group),
            part=part,
            part_title=part_title(group, part),
            parts=[(p, part_title(group, p), progress[group, p]) for p in parts],
            states=review.states(shown),
            history=review.histories(it.key for it in shown),
            progress=review.progress_of(shown),
            typed=typed,
            errors=errors,
            terms_in=terms_in,
            STATES=STATES,
            ACTIONS=ACTIONS,
            form=ReviewForm(formdata=None),
        ),
        422 if errors else 200,
    )


def _act(form: ReviewForm, key: str) -> None:
    action = form.action.data
    if action == "save":
        review.edit(current_user, key, form.km.data or "")
        flash(_("The correction is saved. Trainees see it now."), "info")
    elif action == "approve":
        review.edit(current_user, key, form.km.data or "", approve=True)
        flash(_("Approved."), "info")
    elif action == "needs_change":
        review.needs_change(current_user, key, form.comment.data or "")
        flash(_("Marked as needing a change, with your comment."), "info")
    elif action == "comment":
        review.comment(current_user, key, form.comment.data or "")
        flash(_("Your comment is saved."), "info")
    else:
        event = parse_int(form.event.data or "")
        if event is None:
            abort(400)
        review.revert(current_user, key, event)
        flash(_("The earlier Khmer is back. Trainees see it now."), "info")


@bp.route("/consistency")
@require(can_review)
def spelling():
    """List words the curriculum spells in more than one way, to settle each once."""
    return render_template(
        "review/consistency.html", variants=consistency.variants(review.all_items())
    )
