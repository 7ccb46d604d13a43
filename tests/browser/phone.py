"""A phone: one person's browser context at 360 px in Khmer, with screenshots and audits."""

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from curriculum.i18n import KHMER_DIGITS
from tests.browser.axe import Audit, axe_findings, tap_target_findings
from tests.browser.live_server import LiveServer

VIEWPORT = {"width": 360, "height": 740}
BROWSER_LOCALE = "km-KH"
TIMEZONE = "Asia/Phnom_Penh"


@dataclass
class Rig:
    """What the phones of one test share: the server, the audit, the screenshots."""

    server: LiveServer
    audit: Audit
    axe_js: str
    folder: Path
    counter: Iterator[int]


class Phone:
    """One person's phone: a browser context with its own cookies and storage."""

    def __init__(self, rig: Rig, context, name: str, *, trainee: bool, js: bool):
        self.rig = rig
        self.server = rig.server
        self.folder = rig.folder
        self.context = context
        self.page = context.new_page()
        self.name = name
        self.trainee = trainee  # measure tap targets too
        self.js = js

    def tab(self, name: str) -> "Phone":
        """Open another tab on the same phone (same cookies, same session)."""
        return Phone(self.rig, self.context, name, trainee=self.trainee, js=self.js)

    @property
    def path(self) -> str:
        """Return the path and query of the page shown."""
        return self.page.url.removeprefix(self.server.url)

    def goto(self, path: str, status: int = 200):
        """Open a page of the application and check the status of the response."""
        response = self.page.goto(path)
        assert response is not None and response.status == status, (
            f"GET {path}: {response.status if response else 'no response'}"
        )
        return response

    def step(self, name: str, audit: bool = True) -> None:
        """Keep a screenshot of the page and check its accessibility."""
        self.page.wait_for_load_state("load")
        number = next(self.rig.counter)
        self.page.screenshot(
            path=self.folder / f"{number:02d}-{self.name}-{name}.png", full_page=True
        )
        if audit:
            # axe-core waits on timers, which do not run without JavaScript: the
            # pages of a phone without it are the same HTML, audited on the others.
            findings = axe_findings(self.page, self.rig.axe_js) if self.js else []
            if self.trainee:
                findings += tap_target_findings(self.page)
            self.rig.audit.review(self.path, findings)

    def follow(self, locator) -> None:
        """Click a link or a button and wait for the page it leads to."""
        with self.page.expect_navigation():
            locator.click()

    def sign_in(self, username: str) -> None:
        """Sign in through the form, as a person would."""
        self.goto("/login")
        self.page.fill("#username", username)
        self.page.fill("#password", self.server.passwords[username])
        self.follow(self.page.locator("form.card [type=submit]"))
        assert "/login" not in self.page.url, f"{username} could not sign in"

    def sign_out(self) -> None:
        """Sign out with the button in the menu."""
        self.follow(self.page.locator("nav.menu form button[type=submit]"))

    def flash(self) -> list[str]:
        """Return the texts of the messages shown at the top of the page."""
        return [text.strip() for text in self.page.locator("p.flash").all_inner_texts()]


def digits(value) -> str:
    """Return a number as the Khmer pages write it, in Khmer digits."""
    return str(value).translate(KHMER_DIGITS)
