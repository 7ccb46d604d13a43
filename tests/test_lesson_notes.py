"""Facilitator notes and model answers: parsed, checked, and shown only to the right people."""

import pytest

from curriculum.content import ContentInvalid, catalog, load_catalog
from curriculum.content.stamping import stamp
from tests.content_factory import EN_PARAGRAPH, KM_PARAGRAPH, write_content

NOTES_EN = "Ask the group first. NOTE-FOR-FACILITATORS only."
NOTES_KM = "សួរក្រុមជាមុនសិន។ កំណត់ចំណាំ-សម្រាប់-អ្នកសម្របសម្រួល។"


def lesson_en(notes: bool = True, answers: bool = True, body_words: int = 300) -> str:
    body = "\n\n".join([EN_PARAGRAPH] * (body_words // len(EN_PARAGRAPH.split()) + 1))
    return (
        '+++\ntitle = "With notes"\nminutes = 10\n+++\n\n'
        f"See [domestic violence](glossary:domestic-violence).\n\n{body}\n\n"
        "## Scenario\n\nDara hears shouting.\n\nDiscuss:\n\n1. What can he do?\n\n"
        + (
            "### Model answers\n\n1. Call the police if she is in danger.\n\n"
            if answers
            else ""
        )
        + "## Key messages\n\n- Listen without blame.\n\n"
        + (f"## Facilitator notes\n\n{NOTES_EN}\n\n" if notes else "")
        + "## Sources\n\n- WHO 2013 guidelines.\n"
    )


def lesson_km(notes: bool = True, answers: bool = True) -> str:
    body = "\n\n".join([KM_PARAGRAPH] * 12)
    return (
        '+++\ntitle = "មានកំណត់ចំណាំ"\nminutes = 10\nsource_sha256 = "pending"\n'
        'review = "draft"\nreviewer = ""\n+++\n\n'
        f"មើល [អំពើហិង្សាក្នុងគ្រួសារ](glossary:domestic-violence)។\n\n{body}\n\n"
        "## ស្ថានការណ៍\n\nដារ៉ាឮសំឡេងស្រែក។\n\nពិភាក្សា៖\n\n1. តើគាត់អាចធ្វើអ្វី?\n\n"
        + ("### ចម្លើយគំរូ\n\n1. ហៅប៉ូលិស បើនាងមានគ្រោះថ្នាក់។\n\n" if answers else "")
        + "## សារសំខាន់ៗ\n\n- ស្តាប់ដោយមិនបន្ទោស។\n\n"
        + (f"## សម្រាប់អ្នកសម្របសម្រួល\n\n{NOTES_KM}\n\n" if notes else "")
        + "## ប្រភព\n\n- WHO 2013។\n"
    )


def build(tmp_path, en: str, km: str):
    root = write_content(tmp_path)
    folder = root / "modules" / "01-alpha"
    (folder / "03-notes.en.md").write_text(en, "utf-8")
    (folder / "03-notes.km.md").write_text(km, "utf-8")
    stamp(root / "modules", root / "quizzes")
    return root


def load(root):
    return load_catalog(root, root / "modules", root / "quizzes", lambda k: f"/g#{k}")


def errors(root) -> list[str]:
    with pytest.raises(ContentInvalid) as info:
        load(root)
    return [str(e) for e in info.value.errors]


def notes_lesson(root):
    return load(root).module("alpha").lesson("notes")


def test_notes_are_kept_apart_from_what_trainees_read(tmp_path):
    lesson = notes_lesson(build(tmp_path, lesson_en(), lesson_km()))
    for locale, marker in (("en", "NOTE-FOR-FACILITATORS"), ("km", "កំណត់ចំណាំ-សម្រាប់")):
        assert marker not in lesson.html[locale]
        assert marker in lesson.notes[locale]
        assert "Sources" in lesson.html["en"] and "ប្រភព" in lesson.html["km"]


def test_word_count_leaves_out_notes_and_sources(tmp_path):
    with_notes = notes_lesson(build(tmp_path / "a", lesson_en(), lesson_km()))
    without = notes_lesson(
        build(tmp_path / "b", lesson_en(notes=False), lesson_km(notes=False))
    )
    assert with_notes.en_words == without.en_words


def test_model_answers_fold_into_details_in_both_languages(tmp_path):
    lesson = notes_lesson(build(tmp_path, lesson_en(), lesson_km()))
    assert (
        '<details class="model-answers"><summary>Model answers</summary>'
        in lesson.html.en
    )
    assert "<summary>ចម្លើយគំរូ</summary>" in lesson.html.km
    inside = lesson.html.en.split("<details", 1)[1].split("</details>", 1)[0]
    assert "Call the police" in inside and "Key messages" not in inside


def test_notes_in_one_language_only_is_an_error(tmp_path):
    found = errors(build(tmp_path, lesson_en(), lesson_km(notes=False)))
    assert any("03-notes.km.md" in e and "no facilitator notes" in e for e in found)


def test_model_answers_in_one_language_only_is_an_error(tmp_path):
    found = errors(build(tmp_path, lesson_en(answers=False), lesson_km()))
    assert any("03-notes.en.md" in e and "no model answers" in e for e in found)


def test_notes_must_follow_key_messages(tmp_path):
    en = lesson_en().replace("## Key messages\n\n- Listen without blame.\n\n", "")
    en = en.replace(
        "## Sources", "## Key messages\n\n- Listen without blame.\n\n## Sources"
    )
    found = errors(build(tmp_path, en, lesson_km()))
    assert any("comes right after '## Key messages'" in e for e in found)


def test_overlong_trainee_text_is_refused_with_a_hint(tmp_path):
    found = errors(build(tmp_path, lesson_en(body_words=1000), lesson_km()))
    assert any("too long" in e and "Facilitator notes" in e for e in found)


def _lesson_with_notes():
    for module in catalog().modules:
        for lesson in module.lessons:
            if lesson.notes.en:
                return module, lesson
    pytest.skip("no lesson of this curriculum has facilitator notes")


@pytest.mark.parametrize("role", ["facilitator", "admin"])
def test_facilitators_and_staff_see_the_notes_on_the_lesson_page(users, as_user, role):
    module, lesson = _lesson_with_notes()
    client = as_user(users[role])
    page = client.get(f"/learn/{module.key}/{lesson.key}?lang=en").get_data(
        as_text=True
    )
    assert "Facilitator notes" in page and lesson.notes.en in page


def test_trainees_never_see_the_notes(users, as_user):
    module, lesson = _lesson_with_notes()
    client = as_user(users["trainee"])
    for lang, notes in (("en", lesson.notes.en), ("km", lesson.notes.km)):
        page = client.get(f"/learn/{module.key}/{lesson.key}?lang={lang}")
        text = page.get_data(as_text=True)
        assert page.status_code == 200
        assert notes not in text and 'class="facilitator-notes"' not in text


def test_the_projector_view_shows_the_notes_folded(users, as_user, places):
    from tests.factories import make_workshop

    module, lesson = _lesson_with_notes()
    workshop = make_workshop(
        users["facilitator"], places["pursat_a"], modules=[module.key]
    )
    client = as_user(users["facilitator"])
    url = f"/workshops/{workshop.id}/present/{module.key}/{lesson.key}?lang=en"
    page = client.get(url).get_data(as_text=True)
    folded = page.split('<details class="facilitator-notes">', 1)[1].split(
        "</details>"
    )[0]
    assert "<summary>Facilitator notes</summary>" in folded
    assert lesson.notes.en in folded
