"""Hashes of English text, and recording them in the Khmer files that translate it.

A lesson's hash is that of its English file; a TOML file's hash is that of its English
strings in file order. `flask content stamp` writes them into `source_sha256`.
"""

import hashlib
import re
import tomllib
from pathlib import Path

STAMP_RE = re.compile(r'^(source_sha256\s*=\s*)"([^"]*)"', re.MULTILINE)


def short_hash(data: bytes) -> str:
    """Return the first 16 hex digits of the SHA-256 of data."""
    return hashlib.sha256(data).hexdigest()[:16]


def english_strings(node) -> list[str]:
    """Return every English string of a parsed TOML document, in file order."""
    out: list[str] = []
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "en" and isinstance(value, str):
                out.append(value)
            else:
                out.extend(english_strings(value))
    elif isinstance(node, list):
        for item in node:
            out.extend(english_strings(item))
    return out


def english_hash(doc: dict) -> str:
    """Return the hash of a TOML document's English text."""
    return short_hash("\x1f".join(english_strings(doc)).encode())


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


def stamp_text(path: Path, text: str) -> str:
    """Return a Khmer file's text with source_sha256 set to its English's hash now."""
    if path.name.endswith(".km.md"):
        en = path.with_name(path.name.replace(".km.md", ".en.md"))
        new_hash = short_hash(en.read_bytes())
    else:
        new_hash = english_hash(tomllib.loads(text))
    return _replace(text, new_hash, True)
