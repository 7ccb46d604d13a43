"""Translation review: native speakers correct the Khmer in the app; trainees see it."""

import shutil
import tomllib

import pytest
from sqlalchemy import func, select

from curriculum.app import create_app
from curriculum.content import catalog, load_catalog, term_anchor
from curriculum.content import items as content_items
from curriculum.extensions import db
from curriculum.models import AuditEvent, TranslationEvent
from curriculum.services import review
from tests.factories import login, make_user

FIXED = "ការកែតម្រូវរបស់អ្នកពិនិត្យ។"


@pytest.fixture()
def reviewer(app, places):
    user = make_user("reader", "facilitator", commune=places["pursat_a"])
    user.reviewer = True
    db.session.commit()
    return user


def first_lesson():
    module = catalog().modules[0]
    return module, module.lessons[0]


def paragraph_item(module, lesson):
    """Return the first paragraph of a lesson as a review item."""
    return next(
        it
        for it in review.all_items()
        if it.group == module.key and it.part == lesson.key and it.kind == "paragraph"
    )


def post(client, module, it, action, **data):
    part = it.part
    return client.post(
        f"/review/{module.key}?part={part}",
        data={"key": it.key, "action": action} | data,
    )


def test_a_correction_reaches_trainees_at_once(client, users, as_user, reviewer):
    module, lesson = first_lesson()
    it = paragraph_item(module, lesson)
    as_user(reviewer)
    response = post(client, module, it, "save", km=FIXED)
    assert response.status_code == 302
    assert response.headers["Location"].endswith("#i1")
    assert review.states([it])[0].state == "draft"
    client.post("/logout")
    as_user(users["trainee"])
    html = client.get(f"/learn/{module.key}/{lesson.key}?lang=km").get_data(
        as_text=True
    )
    assert FIXED in html
    assert it.km.split("។")[0] not in html
    # The English page is untouched.
    english = client.get(f"/learn/{module.key}/{lesson.key}?lang=en")
    assert FIXED not in english.get_data(as_text=True)


def test_a_correction_shows_on_another_worker(client, app, as_user, reviewer, users):
    module, lesson = first_lesson()
    it = paragraph_item(module, lesson)
    other = create_app("testing")  # another worker on the same database
    assert other.extensions["catalog"].revision == 0
    as_user(reviewer)
    post(client, module, it, "approve", km=FIXED)
    other_client = other.test_client()
    try:
        login(other_client, users["trainee"].username)
        html = other_client.get(f"/learn/{module.key}/{lesson.key}?lang=km")
        assert FIXED in html.get_data(as_text=True)
        assert other.extensions["catalog"].revision == review.revision() > 0
    finally:
        with other.app_context():
            db.session.remove()
            db.engine.dispose()  # close its connections now, not when collected


def test_approving_every_item_of_a_lesson_marks_it_reviewed(client, as_user, reviewer):
    module, lesson = first_lesson()
    items = [
        it
        for it in review.all_items()
        if it.group == module.key and it.part == lesson.key
    ]
    as_user(reviewer)
    for it in items[:-1]:
        post(client, module, it, "approve", km=it.km)
    assert not review.progress_of(items).done
    html = client.get(f"/review/{module.key}?part={lesson.key}&lang=en").get_data(
        as_text=True
    )
    assert f"{len(items) - 1} of {len(items)} approved" in html
    post(client, module, items[-1], "approve", km=items[-1].km)
    assert review.progress_of(items).done
    html = client.get(f"/review/{module.key}?part={lesson.key}&lang=en").get_data(
        as_text=True
    )
    assert "This part is reviewed." in html
    status = client.get("/admin/content?lang=en").get_data(as_text=True)
    assert f"{len(items)} of {review.progress_by('group')[module.key].total}" in status


def test_history_keeps_every_change_and_a_revert_puts_the_old_text_back(
    client, as_user, reviewer
):
    module, lesson = first_lesson()
    it = paragraph_item(module, lesson)
    as_user(reviewer)
    post(client, module, it, "save", km=FIXED)
    post(client, module, it, "save", km=FIXED + " ទៀត")
    events = review.history(it.key)
    assert [e.action for e in events] == ["edit", "edit"]
    assert events[-1].before == it.km and events[-1].after == FIXED
    assert all(e.by_id == reviewer.id for e in events)
    # Revert the first edit: the file's own Khmer is back, and no correction is left.
    post(client, module, it, "revert", event=str(events[-1].id))
    assert review.states([it])[0].km == it.km
    assert not review.states([it])[0].corrected
    assert review.history(it.key)[0].action == "revert"
    html = client.get(f"/review/{module.key}?part={lesson.key}&lang=en").get_data(
        as_text=True
    )
    assert "reverted" in html and "History (3)" in html


def test_a_comment_and_a_request_for_change_are_kept(client, as_user, reviewer):
    module, lesson = first_lesson()
    it = paragraph_item(module, lesson)
    as_user(reviewer)
    post(client, module, it, "comment", comment="ពាក្យនេះពិបាកយល់")
    assert review.states([it])[0].state == "draft"
    post(client, module, it, "needs_change", comment="សូមសរសេរឱ្យខ្លីជាងនេះ")
    assert review.states([it])[0].state == "needs_change"
    empty = post(client, module, it, "needs_change", comment=" ")
    assert empty.status_code == 422
    assert [e.comment for e in review.history(it.key)] == [
        "សូមសរសេរឱ្យខ្លីជាងនេះ",
        "ពាក្យនេះពិបាកយល់",
    ]


@pytest.mark.parametrize(
    ("typed", "english", "khmer"),
    [
        ("ប្តី", "Write ប្ដី, not ប្តី.", "សរសេរ ប្ដី មិនមែន ប្តី ទេ។"),
        ("ក\u200bខ", "An invisible character", "តួអក្សរមើលមិនឃើញ"),
        ("", "The Khmer cannot be empty.", "ភាសាខ្មែរមិនអាចទទេបានទេ។"),
        ("មួយ\n\nពីរ", "remove the empty line", "បន្ទាត់ទទេ"),
    ],
    ids=["spelling", "invisible", "empty", "blank-line"],
)
def test_bad_khmer_is_refused_in_the_reviewers_language_and_kept_in_the_box(
    client, as_user, reviewer, typed, english, khmer
):
    module, lesson = first_lesson()
    it = paragraph_item(module, lesson)
    as_user(reviewer)
    response = client.post(
        f"/review/{module.key}?part={lesson.key}&lang=en",
        data={"key": it.key, "action": "save", "km": typed},
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert english in html
    if typed.strip():
        assert typed.split("\n")[0] in html  # what was typed is not lost
    assert not review.corrections()
    km = client.post(
        f"/review/{module.key}?part={lesson.key}&lang=km",
        data={"key": it.key, "action": "save", "km": typed},
    ).get_data(as_text=True)
    assert khmer in km


def test_a_broken_glossary_link_is_refused(client, as_user, reviewer):
    module, lesson = first_lesson()
    linked = next(
        it
        for it in review.all_items()
        if it.group == module.key and "(glossary:" in it.km
    )
    as_user(reviewer)
    broken = linked.km.replace("(glossary:", "(glossary:no-such-term-", 1)
    response = post(client, module, linked, "save", km=broken)
    assert response.status_code == 422
    assert not review.corrections()


def test_reviewers_see_content_only_and_every_action_is_audited(
    client, as_user, users, reviewer
):
    module, lesson = first_lesson()
    it = paragraph_item(module, lesson)
    as_user(reviewer)
    html = client.get(f"/review/{module.key}").get_data(as_text=True)
    assert users["trainee"].display_name not in html
    post(client, module, it, "save", km=FIXED)
    actions = db.session.scalars(select(AuditEvent.action)).all()
    assert "translation.view" in actions and "translation.edit" in actions
    details = db.session.scalars(select(AuditEvent.detail)).all()
    assert all(FIXED not in str(d) for d in details)  # the text stays out of the log
    # A facilitator without the flag, and a trainee, cannot review.
    client.post("/logout")
    as_user(users["facilitator"])
    assert client.get("/review/").status_code == 403
    client.post("/logout")
    as_user(users["trainee"])
    assert client.get(f"/review/{module.key}").status_code == 403


def test_stale_when_the_english_changes_after_approval(app, reviewer):
    module, lesson = first_lesson()
    it = paragraph_item(module, lesson)
    review.approve(reviewer, it.key)
    assert review.states([it])[0].state == "approved"
    changed = content_items.Item(
        it.key, it.group, it.part, it.en + " More.", it.km, it.kind
    )
    assert review.states([changed])[0].state == "stale"
    assert review.progress_of([changed]).approved == 0


def test_the_consistency_report_lists_words_spelled_two_ways(client, as_user, reviewer):
    as_user(reviewer)
    html = client.get("/review/consistency?lang=en").get_data(as_text=True)
    variants = review_variants()
    assert variants, "the draft curriculum has ត/ដ variants"
    form, _n = variants[0].forms[1]
    assert form in html


def review_variants():
    from curriculum.services import consistency

    return consistency.variants(review.all_items())


# -- back into the files ----------------------------------------------------------------
@pytest.fixture()
def content_copy(app, tmp_path):
    """Point the app at a copy of the content files, to write corrections into."""
    root = app.config["ROOT"]
    for name in ("modules", "quizzes"):
        shutil.copytree(root / name, tmp_path / name)
    saved = {k: app.config[k] for k in ("ROOT", "MODULES_DIR", "QUIZZES_DIR")}
    app.config.update(
        ROOT=tmp_path,
        MODULES_DIR=tmp_path / "modules",
        QUIZZES_DIR=tmp_path / "quizzes",
    )
    yield tmp_path
    app.config.update(saved)
    review.forget_items()


def test_export_writes_approved_corrections_into_the_files(app, reviewer, content_copy):
    module, lesson = first_lesson()
    it = paragraph_item(module, lesson)
    draft = next(
        x for x in review.all_items() if x.part == "quiz" and x.group == module.key
    )
    review.edit(reviewer, it.key, FIXED, approve=True)
    review.edit(reviewer, draft.key, "សំណួរដែលនៅជាសេចក្ដីព្រាង")  # not approved
    written = review.export_files()
    assert list(written) == [content_copy / it.path]
    for path, text in written.items():
        path.write_text(text, encoding="utf-8")
    # The files now say what the app showed, and they still load and check.
    fresh = load_catalog(
        content_copy, content_copy / "modules", content_copy / "quizzes", term_anchor
    )
    assert FIXED in fresh.module(module.key).lesson(lesson.key).html.km
    review.forget_items()
    again = {x.key: x for x in review.all_items()}
    assert again[it.key].km == FIXED
    # Nothing is left to write: the app and the files agree.
    assert review.export_files() == {}


def test_a_lesson_fully_approved_is_marked_reviewed_in_its_file(
    app, reviewer, content_copy
):
    module, lesson = first_lesson()
    items = [
        x for x in review.all_items() if x.group == module.key and x.part == lesson.key
    ]
    for x in items:
        review.approve(reviewer, x.key)
    written = review.export_files()
    path = content_copy / items[0].path
    front = written[path].split("+++")[1]
    meta = tomllib.loads(front)
    assert meta["review"] == "reviewed"
    assert reviewer.display_name in meta["reviewer"]
    path.write_text(written[path], encoding="utf-8")
    load_catalog(
        content_copy, content_copy / "modules", content_copy / "quizzes", term_anchor
    )


def test_corrections_and_files_never_diverge_silently(app, reviewer):
    """Applying each item's own Khmer changes no file: the two agree byte for byte."""
    root = app.config["ROOT"]
    texts = content_items.overrides(root, {x.key: x.km for x in review.all_items()})
    assert texts
    assert all(text == path.read_text(encoding="utf-8") for path, text in texts.items())
    assert db.session.scalar(select(func.count(TranslationEvent.id))) == 0


# -- the interface's sentences ----------------------------------------------------------
def ui_item(english: str):
    return next(
        it for it in review.all_items() if it.group == "ui" and it.en == english
    )


def test_an_interface_sentence_is_corrected_on_every_page(client, as_user, reviewer):
    it = ui_item("Glossary")
    as_user(reviewer)
    response = client.post(
        f"/review/ui?part={it.part}",
        data={"key": it.key, "action": "save", "km": "វចនានុក្រមពាក្យ"},
    )
    assert response.status_code == 302
    html = client.get("/learn/glossary?lang=km").get_data(as_text=True)
    assert "វចនានុក្រមពាក្យ" in html and it.km not in html
    # Reverting puts the catalogue's own Khmer back, at once.
    event = review.history(it.key)[0]
    client.post(
        f"/review/ui?part={it.part}",
        data={"key": it.key, "action": "revert", "event": str(event.id)},
    )
    html = client.get("/learn/glossary?lang=km").get_data(as_text=True)
    assert it.km in html and "វចនានុក្រមពាក្យ" not in html


def test_a_correction_reaches_the_offline_sentences_rendered_once(
    client, as_user, reviewer
):
    # learn/_offline.html is rendered once per language (app.fixed_partial): a
    # correction must still show on the next page.
    it = ui_item("Not saved")
    as_user(reviewer)
    before = client.get("/learn/glossary?lang=km").get_data(as_text=True)
    assert f'data-not-saved="{it.km}"' in before
    client.post(
        f"/review/ui?part={it.part}",
        data={"key": it.key, "action": "save", "km": "មិនទាន់បានរក្សាទុកនៅឡើយ"},
    )
    after = client.get("/learn/glossary?lang=km").get_data(as_text=True)
    assert 'data-not-saved="មិនទាន់បានរក្សាទុកនៅឡើយ"' in after


def test_an_interface_sentence_keeps_its_placeholders(client, as_user, reviewer):
    it = next(x for x in review.all_items() if x.group == "ui" and "%(" in x.en)
    as_user(reviewer)
    response = client.post(
        f"/review/ui?part={it.part}&lang=en",
        data={"key": it.key, "action": "save", "km": "គ្មានឈ្មោះ"},
    )
    assert response.status_code == 422
    assert "Keep the names in brackets" in response.get_data(as_text=True)
    assert not review.corrections()


def test_a_file_changed_after_a_correction_is_shown_as_a_conflict(app, reviewer):
    module, lesson = first_lesson()
    it = paragraph_item(module, lesson)
    review.edit(reviewer, it.key, FIXED, approve=True)
    assert not review.states([it])[0].conflict
    # A developer changed the same paragraph in git meanwhile.
    changed = content_items.Item(
        it.key, it.group, it.part, it.en, it.km + " ថ្មី", it.kind
    )
    state = review.states([changed])[0]
    assert state.conflict and state.km == FIXED
    assert review.conflicts([changed]) == [changed]


def test_a_correction_changes_the_offline_version_of_its_module_in_khmer_only(
    app, reviewer
):
    from curriculum.services import offline

    review.sync_catalog(app, force=True)  # the files as they are, no correction yet
    module, lesson = first_lesson()
    it = paragraph_item(module, lesson)
    km = offline.module_version(app.extensions["catalog"], module, "km", "a")
    en = offline.module_version(app.extensions["catalog"], module, "en", "a")
    review.edit(reviewer, it.key, FIXED)
    fresh = app.extensions["catalog"].module(module.key)
    assert offline.module_version(app.extensions["catalog"], fresh, "km", "a") != km
    assert offline.module_version(app.extensions["catalog"], fresh, "en", "a") == en


def test_the_review_page_runs_the_same_queries_however_many_items_have_history(
    client, as_user, reviewer
):
    from sqlalchemy import event

    module, _lesson = first_lesson()
    quiz_items = [
        x for x in review.all_items() if x.group == module.key and x.part == "quiz"
    ]
    as_user(reviewer)
    url = f"/review/{module.key}?part=quiz"

    def statements() -> int:
        seen = []
        listener = lambda *args: seen.append(1)  # noqa: E731
        event.listen(db.engine, "before_cursor_execute", listener)
        try:
            assert client.get(url).status_code == 200
        finally:
            event.remove(db.engine, "before_cursor_execute", listener)
        return len(seen)

    review.comment(reviewer, quiz_items[0].key, "ពិនិត្យ")
    review.approve(reviewer, quiz_items[0].key)
    few = statements()
    for it in quiz_items[1:20]:
        review.comment(reviewer, it.key, "ពិនិត្យ")
        review.approve(reviewer, it.key)
    assert statements() == few
