"""The hub bundle: a zip holding bundle.json and its HMAC-SHA256 signature.

The hub seed (centre -> hub, prepare.py) uses the same container and signature, with
its own format name, so that neither file can be taken for the other.

HMAC with a shared key (HUB_SIGNING_KEY) rather than Ed25519: the `cryptography` package
is not installed, and the key is set by programme staff on both the hub and the centre.
See docs/hub-bundle.md.
"""

import hashlib
import hmac
import io
import json
import zipfile

from flask import current_app
from flask_babel import gettext as _

FORMAT = "safe-homes-hub-bundle"
VERSION = 1
SEED_FORMAT = "safe-homes-hub-seed"
SEED_VERSION = 1
JSON_NAME = "bundle.json"
SIGNATURE_NAME = "bundle.json.sig"
MAX_JSON_BYTES = 20 * 1024 * 1024


class BundleError(Exception):
    """A bundle that cannot be applied; the message is in the user's language."""


def signing_key() -> bytes:
    """Return the shared signing key, or raise when none is configured."""
    key = current_app.config.get("HUB_SIGNING_KEY") or ""
    if len(key) < 16:
        raise BundleError(
            _("No hub signing key is set (HUB_SIGNING_KEY, at least 16 characters).")
        )
    return key.encode()


def sign(data: bytes) -> str:
    """Return the hex HMAC-SHA256 of the bundle's JSON bytes."""
    return hmac.new(signing_key(), data, hashlib.sha256).hexdigest()


def pack(document: dict) -> bytes:
    """Return the zip of a bundle document and its signature."""
    data = json.dumps(document, ensure_ascii=False, sort_keys=True, indent=1).encode()
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(JSON_NAME, data)
        archive.writestr(SIGNATURE_NAME, sign(data))
    return out.getvalue()


def _not_this(fmt: str) -> str:
    if fmt == SEED_FORMAT:
        return _("This file is not a hub seed.")
    return _("This file is not a hub bundle.")


def _read_parts(raw: bytes, fmt: str) -> tuple[bytes, str]:
    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as archive:
            info = archive.getinfo(JSON_NAME)
            if info.file_size > MAX_JSON_BYTES:
                raise BundleError(_("This bundle is too large."))
            data = archive.read(JSON_NAME)
            signature = archive.read(SIGNATURE_NAME).decode("ascii", "replace").strip()
    except (zipfile.BadZipFile, KeyError, OSError, EOFError) as exc:
        raise BundleError(_not_this(fmt)) from exc
    return data, signature


def unpack(raw: bytes, fmt: str = FORMAT, version: int = VERSION) -> dict:
    """Return a signed document after checking signature, format and version.

    `fmt` and `version` say what is expected: a bundle by default, or a seed.
    """
    signing_key()
    data, signature = _read_parts(raw, fmt)
    if not hmac.compare_digest(sign(data), signature):
        raise BundleError(
            _(
                "The bundle's signature does not match: it was changed or signed with another key."
            )
        )
    try:
        document = json.loads(data)
    except ValueError as exc:
        raise BundleError(_not_this(fmt)) from exc
    if not isinstance(document, dict) or document.get("format") != fmt:
        raise BundleError(_not_this(fmt))
    if document.get("version") != version:
        raise BundleError(
            _(
                "This bundle has format version %(version)s; this server reads version %(ours)s.",
                version=str(document.get("version"))[:10],
                ours=version,
            )
        )
    return document
