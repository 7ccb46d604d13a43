"""`flask i18n check`: the real catalogue is complete; staleness and breakage are caught."""

import shutil

import pytest

from curriculum.config import ROOT
from curriculum.translation_catalog import Paths, check


@pytest.fixture()
def paths(tmp_path):
    shutil.copytree(ROOT / "translations", tmp_path / "translations")
    return Paths(ROOT, tmp_path / "translations")


def test_the_real_catalogue_is_complete_and_current():
    assert check(Paths(ROOT, ROOT / "translations")) == []


def test_stale_pot_is_caught(paths):
    text = paths.pot.read_text()
    start = text.index('msgid "Sign in"')
    end = text.index("\n\n", start)
    paths.pot.write_text(text[:start] + text[end + 2 :])
    assert any("messages.pot is stale" in p for p in check(paths))


def test_missing_khmer_string_is_caught(paths):
    po = paths.po("km")
    text = po.read_text()
    start = text.index('msgid "Sign in"\nmsgstr "') + len('msgid "Sign in"\nmsgstr "')
    end = text.index('"', start)
    po.write_text(text[:start] + text[end:])
    assert "km: no translation for 'Sign in'" in check(paths)


def test_broken_placeholder_is_caught(paths):
    po = paths.po("km")
    text = po.read_text()
    msgid = 'msgid "%(met)s of %(total)s criteria met"'
    msgstr = text.index("msgstr", text.index(msgid))
    line_end = text.index("\n", msgstr)
    broken = text[msgstr:line_end].replace("%(total)s", "%(totl)s")
    po.write_text(text[:msgstr] + broken + text[line_end:])
    assert any("placeholders differ" in p for p in check(paths))
