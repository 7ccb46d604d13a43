"""Accessibility checks: axe-core violations, tap targets, and the known-defect list."""

import re
from dataclasses import dataclass

import pytest

MIN_TARGET = 44  # CSS pixels, each side of a tap target


# -- defects found by these tests, reported to the maintainer --------------------------


@dataclass(frozen=True)
class Defect:
    """A defect reported to the maintainer (template, CSS or view): xfail till fixed."""

    rule: str  # an axe-core rule id, "tap-target", or a behaviour
    target: str  # regular expression searched in the element's description
    reason: str  # what is wrong and how to fix it
    path: str = ".*"  # regular expression searched in the page's path


# Found by these tests on 2026-11-28; each names the file to change. Delete an entry
# once it is fixed (the test then passes instead of ending as xfail).
KNOWN_DEFECTS: list["Defect"] = []  # all fixed on 2026-11-28


@dataclass(frozen=True)
class Finding:
    """One problem on one page: an axe-core violation or a small tap target."""

    rule: str
    target: str
    detail: str

    def __str__(self) -> str:
        return f"{self.rule}: {self.target} ({self.detail})"


class Audit:
    """Collect a test's findings: unknown ones fail at once, known ones at the end."""

    def __init__(self) -> None:
        self.seen: dict[Defect, list[str]] = {}

    def review(self, path: str, findings: list[Finding]) -> None:
        """Fail on any finding that is not a known defect; remember the known ones."""
        unknown = []
        for finding in findings:
            defect = _known_defect(path, finding)
            if defect is None:
                unknown.append(finding)
            else:
                self.seen.setdefault(defect, []).append(path)
        assert not unknown, f"accessibility problems on {path}:\n" + "\n".join(
            f"  - {finding}" for finding in unknown
        )

    def expect(self, ok: bool, defect: Defect, where: str) -> None:
        """Record a known behavioural defect when `ok` is false."""
        if not ok:
            self.seen.setdefault(defect, []).append(where)

    def finish(self) -> None:
        """End the test as xfail, naming each known defect it met."""
        if self.seen:
            pytest.xfail(
                "; ".join(
                    f"{defect.rule} ({_pages(paths)}): {defect.reason}"
                    for defect, paths in self.seen.items()
                )
            )


def _pages(paths: list[str]) -> str:
    distinct = sorted(set(paths))
    if len(distinct) <= 2:
        return ", ".join(distinct)
    return f"{len(distinct)} pages, e.g. {distinct[0]}"


def _known_defect(path: str, finding: Finding) -> Defect | None:
    for defect in KNOWN_DEFECTS:
        if (
            defect.rule == finding.rule
            and re.search(defect.target, finding.target)
            and re.search(defect.path, path)
        ):
            return defect
    return None


# -- what the browser measures ---------------------------------------------------------

AXE_RUN = "() => axe.run(document, {resultTypes: ['violations']})"

# Every visible control; a radio button or checkbox is measured with its label, which
# takes the tap too. A link with words right before or after it, inside a sentence, is
# exempt (WCAG 2.5.8, "inline"), like the glossary terms of a lesson.
SMALL_TARGETS = r"""(min) => {
  const describe = (el) => {
    const parts = [];
    for (let n = el; n && n !== document.body && parts.length < 4;
         n = n.parentElement) {
      let s = n.tagName.toLowerCase();
      if (n.id) { parts.unshift(s + '#' + n.id); break; }
      if (n.classList.length) s += '.' + [...n.classList].join('.');
      if (n === el && n.tagName === 'A') s += '[href="' + n.getAttribute('href') + '"]';
      parts.unshift(s);
    }
    return parts.join(' > ');
  };
  const inSentence = (el) => {
    if (el.tagName !== 'A') return false;
    let n = el;
    while (['STRONG', 'EM', 'B', 'I', 'SMALL', 'CODE', 'MARK']
           .includes(n.parentElement.tagName)) n = n.parentElement;
    const text = (node) => (node && node.nodeType === Node.TEXT_NODE ? node.data : '');
    return /\p{L}/u.test(text(n.previousSibling) + text(n.nextSibling));
  };
  const small = [];
  const controls =
    'a[href], button, input:not([type=hidden]), select, textarea, summary';
  for (const el of document.querySelectorAll(controls)) {
    let target = el;
    if (el.type === 'radio' || el.type === 'checkbox') {
      target = el.closest('label') || (el.labels && el.labels[0]) || el;
    }
    const box = target.getBoundingClientRect();
    const style = getComputedStyle(el);
    if (!box.width || !box.height || style.visibility === 'hidden') continue;
    if (box.right + scrollX <= 0 || box.bottom + scrollY <= 0) continue;  // off-screen
    if (inSentence(el)) continue;
    if (box.width < min || box.height < min) {
      small.push({
        target: describe(el),
        text: (el.innerText || el.value || el.name || '').trim().slice(0, 40),
        width: Math.round(box.width), height: Math.round(box.height),
      });
    }
  }
  return small;
}"""


def axe_findings(page, axe_js: str) -> list[Finding]:
    """Run axe-core on the page; return one finding per violating element."""
    page.evaluate(axe_js)
    results = page.evaluate(AXE_RUN)
    return [
        Finding(
            violation["id"],
            " ".join(map(str, node["target"])),
            f"{violation['impact']}: {violation['help']}",
        )
        for violation in results["violations"]
        for node in violation["nodes"]
    ]


def tap_target_findings(page) -> list[Finding]:
    """Return the visible controls smaller than MIN_TARGET on a side."""
    return [
        Finding(
            "tap-target",
            item["target"],
            f"{item['width']}x{item['height']} px, «{item['text']}»",
        )
        for item in page.evaluate(SMALL_TARGETS, MIN_TARGET)
    ]


# -- tools: skip without them, fail without them in CI ---------------------------------
