"""Recorded audio: checked, made small (Opus in Ogg), stored by content hash.

An upload is never trusted: it is read by ffmpeg (Debian's package) when the server has
it, with only the file protocol and the audio demuxers a phone or a browser produces,
under a time limit, and re-encoded to mono Opus in Ogg at a voice bit rate. Without
ffmpeg, only an Ogg Opus file (what Firefox's recorder makes) is kept as it is. The
duration is read from the Ogg stream itself, the size and duration are checked, and the
file is written outside static/ under the SHA-256 of its bytes: it is served as data
(`audio/ogg`, `nosniff`), never executed.
"""

import hashlib
import os
import shutil
import struct
import subprocess  # noqa: S404 - ffmpeg, with fixed arguments, on a temporary file
import tempfile
from dataclasses import dataclass
from pathlib import Path

from flask import current_app

MIME = "audio/ogg"
BITRATE = "32k"  # speech in mono Opus: about 240 KB a minute
MIN_MS = 500
TIMEOUT_SECONDS = 120
# What phones and browsers record: WebM/Matroska (Chrome), Ogg (Firefox), MP4/M4A/3GP
# (Android's recorder, iPhones), AMR, WAV, MP3, AAC, FLAC. Nothing else is opened.
DEMUXERS = "matroska,webm,ogg,mov,mp4,m4a,3gp,3g2,amr,wav,mp3,aac,flac"


class AudioError(ValueError):
    """An upload that cannot be kept; `code` names the reason (views say it)."""

    def __init__(self, code: str, **values):
        super().__init__(code)
        self.code = code
        self.values = values


@dataclass(frozen=True)
class Audio:
    """Audio ready to store."""

    data: bytes
    sha256: str
    mime: str
    duration_ms: int

    @property
    def size(self) -> int:
        """Return the number of bytes."""
        return len(self.data)


def ffmpeg() -> str | None:
    """Return the path of ffmpeg, or None when the server has none."""
    return shutil.which(current_app.config.get("FFMPEG", "ffmpeg"))


def _pages(data: bytes):
    """Yield (granule position, payload) of each Ogg page; AudioError when malformed."""
    pos = 0
    while pos < len(data):
        if data[pos : pos + 4] != b"OggS" or len(data) < pos + 27:
            raise AudioError("unreadable")
        granule = struct.unpack_from("<q", data, pos + 6)[0]
        count = data[pos + 26]
        table = data[pos + 27 : pos + 27 + count]
        start = pos + 27 + count
        end = start + sum(table)
        if len(table) != count or end > len(data):
            raise AudioError("unreadable")
        yield granule, data[start:end]
        pos = end


def ogg_opus_duration_ms(data: bytes) -> int:
    """Return the duration of an Ogg Opus stream, from its last granule position."""
    pages = list(_pages(data))
    if not pages or not pages[0][1].startswith(b"OpusHead") or len(pages[0][1]) < 12:
        raise AudioError("unreadable")
    pre_skip = struct.unpack_from("<H", pages[0][1], 10)[0]
    last = max((g for g, _ in pages if g >= 0), default=0)
    return max(0, (last - pre_skip) * 1000 // 48000)


def _transcode(data: bytes, tool: str, max_seconds: int) -> bytes:
    """Return the upload re-encoded to mono Opus in Ogg by ffmpeg; AudioError if not."""
    with tempfile.TemporaryDirectory(prefix="narration-") as folder:
        source, target = Path(folder) / "upload", Path(folder) / "out.ogg"
        source.write_bytes(data)
        command = [
            tool,
            "-nostdin",
            "-hide_banner",
            "-loglevel",
            "error",
            "-protocol_whitelist",
            "file",
            "-format_whitelist",
            DEMUXERS,
            "-i",
            str(source),
            "-map",
            "0:a:0",
            "-vn",
            "-ac",
            "1",
            "-ar",
            "48000",
            "-c:a",
            "libopus",
            "-b:a",
            BITRATE,
            "-application",
            "voip",
            "-t",
            str(max_seconds + 1),
            "-map_metadata",
            "-1",
            "-f",
            "ogg",
            str(target),
        ]
        try:
            done = subprocess.run(  # noqa: S603 - fixed arguments, no shell
                command, capture_output=True, timeout=TIMEOUT_SECONDS, check=False
            )
        except subprocess.TimeoutExpired as exc:
            raise AudioError("unreadable") from exc
        if done.returncode != 0 or not target.exists() or target.stat().st_size == 0:
            raise AudioError("unreadable")
        return target.read_bytes()


def prepare(data: bytes) -> Audio:
    """Check an upload and return it as Ogg Opus; AudioError with the reason if not."""
    config = current_app.config
    max_bytes, max_seconds = (
        config["NARRATION_MAX_BYTES"],
        config["NARRATION_MAX_SECONDS"],
    )
    if not data:
        raise AudioError("empty")
    if len(data) > config["NARRATION_MAX_UPLOAD_BYTES"]:
        raise AudioError("too_large", mb=config["NARRATION_MAX_UPLOAD_BYTES"] // 2**20)
    tool = ffmpeg()
    if tool:
        data = _transcode(data, tool, max_seconds)
    elif not (data.startswith(b"OggS") and b"OpusHead" in data[:200]):
        raise AudioError("needs_converter")
    duration = ogg_opus_duration_ms(data)
    if duration < MIN_MS:
        raise AudioError("too_short")
    if duration > max_seconds * 1000:
        raise AudioError("too_long", minutes=max_seconds // 60)
    if len(data) > max_bytes:
        raise AudioError("too_large", mb=max(1, max_bytes // 2**20))
    return Audio(data, hashlib.sha256(data).hexdigest(), MIME, duration)


def folder() -> Path:
    """Return the folder the audio files lie in (outside static/)."""
    return Path(current_app.config["NARRATION_DIR"])


def path_of(sha256: str, extension: str = "ogg") -> Path:
    """Return where the file with this hash lies."""
    return folder() / sha256[:2] / f"{sha256}.{extension}"


def store(audio: Audio) -> Path:
    """Write the file once under its hash (atomically); return its path."""
    target = path_of(audio.sha256)
    if target.exists():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=target.parent, prefix=".upload-")
    with os.fdopen(fd, "wb") as out:
        out.write(audio.data)
    os.replace(temporary, target)
    return target


def remove(sha256: str) -> None:
    """Delete a file no recording refers to any more."""
    path_of(sha256).unlink(missing_ok=True)
