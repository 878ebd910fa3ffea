"""What a scan really is: the type is read from the bytes (magic number), then the file must parse.

The name and the type the browser sends are never trusted: a PDF must open as a PDF with at least
one page, an image must pass Pillow's `verify()` within bounded dimensions.
"""

from __future__ import annotations

import io
import warnings

from app.i18n import _

PDF, JPEG, PNG = "pdf", "jpeg", "png"
MIME_TYPES = {PDF: "application/pdf", JPEG: "image/jpeg", PNG: "image/png"}
EXTENSIONS = {PDF: "pdf", JPEG: "jpg", PNG: "png"}
MAX_PIXELS = 60_000_000  # a 600 dpi A3 page is about 70 MP in colour: scans stay well below
NOT_ACCEPTED = _(
    "Ce fichier n'est ni un PDF, ni une image JPEG ou PNG lisible : numérisez le document en PDF, "
    "JPEG ou PNG, puis déposez-le à nouveau."
)


class ContentError(ValueError):
    """The file is not an accepted scan; `str(error)` is a French message for the user."""


def magic_kind(data: bytes) -> str | None:
    """The type announced by the first bytes of `data`, or None."""
    if data.startswith(b"%PDF-"):
        return PDF
    if data.startswith(b"\xff\xd8\xff"):
        return JPEG
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    return None


def _pdf_parses(data: bytes) -> bool:
    from pyhanko.pdf_utils.reader import PdfFileReader

    try:
        reader = PdfFileReader(io.BytesIO(data), strict=True)
        count = reader.root["/Pages"]["/Count"]
        return isinstance(count, int) and count > 0
    except Exception:
        return False


def _image_parses(data: bytes, kind: str) -> bool:
    from PIL import Image

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=[kind.upper()]) as image:
                width, height = image.size
                if width <= 0 or height <= 0 or width * height > MAX_PIXELS:
                    return False
                image.verify()  # PNG: every chunk and its CRC up to IEND
            if kind == JPEG:  # verify() does not decode a JPEG: decode it, at 1/8 scale (memory bounded)
                with Image.open(io.BytesIO(data), formats=["JPEG"]) as image:
                    image.draft("RGB", (max(1, width // 8), max(1, height // 8)))
                    image.load()
    except Exception:
        return False
    return True


def check(data: bytes) -> str:
    """The kind of an accepted scan (`pdf`, `jpeg`, `png`); raises `ContentError` for anything else."""
    kind = magic_kind(data)
    if kind is None:
        raise ContentError(NOT_ACCEPTED)
    parses = _pdf_parses(data) if kind == PDF else _image_parses(data, kind)
    if not parses:
        raise ContentError(
            _("Ce fichier se présente comme un %(kind)s mais il est illisible ou endommagé : numérisez-le à nouveau.")
            % {"kind": kind.upper()}
        )
    return kind
