"""A reviewer narrates a lesson from a phone; a trainee listens to it, online and offline."""

import shutil
import subprocess

import pytest

from tests.browser.conftest import unavailable

pytestmark = pytest.mark.browser

NARRATOR = "reviewer"  # the demo reviewer: staff who may narrate
APPROVER = "admin"
TRAINEE = "chief"  # a trainee whose path has the local leaders' module

PLAYING = """index => {
  const audio = document.querySelectorAll('figure.narration audio')[index];
  return audio && !audio.paused && audio.currentTime > 0.2;
}"""


def phone_recording(folder) -> str:
    """Return the path of a short M4A, as an Android phone's recorder makes."""
    tool = shutil.which("ffmpeg")
    if tool is None:
        unavailable("ffmpeg is not installed (apt-get install ffmpeg)")
    path = folder / "phone-recording.m4a"
    subprocess.run(  # noqa: S603 - the test's own fixed command
        [
            tool,
            "-loglevel",
            "error",
            "-f",
            "lavfi",
            "-i",
            "sine=frequency=330:duration=1.5",
        ]
        + ["-c:a", "aac", "-y", str(path)],
        check=True,
    )
    return str(path)


def test_a_reviewer_narrates_a_lesson_and_a_trainee_listens_online_and_offline(
    open_phone, content, km, tmp_path
):
    module = next(m for m in content.modules if m.key == "local-leaders")
    lesson = module.lessons[1]
    first, second = lesson.parts[0], lesson.parts[1]
    narrator = open_phone("narrator")
    page = narrator.page
    narrator.sign_in(NARRATOR)
    narrator.goto("/narration/")
    narrator.follow(page.locator("a", has_text=lesson.title.km))
    narrator.step("parts")

    # The first part with the browser's recorder: record, stop, listen, save.
    section = page.locator(f"#part-{first.key}")
    buttons = section.locator(".recorder-live button")  # record, stop, save, again
    buttons.nth(0).click()
    page.wait_for_timeout(1500)
    buttons.nth(1).click()
    section.locator(".recorder-live audio").wait_for(state="visible")
    narrator.step("take")
    buttons.nth(2).click()  # sent by the script, which then reloads the page
    page.locator("p.flash").wait_for()
    page.wait_for_load_state("load")
    saved = km("Saved. Another narrator or an admin listens to it and approves it.")
    assert narrator.flash() == [saved]
    waiting = km("Waiting for another narrator or an admin to listen and approve.")
    assert waiting in page.locator(f"#part-{first.key} .narration-state").inner_text()
    narrator.step("recorded")

    # The second from a file the phone's own recorder made.
    form = page.locator(f"#part-{second.key} form.recorder")
    form.locator("input[type=file]").set_input_files(phone_recording(tmp_path))
    narrator.follow(form.locator(".recorder-file button"))
    assert narrator.flash() == [saved]

    # An admin listens and approves both.
    admin = open_phone("admin")
    admin.sign_in(APPROVER)
    admin.goto(f"/narration/lesson/{module.key}/{lesson.key}")
    for part in (first, second):
        admin.follow(admin.page.locator(f"#part-{part.key} button[value=approve]"))
        assert admin.flash() == [km("Approved. Trainees hear it now.")]
    admin.step("approved")

    # The trainee listens: one player per narrated part, and the whole lesson in order.
    trainee = open_phone("trainee", trainee=True)
    tpage = trainee.page
    trainee.sign_in(TRAINEE)
    trainee.goto(f"/learn/{module.key}/{lesson.key}")
    assert tpage.locator("figure.narration audio").count() == 2
    assert tpage.locator("audio[autoplay]").count() == 0
    trainee.step("lesson-narrated")
    tpage.locator(".listen-all button").click()
    tpage.wait_for_function(PLAYING, arg=0)
    assert tpage.locator("figure.narration.playing").count() == 1
    tpage.wait_for_function(PLAYING, arg=1, timeout=10_000)  # the next one follows
    trainee.step("listening")
    tpage.locator(".listen-all button").click()  # stop
    assert tpage.evaluate(
        "[...document.querySelectorAll('figure.narration audio')].every(a => a.paused)"
    )

    # Saved on the phone with its recordings (their size shown first), heard offline.
    trainee.goto("/learn/offline")
    tpage.evaluate("navigator.serviceWorker.ready.then(() => true)")
    trainee.goto("/learn/offline")
    row = tpage.locator(f"[data-module='{module.key}']")
    assert "KB" in row.locator(".audio-size").inner_text()
    state = row.locator(".saved-state")
    tpage.wait_for_function(
        "el => el.textContent.trim() !== ''", arg=state.element_handle()
    )
    row.locator("button.save").click()
    tpage.wait_for_function(
        "key => caches.keys().then(ks => ks.some(k => k.startsWith('module-' + key)))",
        arg=module.key,
    )
    tpage.wait_for_function(
        "el => /KB|MB/.test(el.textContent)", arg=state.element_handle()
    )
    cached = tpage.evaluate(
        """async () => {
          const urls = [];
          for (const name of await caches.keys()) {
            for (const r of await (await caches.open(name)).keys()) urls.push(r.url);
          }
          return urls.filter(u => u.includes('/audio/')).length;
        }"""
    )
    assert cached == 2
    trainee.context.set_offline(True)
    trainee.goto(f"/learn/{module.key}/{lesson.key}")
    assert tpage.locator("figure.narration audio").count() == 2
    tpage.locator("figure.narration audio").nth(1).evaluate("a => a.play()")
    tpage.wait_for_function(PLAYING, arg=1)
    trainee.step("offline-listening", audit=False)
    trainee.context.set_offline(False)
