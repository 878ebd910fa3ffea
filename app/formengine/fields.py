"""Registry of field types: how each builds its WTForms field, cleans a submitted value, shows it.

Submitted ("raw") values are what a browser sends: text for most types, a list of codes for
multiple choices, a dict `{image, signer, paper_date}` for a signature, a list of row dicts for a
group. Cleaned values are JSON-ready: text, ISO dates, codes, booleans, numbers.
"""

from __future__ import annotations

import base64
import binascii
import io
import re
import struct
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, ClassVar

from wtforms import (
    FieldList,
    Form,
    FormField,
    HiddenField,
    RadioField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.core import UnboundField
from wtforms.widgets import CheckboxInput, ListWidget

from app.formengine.definitions import FieldDef
from app.i18n import _

TEXT_MAX = 500
LONG_TEXT_MAX = 10000
NUMBER_PATTERN = re.compile(r"^-?\d{1,12}(?:[.,]\d{1,6})?$")
FRENCH_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")
ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
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
    """An ISO (AAAA-MM-JJ) or French (JJ/MM/AAAA) date between 1900 and 2100."""
    iso, french = ISO_DATE.match(text), FRENCH_DATE.match(text)
    if iso:
        year, month, day = (int(p) for p in iso.groups())
    elif french:
        day, month, year = (int(p) for p in french.groups())
    else:
        raise Invalid(_("Date invalide : écrivez-la au format JJ/MM/AAAA."))
    try:
        value = date(year, month, day)
    except ValueError:
        raise Invalid(_("Cette date n'existe pas.")) from None
    if not 1900 <= value.year <= 2100:
        raise Invalid(_("Date invalide : l'année doit être comprise entre 1900 et 2100."))
    return value


def french_date(iso: str | None) -> str:
    return date.fromisoformat(iso).strftime("%d/%m/%Y") if iso else ""


class FieldType:
    """One kind of field. Subclasses say how to build, clean and display it."""

    name: ClassVar[str]

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


class TextType(FieldType):
    name = "text"
    default_max = TEXT_MAX

    def limit(self, f: FieldDef) -> int:
        return f.max_length or self.default_max

    def render_kw(self, f: FieldDef) -> dict[str, Any]:
        return {"maxlength": self.limit(f)}

    def clean(self, f: FieldDef, raw: Any) -> Any:
        text = _text(raw).replace("\r\n", "\n").replace("\x00", "")
        if len(text) > self.limit(f):
            raise Invalid(_("Texte trop long : %(max)d caractères au plus.") % {"max": self.limit(f)})
        return text or None


class LongTextType(TextType):
    name = "long_text"
    default_max = LONG_TEXT_MAX

    def wtforms_field(self, f: FieldDef) -> UnboundField[Any]:
        return TextAreaField(f.label, description=f.help, render_kw={"maxlength": self.limit(f), "rows": 5})


class DateType(FieldType):
    name = "date"

    def render_kw(self, f: FieldDef) -> dict[str, Any]:
        return {"type": "date", "min": "1900-01-01", "max": "2100-12-31"}

    def clean(self, f: FieldDef, raw: Any) -> Any:
        text = _text(raw)
        return parse_date(text).isoformat() if text else None

    def display(self, f: FieldDef, value: Any) -> str:
        return french_date(value)


class NumberType(FieldType):
    name = "number"

    def render_kw(self, f: FieldDef) -> dict[str, Any]:
        return {"inputmode": "numeric" if f.integer else "decimal", "maxlength": 20}

    def clean(self, f: FieldDef, raw: Any) -> Any:
        text = _text(raw).replace(" ", "").replace("\u202f", "")
        if not text:
            return None
        if not NUMBER_PATTERN.match(text):
            raise Invalid(_("Nombre invalide : écrivez par exemple 12 ou 12,5."))
        try:
            number = Decimal(text.replace(",", "."))
        except InvalidOperation:
            raise Invalid(_("Nombre invalide : écrivez par exemple 12 ou 12,5.")) from None
        if f.integer and number != number.to_integral_value():
            raise Invalid(_("Nombre entier attendu."))
        if f.min is not None and number < Decimal(str(f.min)):
            raise Invalid(_("Le nombre doit être supérieur ou égal à %(min)s.") % {"min": _number(f.min)})
        if f.max is not None and number > Decimal(str(f.max)):
            raise Invalid(_("Le nombre doit être inférieur ou égal à %(max)s.") % {"max": _number(f.max)})
        return int(number) if number == number.to_integral_value() else float(number)

    def to_raw(self, f: FieldDef, value: Any) -> Any:
        return "" if value is None else _number(value)

    def display(self, f: FieldDef, value: Any) -> str:
        return "" if value is None else _number(value)


def _number(value: float) -> str:
    return str(value).replace(".", ",") if value != int(value) else str(int(value))


def _options(f: FieldDef) -> list[SelectChoice]:
    return [SelectChoice(code, label) for code, label in f.choices]


class SingleChoiceType(FieldType):
    name = "single_choice"

    def wtforms_field(self, f: FieldDef) -> UnboundField[Any]:
        if len(f.choices) > SELECT_THRESHOLD:
            choices = [SelectChoice("", _("— Choisir —")), *_options(f)]
            return SelectField(f.label, description=f.help, choices=choices, validate_choice=False)
        return RadioField(f.label, description=f.help, choices=_options(f), validate_choice=False)

    def clean(self, f: FieldDef, raw: Any) -> Any:
        code = _text(raw)
        if code and code not in f.choice_codes():
            raise Invalid(_("Choix invalide."))
        return code or None

    def display(self, f: FieldDef, value: Any) -> str:
        return f.choice_label(value) if value else ""


class MultipleChoiceType(FieldType):
    name = "multiple_choice"

    def wtforms_field(self, f: FieldDef) -> UnboundField[Any]:
        return SelectMultipleField(
            f.label,
            description=f.help,
            choices=_options(f),
            validate_choice=False,
            widget=ListWidget(prefix_label=False),
            option_widget=CheckboxInput(),
        )

    def raw(self, formdata: Any, name: str) -> Any:
        return formdata.getlist(name) if hasattr(formdata, "getlist") else formdata.get(name, [])

    def clean(self, f: FieldDef, raw: Any) -> Any:
        submitted = raw if isinstance(raw, list) else [raw]
        codes = {c.strip() for c in submitted if isinstance(c, str) and c.strip()}
        if codes - set(f.choice_codes()):
            raise Invalid(_("Choix invalide."))
        return [c for c in f.choice_codes() if c in codes] or None

    def to_raw(self, f: FieldDef, value: Any) -> Any:
        return list(value or [])

    def display(self, f: FieldDef, value: Any) -> str:
        return ", ".join(f.choice_label(c) for c in value or [])


class YesNoType(FieldType):
    name = "yes_no"

    def wtforms_field(self, f: FieldDef) -> UnboundField[Any]:
        choices = [SelectChoice(YES, _("Oui")), SelectChoice(NO, _("Non"))]
        return RadioField(f.label, description=f.help, choices=choices, validate_choice=False)

    def clean(self, f: FieldDef, raw: Any) -> Any:
        text = _text(raw)
        if text not in ("", YES, NO):
            raise Invalid(_("Répondez par oui ou par non."))
        return None if not text else text == YES

    def to_raw(self, f: FieldDef, value: Any) -> Any:
        return "" if value is None else (YES if value else NO)

    def display(self, f: FieldDef, value: Any) -> str:
        return "" if value is None else (_("Oui") if value else _("Non"))


class SignatureForm(Form):
    image = HiddenField()
    signer = StringField(_("Nom de la personne qui signe"), render_kw={"maxlength": 200})
    paper_date = StringField(_("ou : signé sur papier le"), render_kw={"type": "date"})


class SignatureType(FieldType):
    """A drawing (PNG data URL) with the signer's name, or the date a paper copy was signed."""

    name = "signature"
    parts = ("image", "signer", "paper_date")

    def wtforms_field(self, f: FieldDef) -> UnboundField[Any]:
        return FormField(SignatureForm, f.label, description=f.help)

    def raw(self, formdata: Any, name: str) -> Any:
        return {part: formdata.get(f"{name}-{part}", "") for part in self.parts}

    def clean(self, f: FieldDef, raw: Any) -> Any:
        if not isinstance(raw, dict):
            raw = {}
        image, signer, paper = (_text(raw.get(part, "")) for part in self.parts)
        if len(signer) > 200:
            raise Invalid(_("Nom trop long : 200 caractères au plus."))
        if not image and not paper:
            if signer:
                partial = {"image": None, "signer": signer, "signed_at": None, "paper_date": None}
                message = _("Faites signer dans le cadre, ou indiquez la date de signature sur papier.")
                raise Incomplete(message, partial)
            return None
        value: dict[str, Any] = {"image": None, "signer": signer, "signed_at": None, "paper_date": None}
        if image:
            check_png_data_url(image)
            value["image"] = image
        if paper:
            signed_on = parse_date(paper)
            if signed_on > date.today():
                raise Invalid(_("La date de signature sur papier ne peut pas être dans le futur."))
            value["paper_date"] = signed_on.isoformat()
        if image and not signer:
            raise Incomplete(_("Indiquez le nom de la personne qui a signé."), value)
        return value

    def to_raw(self, f: FieldDef, value: Any) -> Any:
        value = value or {}
        return {part: value.get(part) or "" for part in self.parts}

    def display(self, f: FieldDef, value: Any) -> str:
        if not value:
            return ""
        if value.get("image"):
            signed_at = value.get("signed_at")
            when = datetime.fromisoformat(signed_at).strftime(" le %d/%m/%Y à %H h %M") if signed_at else ""
            return _("Signé par %(name)s%(when)s") % {"name": value.get("signer", ""), "when": when}
        return _("Signé sur papier le %(date)s") % {"date": french_date(value.get("paper_date"))}


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


class GroupType(FieldType):
    """Repeatable rows; cleaning of rows is done by the validator, which knows every type."""

    name = "group"

    def wtforms_field(self, f: FieldDef) -> UnboundField[Any]:
        row_class = type(
            f"{f.id.title()}Row", (Form,), {sub.id: field_type(sub).wtforms_field(sub) for sub in f.fields}
        )
        return FieldList(FormField(row_class), f.label, min_entries=0, max_entries=f.max_items)

    def display(self, f: FieldDef, value: Any) -> str:
        return str(len(value or []))


FIELD_TYPES: dict[str, FieldType] = {
    t.name: t
    for t in (
        TextType(),
        LongTextType(),
        DateType(),
        NumberType(),
        SingleChoiceType(),
        MultipleChoiceType(),
        YesNoType(),
        SignatureType(),
        GroupType(),
    )
}


def field_type(f: FieldDef) -> FieldType:
    return FIELD_TYPES[f.type]
