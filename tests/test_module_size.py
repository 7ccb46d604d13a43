"""The house stays in order: no module of the package grows past a size one can read."""

from pathlib import Path

import curriculum

LIMIT = 500  # lines; issue 13 split the god modules along their seams to get here
PACKAGE = Path(curriculum.__file__).parent


def test_no_module_is_over_the_limit():
    too_long = {
        str(path.relative_to(PACKAGE)): lines
        for path in PACKAGE.rglob("*.py")
        if "migrations" not in path.parts
        and (lines := len(path.read_text(encoding="utf-8").splitlines())) > LIMIT
    }
    assert not too_long, f"split these along their seams: {too_long}"
