"""Record in Khmer files the hash of the English text they translate."""

import re
import tomllib
from pathlib import Path

from curriculum.content.loader import english_hash, short_hash

STAMP_RE = re.compile(r'^(source_sha256\s*=\s*)"([^"]*)"', re.MULTILINE)


def _replace(text: str, new_hash: str, force: bool) -> str:
    def sub(match: re.Match) -> str:
        if match.group(2) == "pending" or force:
            return f'{match.group(1)}"{new_hash}"'
        return match.group(0)

    return STAMP_RE.sub(sub, text, count=1)


def stamp(
    modules_dir: Path, quizzes_dir: Path, force: set[Path] | None = None
) -> list[Path]:
    """Stamp every pending hash (and those of the forced files); return changed files."""
    force = {p.resolve() for p in (force or set())}
    changed = []
    targets: list[tuple[Path, str]] = []
    for km in sorted(modules_dir.glob("*/*.km.md")):
        en = km.with_name(km.name.replace(".km.md", ".en.md"))
        if en.exists():
            targets.append((km, short_hash(en.read_bytes())))
    for path in (
        sorted(modules_dir.glob("*/module.toml"))
        + sorted(quizzes_dir.glob("*.toml"))
        + sorted(modules_dir.glob("vetting.toml"))
    ):
        try:
            doc = tomllib.loads(path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError):
            continue  # content check reports it
        targets.append((path, english_hash(doc)))
    for path, new_hash in targets:
        text = path.read_text(encoding="utf-8")
        updated = _replace(text, new_hash, path.resolve() in force)
        if updated != text:
            path.write_text(updated, encoding="utf-8")
            changed.append(path)
    return changed
