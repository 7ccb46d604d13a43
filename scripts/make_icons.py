"""Write the app icons (static/icons/*.png) from the house of static/icon.svg.

Run once with `python scripts/make_icons.py` after changing the icon, and commit the
PNG files: the house polygon below is the path of static/icon.svg, filled white on the
--accent colour of static/app.css, rasterised by a point-in-polygon test and written
with zlib, so that no image library or browser is needed. The maskable icon keeps the
house inside the central 80% safe zone.
"""

import struct
import zlib
from pathlib import Path

ACCENT = (0x6B, 0x25, 0x80)
WHITE = (0xFF, 0xFF, 0xFF)
# M16 3 3 14h4v14h7v-8h4v8h7V14h4z, in a 32x32 box
HOUSE = [(16, 3), (3, 14), (7, 14), (7, 28), (14, 28), (14, 20), (18, 20), (18, 28)]
HOUSE += [(25, 28), (25, 14), (29, 14)]
OUT = Path(__file__).resolve().parent.parent / "static" / "icons"


def inside(x: float, y: float) -> bool:
    """Return True when (x, y) lies in the house (even-odd rule)."""
    hit = False
    for (x1, y1), (x2, y2) in zip(HOUSE, HOUSE[1:] + HOUSE[:1], strict=True):
        if (y1 > y) != (y2 > y) and x < x1 + (y - y1) * (x2 - x1) / (y2 - y1):
            hit = not hit
    return hit


def render(size: int, scale: float) -> bytes:
    """Return the PNG bytes of the icon, the house at `scale` of the width."""
    rows = []
    offset = (1 - scale) / 2 * 32
    for py in range(size):
        row = bytearray(b"\x00")
        for px in range(size):
            x = (px + 0.5) / size * 32
            y = (py + 0.5) / size * 32
            colour = (
                WHITE if inside((x - offset) / scale, (y - offset) / scale) else ACCENT
            )
            row += bytes(colour)
        rows.append(bytes(row))
    raw = zlib.compress(b"".join(rows), 9)

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", raw)
        + chunk(b"IEND", b"")
    )


def main() -> None:
    """Write the three icons."""
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "icon-192.png").write_bytes(render(192, 0.9))
    (OUT / "icon-512.png").write_bytes(render(512, 0.9))
    (OUT / "maskable-512.png").write_bytes(render(512, 0.6))


if __name__ == "__main__":
    main()
