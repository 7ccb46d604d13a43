"""The offline figures of `make bench`: bytes of a whole track, once per URL, allowed only."""

import gzip
import http.client
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import brotli
import pytest

from curriculum.bench import offline as bench
from curriculum.bench import offline_browser as browser_half
from curriculum.services import offline

# Flask-Compress compresses a static file as a stream (for "br"/"zstd") and replaces the
# response's iterable, so the file it read is left to the garbage collector to close: a
# ResourceWarning, which setup.cfg turns into an error. Only that warning is ignored.
pytestmark = pytest.mark.filterwarnings(
    r"ignore:Exception ignored in. <_io.FileIO name='[^']*/static/"
    ":pytest.PytestUnraisableExceptionWarning"
)


def recording(get):
    """Wrap a getter: keep each path asked and the body it returned."""
    seen = []

    def wrapped(path):
        status, headers, body = get(path)
        seen.append((path, status, dict(headers), body))
        return status, headers, body

    return wrapped, seen


def listing_of(client) -> dict:
    response = client.get("/learn/offline/modules.json")
    assert response.status_code == 200
    return json.loads(response.get_data())


def plain_length(headers: dict, body: bytes) -> int:
    encoding = headers.get("Content-Encoding")
    if encoding == "br":
        return len(brotli.decompress(body))
    if encoding == "gzip":
        return len(gzip.decompress(body))
    if encoding == "zstd":
        from backports import zstd

        return len(zstd.decompress(body))
    assert encoding is None, encoding
    return len(body)


def test_a_track_costs_the_bytes_of_each_listed_url_once(users, as_user):
    client = as_user(users["trainee"])
    listing = listing_of(client)
    urls = set(listing["common"]) | {u for m in listing["modules"] for u in m["urls"]}
    assert len(listing["modules"]) > 1 and len(urls) > 20
    # The common URLs again in every module, and one module twice: still once each.
    doubled = dict(listing)
    doubled["modules"] = [
        {**m, "urls": m["urls"] + listing["common"]} for m in listing["modules"]
    ] + [listing["modules"][0]]
    get, seen = recording(bench.client_getter(client))

    cost = bench.track_cost("police", doubled, get, "trainee")

    asked = [path for path, *_ in seen]
    assert sorted(asked) == sorted(urls)  # every URL, none twice
    assert cost.urls == len(urls)
    assert cost.wire_bytes == sum(len(body) for *_, body in seen)
    assert cost.plain_bytes == sum(plain_length(h, body) for *_, h, body in seen)
    assert all(status == 200 for _, status, *_ in seen) and cost.failed == []
    # Pages and scripts go compressed, as the server sends them to Chrome on Android.
    assert any(h.get("Content-Encoding") == "br" for _, _, h, _ in seen)
    assert cost.wire_bytes < cost.plain_bytes


def test_a_url_the_allow_list_refuses_is_never_fetched(users, as_user):
    client = as_user(users["trainee"])
    listing = listing_of(client)
    hostile = ["/committee/", "/reports/", "/learn/vetting", "/account", "/admin/users"]
    assert not any(offline.allowed(url) for url in hostile)
    listing["common"] = listing["common"] + hostile[:2]
    listing["modules"][0]["urls"] = listing["modules"][0]["urls"] + hostile[2:]
    get, seen = recording(bench.client_getter(client))

    cost = bench.track_cost("police", listing, get)

    assert not {path for path, *_ in seen} & set(hostile)
    assert sorted(cost.refused) == sorted(hostile)
    assert cost.urls == len(seen)


def test_the_getter_asks_as_chrome_on_android():
    asked = {}

    class Client:
        def get(self, path, headers):
            asked.update(headers)

            class Response:
                status_code = 200
                headers = {}

                def get_data(self):
                    return b""

                def close(self):
                    pass

            return Response()

    bench.client_getter(Client())("/learn/")
    assert asked["Accept-Encoding"] == "gzip, deflate, br, zstd"


def test_a_first_visit_counts_the_page_its_files_and_the_fonts_of_its_css(
    users, as_user
):
    client = as_user(users["trainee"])
    module = listing_of(client)["modules"][0]
    lesson = next(u for u in module["urls"] if u.count("/") == 3)
    get, seen = recording(bench.client_getter(client))

    cost = bench.first_visit(lesson, get)

    asked = [path for path, *_ in seen]
    assert asked[0] == lesson and len(asked) == len(set(asked))
    assert any(p.startswith("/static/app.css") for p in asked)
    assert any(p.startswith("/static/fonts/") for p in asked)
    # Links a person would follow (the next lesson, the menu) are not part of the visit.
    assert [p for p in asked if p.startswith("/learn/")] == [lesson]
    assert cost.wire_bytes == sum(len(body) for *_, body in seen)


@pytest.mark.parametrize(
    ("encoding", "pack"),
    [
        (None, lambda b: b),
        ("br", brotli.compress),
        ("gzip", gzip.compress),
    ],
)
def test_decoded_length_undoes_the_content_encoding(encoding, pack):
    body = "ផ្ទះសុវត្ថិភាព ".encode() * 50
    assert bench.decoded_length(pack(body), encoding) == len(body)


def test_decoded_length_refuses_an_unknown_encoding():
    with pytest.raises(ValueError, match="compress"):
        bench.decoded_length(b"x", "compress")


def test_the_proxy_counts_what_the_server_sends():
    body = b"x" * 12345

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    proxy = bench.CountingProxy(f"http://127.0.0.1:{server.server_address[1]}")
    try:
        port = int(proxy.url.rsplit(":", 1)[1])
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        conn.request("GET", "/learn/x")
        response = conn.getresponse()
        head = sum(len(k) + len(v) + 4 for k, v in response.getheaders())
        assert response.read() == body
        conn.close()
        server.shutdown()
        seen = proxy.seen()
        assert [line for line, _ in seen] == ["GET /learn/x"]
        sent = seen[0][1]
        assert len(body) + head < sent < len(body) + head + 100  # status line, CRLFs
    finally:
        proxy.close()
        server.server_close()


def test_without_chromium_the_browser_figures_are_skipped_and_say_why(
    monkeypatch, capsys
):
    monkeypatch.setattr(browser_half, "chromium_executable", lambda: None)
    repeat = bench.repeat_visits("http://127.0.0.1:9", "u", "p", "m", "/learn/m/l")
    assert "chromium is not installed" in repeat["skipped"]
    bench.print_table(
        {
            "accept_encoding": bench.ACCEPT_ENCODING,
            "tracks": [bench.asdict(bench.Cost("police", urls=3, wire_bytes=10))],
            "first_visit": None,
            "repeat": repeat,
        }
    )
    printed = capsys.readouterr().out
    assert "save track offline: police" in printed
    assert "skipped: chromium is not installed" in printed
    assert " met" not in printed
