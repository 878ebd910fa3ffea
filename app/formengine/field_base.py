"""What every field type shares: the base class, its errors, and the helpers of cleaning."""

from __future__ import annotations

import base64
import binascii
import io
import re
import struct
from datetime import date, datetime
from typing import Any, ClassVar

from wtforms import StringField
from wtforms.fields.core import UnboundField

from app import dates
from app.formengine.model import FieldDef
from app.formengine.printable import Item, Printable
from app.i18n import _

TEXT_MAX = 500
LONG_TEXT_MAX = 10000
NUMBER_PATTERN = re.compile(r"^-?\d{1,12}(?:[.,]\d{1,6})?$")
PNG_DATA_URL = "data:image/png;base64,"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
SIGNATURE_MAX_BYTES = 200 * 1024
SIGNATURE_MAX_SIZE = (3000, 1500)  # pixels: the pad is 36 × 12 rem at twice the screen density, zoomed
SELECT_THRESHOLD = 6  # more choices than this: a drop-down list instead of radio buttons
YES, NO = "oui", "non"


class Invalid(ValueError):
    """A submitted value does not fit its field; the message is French, for the user."""


class Incomplete(Invalid):
    """A value still being entered (a signer's name before the drawing): a draft keeps `partial`,
    finalisation refuses it with the message."""

    def __init__(self, message: str, partial: Any) -> None:
        super().__init__(message)
        self.partial = partial


def _text(raw: Any) -> str:
    if isinstance(raw, list):
        raw = raw[0] if raw else ""
    return raw.strip() if isinstance(raw, str) else ""


def parse_date(text: str) -> date:
    """A date between 1900 and 2100 (see `app.dates` for the accepted spellings)."""
    try:
        value = dates.parse_date(text)
    except dates.DateError as error:
        raise Invalid(str(error)) from None
    if not 1900 <= value.year <= 2100:
        raise Invalid(_("Date invalide : l'année doit être comprise entre 1900 et 2100."))
    return value


def french_date(iso: str | None) -> str:
    return dates.format_date(date.fromisoformat(iso)) if iso else ""


class FieldType:
    """One kind of field: its definition keys, widget, cleaning, display, condition and PDF item."""

    name: ClassVar[str]
    keys: ClassVar[frozenset[str]] = frozenset()  # definition keys beyond the common ones
    repeatable: ClassVar[bool] = False  # rows of sub-fields (a group)
    signed: ClassVar[bool] = False  # a signature: its drawing keeps the time it was first received
    required_message: ClassVar[str] = _("Ce champ est obligatoire.")

    def wtforms_field(self, f: FieldDef) -> UnboundField[Any]:
        return StringField(f.label, description=f.help, render_kw=self.render_kw(f))

    def render_kw(self, f: FieldDef) -> dict[str, Any]:
        return {}

    def raw(self, formdata: Any, name: str) -> Any:
        return formdata.get(name, "")

    def clean(self, f: FieldDef, raw: Any) -> Any:
        """The cleaned value, None when empty; raises Invalid with a French message."""
        text = _text(raw)
        return text or None

    def to_raw(self, f: FieldDef, value: Any) -> Any:
        return "" if value is None else str(value)

    def display(self, f: FieldDef, value: Any) -> str:
        return "" if value is None else str(value)

    def printable(self, f: FieldDef, value: Any) -> Printable:
        """What the PDF shows of an answered field."""
        return Item(f.label, self.display(f, value))

    def condition_problems(self, f: FieldDef, values: tuple[Any, ...]) -> list[str]:
        """Why `show_if` may not compare this field with `values` (definition errors, in English)."""
        return [
            f"show_if value `{value}` is not a choice code of `{f.id}`"
            for value in values
            if f.choices and str(value) not in f.choice_codes()
        ]

    def matches(self, value: Any, wanted: tuple[Any, ...]) -> bool:
        """Whether the cleaned `value` satisfies a `show_if` listing `wanted`."""
        if value is None:
            return False
        if isinstance(value, list):
            return any(str(w) in value for w in wanted)
        return str(value) in {str(w) for w in wanted}

    def condition_label(self, f: FieldDef, value: Any) -> str:
        """A `show_if` value as the user reads it."""
        return f.choice_label(str(value))


def check_png_data_url(text: str) -> bytes:
    """The PNG bytes of a `data:image/png;base64,` URL of at most 200 kB and 3000×1500 pixels that
    decodes; raises Invalid otherwise. The size in the header is checked before decoding anything."""
    if not text.startswith(PNG_DATA_URL) or len(text) > len(PNG_DATA_URL) + SIGNATURE_MAX_BYTES * 4 // 3 + 4:
        raise Invalid(_("Signature invalide : image PNG de 200 ko au plus attendue."))
    try:
        png = base64.b64decode(text[len(PNG_DATA_URL) :], validate=True)
    except (binascii.Error, ValueError):
        raise Invalid(_("Signature invalide : image illisible.")) from None
    if not png.startswith(PNG_MAGIC) or len(png) > SIGNATURE_MAX_BYTES:
        raise Invalid(_("Signature invalide : image PNG de 200 ko au plus attendue."))
    if len(png) < 24 or png[12:16] != b"IHDR":
        raise Invalid(_("Signature invalide : image illisible."))
    width, height = struct.unpack(">II", png[16:24])
    if not (0 < width <= SIGNATURE_MAX_SIZE[0] and 0 < height <= SIGNATURE_MAX_SIZE[1]):
        raise Invalid(
            _("Signature invalide : image de %(width)d × %(height)d pixels, %(max_w)d × %(max_h)d au plus.")
            % {"width": width, "height": height, "max_w": SIGNATURE_MAX_SIZE[0], "max_h": SIGNATURE_MAX_SIZE[1]}
        )
    _decode_png(png)
    return png


def _decode_png(png: bytes) -> None:
    """Decode the whole image (its size is already bounded) so a corrupt one is refused here, not in the PDF."""
    from PIL import Image

    try:
        with Image.open(io.BytesIO(png), formats=["PNG"]) as image:
            image.load()
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError):
        raise Invalid(_("Signature invalide : image illisible.")) from None


def signed_at_of(value: dict[str, Any] | None) -> datetime | None:
    if value and value.get("signed_at"):
        return datetime.fromisoformat(value["signed_at"])
    return None
