"""Largest contentful paint of a lesson on a phone's first visit (issue 18).

With Lighthouse when it runs here: `npx --yes lighthouse@12.8.2` (the last release for
Debian 12's Node 20; BENCH_LIGHTHOUSE names another command), Debian's Chromium
(CHROME_PATH), its default mobile preset (simulated throttling: 150 ms RTT, 1.6 Mbps down,
750 kbps up, CPU slowed 4x, a Moto G Power's 412x823 screen), the performance category
only; the signed-in trainee's cookie goes in --extra-headers. Lighthouse clears the cache
and any service worker first, so every run is a first visit. Its figures: LCP, bytes
transferred (total-byte-weight) and the requests made (network-requests).

When Lighthouse cannot run, the same conditions are emulated in Chromium with Playwright
over CDP (Network.emulateNetworkConditions, Emulation.setCPUThrottlingRate 4, a 412x823
viewport), LCP read from a PerformanceObserver of 'largest-contentful-paint' entries. The
method is printed with the figures: emulated throttling is slower than Lighthouse's
simulation for the same page (it really waits for every round trip).
"""

import json
import os
import shlex
import shutil
import subprocess
import tempfile
import time

from curriculum.bench.offline_browser import CHROMIUM_ARGS, chromium_executable

LIGHTHOUSE = "lighthouse@12.8.2"
RUNS = 2
LABELS = (
    ("LCP ms", "lcp_ms"),
    ("FCP ms", "fcp_ms"),
    ("bytes", "bytes"),
    ("requests", "requests"),
)


def lighthouse_command() -> list[str] | None:
    """The command that runs Lighthouse, or None when neither it nor npx is here."""
    if os.environ.get("BENCH_LIGHTHOUSE"):
        return shlex.split(os.environ["BENCH_LIGHTHOUSE"])
    if shutil.which("npx") and shutil.which("node"):
        return [shutil.which("npx"), "--yes", LIGHTHOUSE]
    return None


def lighthouse_run(command: list[str], url: str, cookie: str, chrome: str) -> dict:
    """One Lighthouse run in the mobile preset; its LCP, bytes and requests."""
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "report.json")
        subprocess.run(  # noqa: S603 - a fixed command line of ours
            [
                *command,
                url,
                "--only-categories=performance",
                "--output=json",
                f"--output-path={out}",
                "--quiet",
                "--chrome-flags=--headless " + " ".join(CHROMIUM_ARGS),
                "--extra-headers="
                + json.dumps({"Cookie": cookie, "Accept-Language": "km"}),
            ],
            env=dict(os.environ, CHROME_PATH=chrome),
            capture_output=True,
            text=True,
            timeout=300,
            check=True,
        )
        with open(out) as fh:
            report = json.load(fh)
    if report.get("runtimeError"):  # e.g. the page answered 503: no figures to trust
        raise ValueError(report["runtimeError"].get("message", "runtime error"))
    audits = report["audits"]
    items = audits["network-requests"]["details"]["items"]
    lcp_parts = audits["largest-contentful-paint-element"]["details"]["items"]
    phases = {p["phase"]: round(p["timing"]) for p in lcp_parts[-1]["items"]}
    return {
        "lcp_ms": audits["largest-contentful-paint"]["numericValue"],
        "fcp_ms": audits["first-contentful-paint"]["numericValue"],
        "bytes": int(audits["total-byte-weight"]["numericValue"]),
        "requests": len(items),
        "score": report["categories"]["performance"]["score"],
        "lcp_phases": phases,
        "resources": [
            f"{item.get('transferSize', 0)} {item['url'].split('//', 1)[-1]}"
            for item in items
        ],
    }


LCP_OBSERVER = """
window.__lcp = 0;
new PerformanceObserver(function (list) {
  list.getEntries().forEach(function (e) { window.__lcp = e.startTime; });
}).observe({ type: "largest-contentful-paint", buffered: true });
"""


def emulated_run(url: str, cookie: str, chrome: str) -> dict:
    """One first visit in Chromium with Lighthouse's mobile conditions emulated over CDP."""
    from playwright.sync_api import sync_playwright

    responses = []
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=chrome, headless=True, args=CHROMIUM_ARGS
        )
        context = browser.new_context(
            viewport={"width": 412, "height": 823},
            device_scale_factor=1.75,
            is_mobile=True,
            has_touch=True,
            extra_http_headers={"Cookie": cookie, "Accept-Language": "km"},
        )
        page = context.new_page()
        cdp = context.new_cdp_session(page)
        cdp.send("Network.enable")
        cdp.send(
            "Network.emulateNetworkConditions",
            {
                "offline": False,
                "latency": 150,
                "downloadThroughput": 1.6 * 1024 * 1024 / 8,
                "uploadThroughput": 750 * 1024 / 8,
            },
        )
        cdp.send("Emulation.setCPUThrottlingRate", {"rate": 4})
        page.add_init_script(LCP_OBSERVER)  # CDP's own script: the CSP does not apply
        page.on("requestfinished", lambda request: responses.append(request))
        page.goto(url, wait_until="load")
        time.sleep(3)  # the manifest, the icons, the service worker's start
        lcp = page.evaluate("window.__lcp")
        fcp = page.evaluate(
            "(performance.getEntriesByName('first-contentful-paint')[0] || {}).startTime"
        )
        sizes = [(r, r.sizes()) for r in responses]
        browser.close()
    return {
        "lcp_ms": lcp,
        "fcp_ms": fcp or 0,
        "bytes": sum(
            s["responseHeadersSize"] + s["responseBodySize"] for _, s in sizes
        ),
        "requests": len(sizes),
        "score": None,
        "lcp_phases": {},
        "resources": [
            f"{s['responseHeadersSize'] + s['responseBodySize']} {r.url.split('//', 1)[-1]}"
            for r, s in sizes
        ],
    }


def run_first_visit(base: str, path: str, cookie: str, runs: int = RUNS) -> dict:
    """LCP, bytes and requests of a lesson's first visit: Lighthouse, else emulated."""
    chrome = chromium_executable()
    if chrome is None:
        return {"skipped": "Chromium is not installed"}
    url = base + path
    command = lighthouse_command()
    method, why, results = "", "", []
    if command:
        try:
            results = [
                lighthouse_run(command, url, cookie, chrome) for _ in range(runs)
            ]
            method = f"Lighthouse {LIGHTHOUSE.split('@')[1]}, mobile preset (simulated)"
        except (subprocess.SubprocessError, OSError, KeyError, ValueError) as error:
            why = f"Lighthouse failed ({str(error)[:160]})"
    else:
        why = "neither BENCH_LIGHTHOUSE nor npx"
    if not results:
        try:
            results = [emulated_run(url, cookie, chrome) for _ in range(runs)]
        except Exception as error:  # noqa: BLE001 - reported, the bench goes on
            return {"skipped": f"{why}; Playwright failed too: {error}"[:300]}
        method = f"CDP emulation of the mobile preset in Playwright ({why})"
    return summarise(method, results)


def summarise(method: str, runs: list[dict]) -> dict:
    """The best LCP of the runs (others on the machine only slow a run down), the most
    bytes and requests of any run, and the range of each figure."""
    figures = {
        "method": method,
        "runs": runs,
        "lcp_ms": min(r["lcp_ms"] for r in runs),
        "bytes": max(r["bytes"] for r in runs),
        "requests": max(r["requests"] for r in runs),
        "ranges": {
            key: [min(r[key] for r in runs), max(r[key] for r in runs)]
            for key in ("lcp_ms", "fcp_ms", "bytes", "requests")
        },
    }
    return figures


def print_first_visit(figures: dict) -> None:
    """Print the LCP, bytes and requests of the first visit, with their ranges."""
    if not figures:
        return
    if "skipped" in figures:
        print(f"\nLesson's first visit on a phone: not measured ({figures['skipped']})")
        return
    ranges = figures["ranges"]
    print(f"\nLesson's first visit on a phone ({figures['method']}):")
    for label, key in LABELS:
        low, high = ranges[key]
        print(f"  {label:<10}{low:>8.0f} - {high:<8.0f}")
    for line in figures["runs"][0]["resources"]:
        print(f"    {line}")
