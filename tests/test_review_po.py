"""PO files for translators: export, edit in Poedit (here: babel), import as corrections."""

import io

import pytest
from babel.messages.pofile import read_po, write_po

from curriculum.cli import content_cli
from curriculum.extensions import db
from curriculum.services import review
from tests.factories import make_user

MODULE = "gender-norms"


@pytest.fixture()
def reviewer(app, places):
    user = make_user("reader", "facilitator", commune=places["pursat_a"])
    user.reviewer = True
    db.session.commit()
    return user


def export(app, tmp_path, *extra):
    result = app.test_cli_runner().invoke(
        content_cli,
        ["po", "export", "--module", MODULE, "--out", str(tmp_path), *extra],
    )
    assert result.exit_code == 0, result.output
    with (tmp_path / f"{MODULE}.km.po").open("rb") as handle:
        return read_po(handle, locale="km")


def save(catalog, path):
    buffer = io.BytesIO()
    write_po(buffer, catalog, width=88, sort_output=False)
    path.write_bytes(buffer.getvalue())
    return path


def import_po(app, path, username="reader"):
    return app.test_cli_runner().invoke(
        content_cli, ["po", "import", str(path), "--as", username]
    )


def test_the_export_has_every_item_of_the_module_with_a_stable_context(app, tmp_path):
    catalog = export(app, tmp_path)
    items = review.groups()[MODULE]
    messages = [m for m in catalog if m.id]
    assert [m.context for m in messages] == [it.key for it in items]
    assert [m.id for m in messages] == [it.en for it in items]
    assert [m.string for m in messages] == [it.km for it in items]
    assert not any(m.fuzzy for m in messages)  # nothing needs a change yet


def test_a_round_trip_changes_exactly_the_edited_items(app, tmp_path, reviewer):
    catalog = export(app, tmp_path)
    messages = [m for m in catalog if m.id]
    edited, marked = messages[3], messages[5]
    edited.string = "អត្ថបទដែលអ្នកបកប្រែបានកែ។"
    marked.flags.add("fuzzy")
    path = save(catalog, tmp_path / "translated.po")
    result = import_po(app, path)
    assert result.exit_code == 0, result.output
    assert "1 corrections, 1 marked as needing a change" in result.output
    assert review.corrections() == {edited.context: "អត្ថបទដែលអ្នកបកប្រែបានកែ។"}
    states = {s.item.key: s.state for s in review.states(review.groups()[MODULE])}
    assert states[edited.context] == "draft"
    assert states[marked.context] == "needs_change"
    assert sum(1 for state in states.values() if state != "draft") == 1
    assert review.history(edited.context)[0].action == "import"
    # The same file again changes nothing.
    again = import_po(app, path)
    assert "0 corrections, 0 marked" in again.output
    assert len(review.history(edited.context)) == 1
    # A new export carries the correction, and marks what needs a change as fuzzy.
    fresh = {m.context: m for m in export(app, tmp_path) if m.id}
    assert fresh[edited.context].string == "អត្ថបទដែលអ្នកបកប្រែបានកែ។"
    assert fresh[marked.context].fuzzy and not fresh[edited.context].fuzzy


def test_a_file_whose_items_no_longer_match_is_refused_whole(app, tmp_path, reviewer):
    catalog = export(app, tmp_path)
    messages = [m for m in catalog if m.id]
    messages[2].string = "ការកែតម្រូវដែលមិនត្រូវចូល។"
    gone = messages[4]
    catalog.delete(gone.id, context=gone.context)
    catalog.add(gone.id, gone.string, context=gone.context + "-renamed")
    changed = messages[6]
    catalog.delete(changed.id, context=changed.context)
    catalog.add(changed.id + " (changed)", changed.string, context=changed.context)
    path = save(catalog, tmp_path / "old.po")
    result = import_po(app, path)
    assert result.exit_code != 0
    assert f"{gone.context}-renamed: gone" in result.output
    assert f"{changed.context}: english_changed" in result.output
    assert "nothing was imported" in result.output
    assert review.corrections() == {}  # the good entry was not applied either


def test_bad_khmer_in_a_po_file_is_refused_naming_the_entry(app, tmp_path, reviewer):
    catalog = export(app, tmp_path)
    message = [m for m in catalog if m.id][3]
    message.string = "ប្តីរបស់គាត់"
    result = import_po(app, save(catalog, tmp_path / "bad.po"))
    assert result.exit_code != 0
    assert f"{message.context}: khmer" in result.output
    assert review.corrections() == {}


def test_only_a_reviewer_may_import(app, tmp_path, users):
    catalog = export(app, tmp_path)
    result = import_po(app, save(catalog, tmp_path / "x.po"), username="facilitator")
    assert result.exit_code != 0 and "not a reviewer" in result.output


def test_an_unknown_module_is_named(app, tmp_path):
    result = app.test_cli_runner().invoke(
        content_cli, ["po", "export", "--module", "nope", "--out", str(tmp_path)]
    )
    assert result.exit_code != 0 and "no module or group 'nope'" in result.output


def test_the_reviewer_flag_is_given_to_staff_only(app, users):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["users", "reviewer", "trainee"])
    assert result.exit_code != 0 and "only staff" in result.output
    result = runner.invoke(args=["users", "reviewer", "facilitator"])
    assert result.exit_code == 0
    db.session.refresh(users["facilitator"])
    assert users["facilitator"].reviewer
    runner.invoke(args=["users", "reviewer", "facilitator", "--off"])
    db.session.refresh(users["facilitator"])
    assert not users["facilitator"].reviewer
