"""Recorded narration: record, approve, listen; stale after the text changes; files."""

import re
import shutil
import struct
import subprocess
from io import BytesIO

import pytest
from sqlalchemy import func, select

from curriculum.content import catalog
from curriculum.content.parts import lesson_parts, split_html
from curriculum.extensions import db
from curriculum.models import AuditEvent, Narration
from curriculum.services import audio, narration, offline, review
from tests.factories import make_user, make_workshop, require_all


def _ffmpeg() -> str:
    tool = shutil.which("ffmpeg")
    if tool is None:
        if require_all():
            pytest.fail("REQUIRE_ALL_TESTS=1 but ffmpeg is not installed")
        pytest.skip("ffmpeg is not installed (apt-get install ffmpeg)")
    return tool


def tone(tmp_path, seconds: float = 1.5, container: str = "webm") -> bytes:
    """Return a short recording made by ffmpeg, as a browser or a phone would send it."""
    codec = {"webm": "libopus", "m4a": "aac", "wav": "pcm_s16le"}[container]
    out = tmp_path / f"tone.{container}"
    subprocess.run(  # noqa: S603 - the test's own fixed command
        [
            _ffmpeg(),
            "-loglevel",
            "error",
            "-f",
            "lavfi",
            "-i",
            f"sine=frequency=440:duration={seconds}",
            "-c:a",
            codec,
            "-y",
            str(out),
        ],
        capture_output=True,
        check=True,
    )
    return out.read_bytes()


def _page(granule: int, payload: bytes, flags: int = 0) -> bytes:
    segments = [255] * (len(payload) // 255) + [len(payload) % 255]
    header = b"OggS" + bytes([0, flags]) + struct.pack("<qIII", granule, 1, 0, 0)
    return header + bytes([len(segments)]) + bytes(segments) + payload


def ogg_opus(seconds: float) -> bytes:
    """Return the shape of an Ogg Opus stream of this length (no ffmpeg needed)."""
    head = b"OpusHead" + bytes([1, 1]) + struct.pack("<HIhB", 312, 48000, 0, 0)
    return (
        _page(0, head, 2)
        + _page(0, b"OpusTags" + b"\0" * 8)
        + _page(312 + int(seconds * 48000), b"\xfc" * 40, 4)
    )


@pytest.fixture()
def narrator(app, places):
    """A facilitator an admin made a reviewer: may narrate, not approve their own."""
    user = make_user("narrator", "facilitator", commune=places["pursat_a"])
    user.reviewer = True
    db.session.commit()
    return user


@pytest.fixture(autouse=True)
def _own_folder(app, tmp_path):
    """Each test its own audio folder; no converter unless the test asks for one."""
    app.config["NARRATION_DIR"] = str(tmp_path / "narration")
    app.config["FFMPEG"] = "no-such-converter"
    yield
    app.config["FFMPEG"] = "ffmpeg"


@pytest.fixture()
def converter(app):
    """The server has ffmpeg (skipped, or failed in CI, when this machine has none)."""
    app.config["FFMPEG"] = _ffmpeg()


def approved_part(narrator, admin, target, seconds=2):
    """Record a part (no converter: an Ogg Opus stream) and have an admin approve it."""
    part = narration.part_of(target)
    kept = narration.record(
        narrator, target, "km", part.text_hash("km"), ogg_opus(seconds)
    )
    return narration.review(admin, kept, approve=True)


def first_lesson():
    module = catalog().modules[0]
    return module, module.lessons[0]


def post_recording(
    client,
    target,
    data,
    locale="km",
    seen=None,
    json=False,
    name="a.webm",
    query="?lang=en",
):
    part = narration.part_of(target)
    return client.post(
        "/narration/record" + query,
        data={
            "target": target,
            "locale": locale,
            "text_hash": seen if seen is not None else part.text_hash(locale),
            "back": "/narration/",
            "audio": (BytesIO(data), name),
        },
        content_type="multipart/form-data",
        headers={"Accept": "application/json"} if json else {},
    )


def flashes(client) -> list[str]:
    with client.session_transaction() as session:
        return [text for _category, text in session.pop("_flashes", [])]


def test_parts_follow_the_lessons_sections_and_skip_sources():
    module, lesson = first_lesson()
    keys = [p.key for p in lesson.parts]
    assert keys[0] == "s0" and len(keys) >= 3
    # The HTML splits at the same headings: one chunk per part key, Sources last.
    chunks = split_html(lesson.html.km)
    assert len(chunks) == len(lesson.parts) + 1
    assert "ប្រភព" in chunks[-1] and all("ប្រភព" not in p.text.km for p in lesson.parts)
    # Languages whose sections differ give no parts rather than mismatched ones.
    assert lesson_parts({"km": "a\n## x\nb", "en": "a"}) == ()


def test_a_narrator_records_a_part_and_an_admin_approves_it(
    client, as_user, narrator, users, converter, tmp_path
):
    module, lesson = first_lesson()
    target = narration.lesson_target(module.key, lesson.key, "s1")
    as_user(narrator)
    page = client.get(f"/narration/lesson/{module.key}/{lesson.key}?voice=km")
    assert page.status_code == 200
    assert "microphone=(self)" in page.headers["Permissions-Policy"]
    assert 'name="audio"' in page.get_data(as_text=True)
    response = post_recording(client, target, tone(tmp_path, 1.5))
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/narration/#part-s1")
    assert flashes(client) == [
        "Saved. Another narrator or an admin listens to it and approves it."
    ]
    saved = db.session.scalar(select(Narration))
    assert (saved.state, saved.locale, saved.mime) == ("pending", "km", "audio/ogg")
    assert 1400 <= saved.duration_ms <= 1700
    stored = audio.path_of(saved.sha256)
    assert stored.read_bytes()[:4] == b"OggS" and stored.stat().st_size == saved.size
    assert db.session.scalar(
        select(func.count()).where(AuditEvent.action == "narration.record")
    )
    # Not heard yet; and its narrator cannot approve it alone.
    assert narration.for_lesson(module, lesson, "km") == {}
    client.post(f"/narration/{saved.id}/review?lang=en", data={"decision": "approve"})
    assert flashes(client) == [
        "Another narrator or an admin must approve your recording."
    ]
    assert db.session.get(Narration, saved.id).state == "pending"
    client.post("/logout")
    as_user(users["admin"])
    client.post(
        f"/narration/{saved.id}/review",
        data={"decision": "approve", "back": "/narration/"},
    )
    assert db.session.get(Narration, saved.id).state == "approved"
    client.post("/logout")
    as_user(users["trainee"])
    html = client.get(f"/learn/{module.key}/{lesson.key}?lang=km").get_data(
        as_text=True
    )
    src = f"/audio/{saved.sha256}.ogg"
    assert html.count("<audio") == 1 and src in html
    assert 'preload="none"' in html and "autoplay" not in html
    assert "narration.js" in html and 'class="listen-all" hidden' in html
    # The player sits under its section's heading, before the section's text.
    heading = lesson.parts[1].title.km
    assert html.index(heading) < html.index(src) < html.index(lesson.parts[2].title.km)
    # In English nothing is narrated: the page is as before.
    english = client.get(f"/learn/{module.key}/{lesson.key}?lang=en").get_data(
        as_text=True
    )
    assert "<audio" not in english


def fetched(client, url, **headers):
    """GET a file and close the response (a sent file stays open until closed)."""
    response = client.get(url, headers=headers)
    response.get_data()
    response.close()
    return response


def test_the_file_is_served_in_ranges_cached_by_its_hash(
    client, as_user, narrator, users, converter, tmp_path
):
    module, lesson = first_lesson()
    target = narration.lesson_target(module.key, lesson.key, "s0")
    as_user(narrator)
    post_recording(client, target, tone(tmp_path, 2.0))
    saved = db.session.scalar(select(Narration))
    url = f"/audio/{saved.sha256}.ogg"
    client.post("/logout")
    as_user(users["trainee"])
    assert fetched(client, url).status_code == 404  # not approved: not for trainees
    narration.review(users["admin"], saved, approve=True)
    whole = fetched(client, url)
    assert whole.status_code == 200 and whole.mimetype == "audio/ogg"
    assert "immutable" in whole.headers["Cache-Control"]
    assert whole.headers["X-Content-Type-Options"] == "nosniff"
    part = fetched(client, url, Range="bytes=0-99")
    assert part.status_code == 206
    assert part.headers["Content-Range"] == f"bytes 0-99/{saved.size}"
    assert part.data == whole.data[:100]
    assert (
        fetched(client, url, **{"If-None-Match": f'"{saved.sha256}"'}).status_code
        == 304
    )
    client.post("/logout")
    assert fetched(client, url).status_code == 302  # signed out: to the sign-in page


def test_uploads_from_a_phones_recorder_are_converted(
    client, as_user, narrator, converter, tmp_path
):
    module, lesson = first_lesson()
    as_user(narrator)
    for n, (container, name) in enumerate((("m4a", "rec.m4a"), ("wav", "rec.wav"))):
        target = narration.lesson_target(module.key, lesson.key, f"s{n + 1}")
        raw = tone(tmp_path, 1.0, container)
        assert post_recording(client, target, raw, name=name).status_code == 302
        saved = db.session.scalar(select(Narration).where(Narration.target == target))
        assert saved.mime == "audio/ogg" and saved.size < len(raw)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "The file is empty. Record again."),
        (b"#!/bin/sh\nrm -rf /\n" * 50, "This file cannot be read as sound."),
        (
            b"<html><script>alert(1)</script></html>",
            "This file cannot be read as sound.",
        ),
    ],
)
def test_what_is_not_sound_is_refused_with_a_reason(
    client, as_user, narrator, converter, data, message
):
    module, lesson = first_lesson()
    as_user(narrator)
    target = narration.lesson_target(module.key, lesson.key, "s1")
    answer = post_recording(client, target, data, json=True)
    assert answer.status_code == 422
    assert answer.json["status"] == "refused"
    assert answer.json["message"].startswith(message)
    assert db.session.scalar(select(func.count()).select_from(Narration)) == 0
    assert not list(audio.folder().glob("*/*"))  # no file kept either


def test_refusals_are_in_the_narrators_language(client, as_user, narrator):
    module, lesson = first_lesson()
    as_user(narrator)
    target = narration.lesson_target(module.key, lesson.key, "s1")
    answer = post_recording(
        client, target, ogg_opus(2), seen="0" * 16, json=True, query="?lang=km"
    )
    assert answer.status_code == 422
    assert re.search("[\u1780-\u17ff]", answer.json["message"])


def test_a_recording_against_changed_text_is_refused(client, as_user, narrator):
    module, lesson = first_lesson()
    as_user(narrator)
    target = narration.lesson_target(module.key, lesson.key, "s1")
    post_recording(client, target, ogg_opus(2), seen="0123456789abcdef")
    assert flashes(client) == [
        "The text of this part changed after you opened the page. "
        "Read the new text and record it again."
    ]
    assert db.session.scalar(select(func.count()).select_from(Narration)) == 0


def test_too_long_and_too_large_are_refused(app, narrator):
    module, lesson = first_lesson()
    target = narration.lesson_target(module.key, lesson.key, "s1")
    part = narration.part_of(target)
    app.config["FFMPEG"] = "no-such-converter"
    with pytest.raises(narration.NarrationError) as long:
        narration.record(narrator, target, "km", part.text_hash("km"), ogg_opus(400))
    assert long.value.code == "too_long"
    with pytest.raises(narration.NarrationError) as short:
        narration.record(narrator, target, "km", part.text_hash("km"), ogg_opus(0.1))
    assert short.value.code == "too_short"
    big = b"OggS" + b"\0" * (app.config["NARRATION_MAX_UPLOAD_BYTES"] + 1)
    with pytest.raises(narration.NarrationError) as large:
        narration.record(narrator, target, "km", part.text_hash("km"), big)
    assert large.value.code == "too_large"


def test_without_ffmpeg_only_ogg_opus_is_kept(app, narrator):
    module, lesson = first_lesson()
    target = narration.lesson_target(module.key, lesson.key, "s1")
    part = narration.part_of(target)
    app.config["FFMPEG"] = "no-such-converter"
    kept = narration.record(narrator, target, "km", part.text_hash("km"), ogg_opus(3))
    assert kept.duration_ms == 3000
    with pytest.raises(narration.NarrationError) as refused:
        narration.record(
            narrator, target, "km", part.text_hash("km"), b"\x1aE\xdf\xa3" * 99
        )
    assert refused.value.code == "needs_converter"
    assert db.session.get(Narration, kept.id).sha256 == kept.sha256  # nothing lost


def test_a_changed_text_makes_the_recording_stale(client, as_user, narrator, users):
    module, lesson = first_lesson()
    target = narration.lesson_target(module.key, lesson.key, "s1")
    kept = approved_part(narrator, users["admin"], target)
    assert "s1" in narration.for_lesson(module, lesson, "km")
    # A reviewer corrects a paragraph of that section: the recording no longer matches.
    item = next(
        it
        for it in review.all_items()
        if it.group == module.key
        and it.part == lesson.key
        and it.key.endswith("#s1.b1")
    )
    review.edit(narrator, item.key, "អត្ថបទដែលបានកែតម្រូវថ្មី។")
    review.sync_catalog(client.application, force=True)
    module, lesson = first_lesson()
    assert "s1" not in narration.for_lesson(module, lesson, "km")
    assert narration.coverage([module], "km")[module.key].stale == 1
    as_user(narrator)
    page = client.get(f"/narration/lesson/{module.key}/{lesson.key}?voice=km&lang=en")
    assert "The text changed after this was recorded" in page.get_data(as_text=True)
    with pytest.raises(narration.NarrationError) as refused:
        narration.review(users["admin"], db.session.get(Narration, kept.id), True)
    assert refused.value.code == "stale"
    client.post("/logout")
    as_user(users["trainee"])
    html = client.get(f"/learn/{module.key}/{lesson.key}?lang=km").get_data(
        as_text=True
    )
    assert "<audio" not in html


def test_pages_without_narration_are_unchanged(client, as_user, users):
    module, lesson = first_lesson()
    as_user(users["trainee"])
    html = client.get(f"/learn/{module.key}/{lesson.key}?lang=km").get_data(
        as_text=True
    )
    assert lesson.html.km in html
    assert (
        "<audio" not in html and "narration.js" not in html and "listen-all" not in html
    )
    quiz = catalog().quiz(module.quiz_key)
    page = client.get(f"/quiz/{quiz.key}").get_data(as_text=True)
    assert "<audio" not in page and "choice-number" not in page


def test_a_narrated_question_reads_its_choices_in_order(
    client, as_user, narrator, users
):
    module, _lesson = first_lesson()
    quiz = catalog().quiz(module.quiz_key)
    question = next(q for q in quiz.questions if len(q.choices) > 2)
    target = narration.quiz_target(quiz.key, question.key)
    part = narration.part_of(target)
    assert "1. " + question.choices[0].text.km in part.text.km
    kept = narration.record(narrator, target, "km", part.text_hash("km"), ogg_opus(4))
    narration.review(users["admin"], kept, approve=True)
    as_user(users["trainee"])
    html = client.get(f"/quiz/{quiz.key}?lang=km").get_data(as_text=True)
    block = html.split(f'id="{question.key}"', 1)[1].split("</fieldset>", 1)[0]
    assert f"/audio/{kept.sha256}.ogg" in block
    shown = re.findall(r'value="([a-z0-9]+)"', block)
    assert shown == [c.key for c in question.choices]  # file order, numbered
    assert block.count('class="choice-number"') == len(question.choices)
    assert html.count("<audio") == 1


def test_saved_modules_carry_their_recordings_and_size(
    client, as_user, narrator, users
):
    module, lesson = first_lesson()
    target = narration.lesson_target(module.key, lesson.key, "s2")
    part = narration.part_of(target)
    kept = narration.record(narrator, target, "km", part.text_hash("km"), ogg_opus(2))
    url = f"/audio/{kept.sha256}.ogg"
    assert offline.allowed(url)
    as_user(users["trainee"])
    before = client.get("/learn/offline/modules.json?lang=km").json
    listed = next(m for m in before["modules"] if m["key"] == module.key)
    assert url not in listed["urls"]  # pending: not for trainees
    narration.review(users["admin"], kept, approve=True)
    after = client.get("/learn/offline/modules.json?lang=km").json
    saved = next(m for m in after["modules"] if m["key"] == module.key)
    assert url in saved["urls"] and saved["version"] != listed["version"]
    page = client.get("/learn/offline?lang=km").get_data(as_text=True)
    row = page.split(f'data-module="{module.key}"', 1)[1].split("</li>", 1)[0]
    assert 'class="hint audio-size"' in row and "១ KB" in row  # at least 1 KB shown


def test_coverage_per_module_on_the_content_page(client, as_user, narrator, users):
    module, lesson = first_lesson()
    target = narration.lesson_target(module.key, lesson.key, "s1")
    part = narration.part_of(target)
    kept = narration.record(narrator, target, "km", part.text_hash("km"), ogg_opus(2))
    cov = narration.coverage([module], "km")[module.key]
    assert (cov.approved, cov.pending, cov.stale) == (0, 1, 0)
    quiz = catalog().quiz(module.quiz_key)
    assert cov.total == sum(len(x.parts) for x in module.lessons) + len(quiz.questions)
    narration.review(users["admin"], kept, approve=True)
    as_user(users["admin"])
    html = client.get("/admin/content?lang=en").get_data(as_text=True)
    assert f"1 of {cov.total} parts" in html


def test_delete_removes_the_file_it_alone_used(app, narrator):
    module, lesson = first_lesson()
    target = narration.lesson_target(module.key, lesson.key, "s1")
    part = narration.part_of(target)
    app.config["FFMPEG"] = "no-such-converter"
    first = narration.record(narrator, target, "km", part.text_hash("km"), ogg_opus(2))
    old = audio.path_of(first.sha256)
    assert old.exists()
    again = narration.record(narrator, target, "km", part.text_hash("km"), ogg_opus(3))
    assert not old.exists()  # re-recorded: the old take is gone
    assert db.session.scalar(select(func.count()).select_from(Narration)) == 1
    narration.delete(narrator, again)
    assert not audio.path_of(again.sha256).exists()


def test_facilitators_play_the_narration_on_the_projector(
    client, as_user, narrator, users, places
):
    module, lesson = first_lesson()
    target = narration.lesson_target(module.key, lesson.key, "s1")
    kept = approved_part(narrator, users["admin"], target)
    workshop = make_workshop(
        users["facilitator"], places["pursat_a"], modules=[module.key]
    )
    as_user(users["facilitator"])
    html = client.get(
        f"/workshops/{workshop.id}/present/{module.key}/{lesson.key}?lang=km"
    ).get_data(as_text=True)
    assert f"/audio/{kept.sha256}.ogg" in html and "narration.js" in html
    assert html.count("<audio") == 1


def test_hostile_fields_are_refused_without_leaving_the_site(client, as_user, narrator):
    as_user(narrator)
    data = {
        "target": "lesson:../../etc/passwd#s1\r\nSet-Cookie: x=1",
        "locale": "km",
        "text_hash": "0" * 16,
        "back": "https://evil.example/narration/",
        "audio": (BytesIO(ogg_opus(2)), "a.ogg"),
    }
    response = client.post(
        "/narration/record?lang=en", data=data, content_type="multipart/form-data"
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/narration/"
    assert flashes(client) == [
        "This part is no longer in the curriculum. Reload the page."
    ]
    data["audio"] = (BytesIO(ogg_opus(2)), "a.ogg")
    data["text_hash"] = "0" * 500
    client.post(
        "/narration/record?lang=en", data=data, content_type="multipart/form-data"
    )
    assert flashes(client) == ["The form was incomplete. Reload the page."]
    assert db.session.scalar(select(func.count()).select_from(Narration)) == 0
