"""Small PDF files that cost a parser far more than their size: written byte by byte, no library.

`flate_bomb`: one content stream of zeros that inflates to `mib` MiB; `fan_out`: a page tree
whose every node lists the next one `kids` times (kids ** levels pages declared, a few objects
written); `shared_stream`: `pages` pages that all draw one big content stream.
"""

from __future__ import annotations

import zlib

__all__ = ["flate_bomb", "fan_out", "shared_stream"]

_FONT = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"
_PAGE = b"<< /Type /Page /Parent %d 0 R /MediaBox [0 0 612 792] /Contents %d 0 R /Resources << /Font << /F1 %d 0 R >> >> >>"


def _pdf(objects: list[bytes]) -> bytes:
    """A PDF of `objects` (numbered from 1; the first is the catalog) with a correct xref table."""
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def _stream(data: bytes, flate: bool) -> bytes:
    return b"<< /Length %d%s >>\nstream\n%s\nendstream" % (len(data), b" /Filter /FlateDecode" if flate else b"", data)


def flate_bomb(mib: int = 256) -> bytes:
    squeeze = zlib.compressobj(1)
    zeros = bytes(1 << 20)
    data = b"".join(squeeze.compress(zeros) for _ in range(mib)) + squeeze.flush()
    return _pdf([b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
                 _PAGE % (2, 4, 5), _stream(data, True), _FONT])


def fan_out(levels: int = 40, kids: int = 2) -> bytes:
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>"]
    for level in range(levels):  # node 2 + level lists node 3 + level `kids` times
        listed = b" ".join(b"%d 0 R" % (3 + level) for _ in range(kids))
        objects.append(b"<< /Type /Pages /Kids [%s] /Count %d >>" % (listed, kids ** (levels - level)))
    page = 2 + levels
    objects += [_PAGE % (page - 1, page + 1, page + 2), _stream(b"BT /F1 12 Tf 72 700 Td (fan) Tj ET", False), _FONT]
    return _pdf(objects)


def shared_stream(pages: int = 2000, mib: int = 16) -> bytes:
    line = b"BT /F1 12 Tf 72 700 Td (all work and no play makes one dull stream) Tj ET\n"
    data = zlib.compress(line * ((mib << 20) // len(line)), 9)
    kids = b" ".join(b"%d 0 R" % (5 + i) for i in range(pages))
    return _pdf([b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [%s] /Count %d >>" % (kids, pages),
                 _stream(data, True), _FONT, *([_PAGE % (2, 3, 4)] * pages)])
