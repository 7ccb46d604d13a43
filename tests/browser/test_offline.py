"""Offline mode on a phone: save a module, read and answer it offline, sync, sign out."""

import sqlite3

import pytest

from curriculum.services import offline

pytestmark = pytest.mark.browser

TRAINEE = "health"  # not the journey test's trainee: both share one server

CACHED_URLS = """async () => {
  const urls = [];
  for (const name of await caches.keys()) {
    const cache = await caches.open(name);
    for (const request of await cache.keys()) urls.push(new URL(request.url).pathname);
  }
  return urls;
}"""


def attempts(database, quiz_key: str) -> int:
    with sqlite3.connect(database) as connection:
        return connection.execute(
            "SELECT count(*) FROM quiz_attempts a JOIN users u ON u.id = a.user_id"
            " WHERE u.username = ? AND a.quiz_key = ?",
            (TRAINEE, quiz_key),
        ).fetchone()[0]


def outbox(page) -> list:
    return page.evaluate("JSON.parse(localStorage.getItem('outbox') || '[]')")


def test_a_trainee_reads_and_answers_offline_and_it_counts_once(
    open_phone, live_server, content
):
    phone = open_phone("trainee", trainee=True)
    page = phone.page
    phone.sign_in(TRAINEE)
    phone.goto("/learn/offline?lang=en")
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    phone.goto("/learn/offline?lang=en")  # now under the service worker
    listing = page.evaluate("fetch('/learn/offline/modules.json').then(r => r.json())")
    module = listing["modules"][0]
    row = page.locator(f"[data-module='{module['key']}']")
    row.locator("button.save").click()
    page.wait_for_function(
        "key => caches.keys().then(ks => ks.some(k => k.startsWith('module-' + key)))",
        arg=module["key"],
    )
    row.locator("button.remove").wait_for(state="visible")
    phone.step("saved")

    # Nothing but the allow-list is kept, whatever the trainee opened before.
    page.goto("/learn/vetting")
    cached = page.evaluate(CACHED_URLS)
    assert cached and all(offline.allowed(path) for path in cached), cached
    assert not [p for p in cached if "vetting" in p or p.startswith("/committee")]

    lesson_url = next(u for u in module["urls"] if u.count("/") == 3)
    quiz_url = next(u for u in module["urls"] if u.startswith("/quiz/"))
    quiz = content.quiz(quiz_url.rsplit("/", 1)[1])
    phone.context.set_offline(True)
    response = page.goto(lesson_url)
    assert response.ok and response.from_service_worker
    page.locator("#offline-banner").wait_for(state="visible")
    phone.step("lesson-offline")
    # A repeat visit to a saved lesson costs 0 bytes from the network.
    network = []
    page.on("requestfinished", lambda r: network.append(r))
    page.goto(lesson_url)
    assert all(
        r.response() is None or r.response().from_service_worker for r in network
    )

    page.goto(quiz_url)
    for question in quiz.questions:
        for key in sorted(question.correct):
            page.check(f"input[name='q-{question.key}'][value='{key}']")
    page.locator("form.quiz input[type=submit][name=submit]").click()
    page.locator("#offline-queue li.queue-waiting").wait_for()
    assert [item["state"] for item in outbox(page)] == ["waiting"]
    phone.step("quiz-waiting")
    assert attempts(live_server.database, quiz.key) == 0

    phone.context.set_offline(False)
    page.evaluate("window.dispatchEvent(new Event('online'))")
    page.locator("#offline-queue li.queue-sent a").wait_for()
    phone.step("quiz-sent")
    for _ in range(3):  # replays count once
        page.evaluate(
            "localStorage.setItem('outbox', JSON.stringify(JSON.parse("
            "localStorage.getItem('outbox')).map(i => ({...i, state: 'waiting'}))))"
        )
        page.evaluate("window.offlineQueue.send()")
    page.wait_for_function(
        "JSON.parse(localStorage.getItem('outbox')).every(i => i.state === 'sent')"
    )
    assert attempts(live_server.database, quiz.key) == 1

    # Signing out on a shared phone clears the saved pages and the queue.
    phone.goto(lesson_url)
    phone.sign_out()
    assert "/login" in page.url and phone.flash()
    assert page.evaluate("caches.keys()") == [] or not [
        k for k in page.evaluate("caches.keys()") if k.startswith("module-")
    ]
    assert page.evaluate("localStorage.getItem('outbox')") is None
    phone.step("signed-out")
