"""Registry of field types: how each builds its WTForms field, cleans a submitted value, shows it.

Submitted ("raw") values are what a browser sends: text for most types, a list of codes for
multiple choices, a dict `{image, signer, paper_date}` for a signature, a list of row dicts for a
group. Cleaned values are JSON-ready: text, ISO dates, codes, booleans, numbers.
"""

from __future__ import annotations

import base64
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

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

from app import dates
from app.formengine.field_base import (
    LONG_TEXT_MAX,
    NO,
    NUMBER_PATTERN,
    PNG_DATA_URL,
    SELECT_THRESHOLD,
    TEXT_MAX,
    YES,
    FieldType,
    Incomplete,
    Invalid,
    _text,
    check_png_data_url,
    french_date,
    parse_date,
    signed_at_of,
)
from app.formengine.model import FieldDef
from app.formengine.printable import Printable, SignatureItem, Table
from app.i18n import _


class TextType(FieldType):
    name = "text"
    keys = frozenset({"max_length"})
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
    keys = frozenset({"feeds", "not_future", "birth_date", "after"})

    def render_kw(self, f: FieldDef) -> dict[str, Any]:
        return {"type": "date", "min": "1900-01-01", "max": "2100-12-31"}

    def clean(self, f: FieldDef, raw: Any) -> Any:
        text = _text(raw)
        return parse_date(text).isoformat() if text else None

    def display(self, f: FieldDef, value: Any) -> str:
        return french_date(value)


class NumberType(FieldType):
    name = "number"
    keys = frozenset({"min", "max", "integer"})

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
    required_message = _("Réponse obligatoire : choisissez une option.")
    keys = frozenset({"choices", "dimension"})

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
    required_message = _("Réponse obligatoire : cochez au moins une case.")
    keys = frozenset({"choices", "dimension"})

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

    required_message = _("Réponse obligatoire : choisissez une option.")

    def condition_problems(self, f: FieldDef, values: tuple[Any, ...]) -> list[str]:
        if any(not isinstance(v, bool) for v in values):
            return [f"show_if on yes/no field `{f.id}` compares with true or false"]
        return []

    def matches(self, value: Any, wanted: tuple[Any, ...]) -> bool:
        return value is not None and value in wanted

    def condition_label(self, f: FieldDef, value: Any) -> str:
        return self.display(f, value)


class SignatureForm(Form):
    image = HiddenField()
    signer = StringField(_("Nom de la personne qui signe"), render_kw={"maxlength": 200})
    paper_date = StringField(_("ou : signé sur papier le"), render_kw={"type": "date"})


class SignatureType(FieldType):
    """A drawing (PNG data URL) with the signer's name, or the date a paper copy was signed."""

    name = "signature"
    keys = frozenset({"role"})
    signed = True
    required_message = _(
        "Signature obligatoire : faites signer dans le cadre, ou indiquez la date de signature sur papier."
    )
    parts = ("image", "signer", "paper_date")

    def condition_problems(self, f: FieldDef, values: tuple[Any, ...]) -> list[str]:
        return [f"show_if cannot depend on a signature field (`{f.id}`)"]

    def printable(self, f: FieldDef, value: Any) -> Printable:
        image, paper = value.get("image"), value.get("paper_date")
        return SignatureItem(
            role=f.role or f.label,
            signer_name=value.get("signer") or "",
            signed_at=signed_at_of(value),
            png=base64.b64decode(image[len(PNG_DATA_URL) :]) if image else None,
            paper_signed_on=date.fromisoformat(paper) if paper else None,
        )

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
            when = ""
            if signed_at:
                when = " " + _("le %(moment)s") % {"moment": dates.format_moment(datetime.fromisoformat(signed_at))}
            return _("Signé par %(name)s%(when)s") % {"name": value.get("signer", ""), "when": when}
        if value.get("signer"):
            return _("Signé sur papier par %(name)s le %(date)s") % {
                "name": value["signer"],
                "date": french_date(value.get("paper_date")),
            }
        return _("Signé sur papier le %(date)s") % {"date": french_date(value.get("paper_date"))}


class GroupType(FieldType):
    """Repeatable rows; cleaning of rows is done by the validator, which knows every type."""

    name = "group"
    keys = frozenset({"fields", "min_items", "max_items"})
    repeatable = True

    def condition_problems(self, f: FieldDef, values: tuple[Any, ...]) -> list[str]:
        return [f"show_if cannot depend on a group field (`{f.id}`)"]

    def printable(self, f: FieldDef, value: Any) -> Printable:
        return Table(
            columns=[sub.label for sub in f.fields],
            rows=[[field_type(sub).display(sub, row.get(sub.id)) for sub in f.fields] for row in value],
        )

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
