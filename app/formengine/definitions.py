"""Form definitions as frozen data, parsed from YAML mappings that may hold only known keys.

Parsing never stops at the first problem: every error is collected with the field it concerns,
so `parcours forms check` can name them all at once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from app.formengine.fields import FIELD_TYPES
from app.formengine.model import FieldDef, FormDef, SectionDef, ShowIf
from app.nomenclature import Nomenclature

FIELD_ID = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
RESERVED_IDS = frozenset({"csrf_token", "lock_version"})
# Clear columns of `Parcours` a date field may feed (codes are fed through `dimension`).
FEEDABLE = frozenset(
    {"date_orientation", "date_entree", "date_sortie", "date_fin_prevue", "date_revision_prevue", "date_journal"}
)

FORM_KEYS = frozenset({"form", "version", "title", "description", "statement", "sections"})
# What a form's `statement` (an attestation's sentence) may name; filled in by the document.
STATEMENT_NAMES = frozenset({"programme", "enfant", "date_entree", "date_sortie"})
SECTION_KEYS = frozenset({"id", "title", "help", "fields"})
COMMON_KEYS = frozenset({"id", "type", "label", "required", "help", "show_if"})
SHOW_IF_KEYS = frozenset({"field", "equals", "in"})


@dataclass(frozen=True)
class DefinitionError:
    """One problem in a definition file: where (file, field) and why."""

    file: str
    field: str
    reason: str

    def __str__(self) -> str:
        where = f"{self.file}: {self.field}" if self.field else self.file
        return f"{where}: {self.reason}"


class _Parser:
    """Turns one YAML document into a FormDef, collecting errors instead of raising."""

    def __init__(self, source: str, names: Nomenclature) -> None:
        self.source = source
        self.names = names
        self.errors: list[DefinitionError] = []

    def error(self, where: str, reason: str) -> None:
        self.errors.append(DefinitionError(self.source, where, reason))

    def check_keys(self, where: str, data: dict[str, Any], allowed: frozenset[str]) -> None:
        for key in data:
            if key not in allowed:
                self.error(where, f"unknown key `{key}` (allowed: {', '.join(sorted(allowed))})")

    def text(self, where: str, data: dict[str, Any], key: str, required: bool = True) -> str:
        value = data.get(key)
        if value is None:
            if required:
                self.error(where, f"`{key}` is required")
            return ""
        if not isinstance(value, str) or (required and not value.strip()):
            self.error(where, f"`{key}` must be a non-empty text")
            return ""
        return value

    def form(self, data: Any) -> FormDef | None:
        if not isinstance(data, dict):
            self.error("", "expected a mapping with `form`, `version`, `title` and `sections`")
            return None
        self.check_keys("(form)", data, FORM_KEYS)
        form_id = self.text("form", data, "form")
        version = data.get("version")
        if not isinstance(version, int) or isinstance(version, bool) or version < 1:
            self.error("version", "`version` must be a positive integer")
            version = 0
        sections_data = data.get("sections")
        if not isinstance(sections_data, list) or not sections_data:
            self.error("sections", "`sections` must be a non-empty list")
            sections_data = []
        sections = tuple(s for s in (self.section(i, s) for i, s in enumerate(sections_data)) if s)
        form = FormDef(
            form_id=form_id,
            version=version,
            title=self.text("title", data, "title"),
            description=self.text("description", data, "description", required=False),
            sections=sections,
            statement=self.statement(data),
        )
        self.check_form(form)
        return form

    def statement(self, data: dict[str, Any]) -> str:
        text = self.text("statement", data, "statement", required=False)
        names = set(re.findall(r"{(\w*)}", text))
        if names - STATEMENT_NAMES or text.count("{") != len(re.findall(r"{\w*}", text)):
            self.error("statement", f"`statement` may only name {{{'}, {'.join(sorted(STATEMENT_NAMES))}}}")
            return ""
        return text

    def section(self, number: int, data: Any) -> SectionDef | None:
        where = f"sections[{number}]"
        if not isinstance(data, dict):
            self.error(where, "a section must be a mapping")
            return None
        self.check_keys(where, data, SECTION_KEYS)
        section_id = self.text(where, data, "id")
        where = f"section {section_id or number}"
        return SectionDef(
            id=section_id,
            title=self.text(where, data, "title"),
            help=self.text(where, data, "help", required=False),
            fields=self.field_list(where, data.get("fields"), nested=False),
        )

    def field_list(self, where: str, data: Any, nested: bool) -> tuple[FieldDef, ...]:
        if not isinstance(data, list) or not data:
            self.error(where, "`fields` must be a non-empty list")
            return ()
        return tuple(f for f in (self.field(where, i, item, nested) for i, item in enumerate(data)) if f)

    def field(self, parent: str, number: int, data: Any, nested: bool) -> FieldDef | None:
        if not isinstance(data, dict):
            self.error(f"{parent} fields[{number}]", "a field must be a mapping")
            return None
        field_id = data.get("id")
        where = str(field_id) if isinstance(field_id, str) else f"{parent} fields[{number}]"
        if not isinstance(field_id, str) or not FIELD_ID.match(field_id) or field_id in RESERVED_IDS:
            self.error(where, "`id` must be lower-case letters, digits or `_`, starting with a letter")
            field_id = ""
        field_type = data.get("type")
        kind = FIELD_TYPES.get(field_type) if isinstance(field_type, str) else None
        if kind is None or (nested and kind.repeatable):
            reason = "a group cannot contain a group" if kind is not None else f"unknown type `{field_type}`"
            self.error(where, f"{reason} (types: {', '.join(FIELD_TYPES)})")
            self.check_keys(where, data, COMMON_KEYS | frozenset().union(*(t.keys for t in FIELD_TYPES.values())))
            return None
        self.check_keys(where, data, COMMON_KEYS | kind.keys)
        required = data.get("required", False)
        if not isinstance(required, bool):
            self.error(where, "`required` must be true or false")
        values: dict[str, Any] = {
            "id": field_id,
            "type": field_type,
            "label": self.text(where, data, "label"),
            "required": required is True,
            "help": self.text(where, data, "help", required=False),
            "show_if": self.show_if(where, data.get("show_if")),
        }
        values.update(self.type_specific(where, kind.keys, data))
        return FieldDef(**values)

    def type_specific(self, where: str, keys: frozenset[str], data: dict[str, Any]) -> dict[str, Any]:
        """The values of the keys the field's type owns (see `FieldType.keys`)."""
        if "choices" in keys:
            return self.choices(where, data)
        if "integer" in keys:
            return self.number_bounds(where, data)
        if "fields" in keys:
            return self.group(where, data)
        values: dict[str, Any] = {}
        if "max_length" in data:
            if not isinstance(data["max_length"], int) or data["max_length"] < 1:
                self.error(where, "`max_length` must be a positive integer")
            else:
                values["max_length"] = data["max_length"]
        if "feeds" in data:
            if data["feeds"] not in FEEDABLE:
                self.error(where, f"`feeds` must be one of {', '.join(sorted(FEEDABLE))}")
            else:
                values["feeds"] = data["feeds"]
        if "role" in data:
            values["role"] = self.text(where, data, "role")
        return values

    def choices(self, where: str, data: dict[str, Any]) -> dict[str, Any]:
        dimension, choices = data.get("dimension"), data.get("choices")
        if dimension is not None:
            if dimension not in self.names.dimensions:
                self.error(where, f"unknown nomenclature dimension `{dimension}`")
                return {}
            known = self.names[dimension].codes
            if choices is None:
                return {"dimension": dimension, "choices": tuple(known.items())}
            if not isinstance(choices, list) or not choices:
                self.error(where, "with `dimension`, `choices` is a list of codes of that dimension")
                return {"dimension": dimension}
            for code in choices:
                if str(code) not in known:
                    self.error(where, f"choice code `{code}` is not in nomenclature dimension `{dimension}`")
            picked = [str(c) for c in choices if str(c) in known]
            return {"dimension": dimension, "choices": tuple((c, known[c]) for c in picked)}
        if not isinstance(choices, dict) or not choices:
            self.error(where, "a choice field needs `choices` (code: label) or a nomenclature `dimension`")
            return {}
        bad = [k for k, v in choices.items() if not isinstance(k, str) or not isinstance(v, str) or not v]
        if bad:
            self.error(where, f"choices must map text codes to French labels (bad: {bad})")
        return {"choices": tuple((str(k), str(v)) for k, v in choices.items() if k not in bad)}

    def number_bounds(self, where: str, data: dict[str, Any]) -> dict[str, Any]:
        values: dict[str, Any] = {"integer": data.get("integer", False) is True}
        for key in ("min", "max"):
            bound = data.get(key)
            if bound is not None:
                if isinstance(bound, bool) or not isinstance(bound, int | float):
                    self.error(where, f"`{key}` must be a number")
                else:
                    values[key] = bound
        if values.get("min") is not None and values.get("max") is not None and values["min"] > values["max"]:
            self.error(where, "`min` is greater than `max`")
        return values

    def group(self, where: str, data: dict[str, Any]) -> dict[str, Any]:
        values: dict[str, Any] = {"fields": self.field_list(where, data.get("fields"), nested=True)}
        for key, default in (("min_items", 0), ("max_items", 50)):
            count = data.get(key, default)
            if not isinstance(count, int) or isinstance(count, bool) or count < 0 or count > 100:
                self.error(where, f"`{key}` must be an integer between 0 and 100")
                count = default
            values[key] = count
        if values["min_items"] > values["max_items"] or values["max_items"] < 1:
            self.error(where, "`min_items` must not exceed `max_items` (at least 1)")
        return values

    def show_if(self, where: str, data: Any) -> ShowIf | None:
        if data is None:
            return None
        if not isinstance(data, dict):
            self.error(where, "`show_if` must be a mapping {field, equals} or {field, in}")
            return None
        self.check_keys(f"{where} show_if", data, SHOW_IF_KEYS)
        target = data.get("field")
        if not isinstance(target, str) or ("equals" in data) == ("in" in data):
            self.error(where, "`show_if` needs `field` and exactly one of `equals` or `in`")
            return None
        values = data["in"] if "in" in data else [data["equals"]]
        if not isinstance(values, list) or not values:
            self.error(where, "`show_if.in` must be a non-empty list")
            return None
        return ShowIf(field=target, values=tuple(values))

    def check_form(self, form: FormDef) -> None:
        """Cross-field checks: duplicate ids, `show_if` targets, and `show_if` cycles."""
        self.check_scope(form.fields(), parent=None, top=form.fields())
        for scope in [form.fields()] + [f.fields for f in form.fields() if f.fields]:
            self.check_cycles(scope, form.fields())

    def check_cycles(self, scope: tuple[FieldDef, ...], top: tuple[FieldDef, ...]) -> None:
        by_id = {f.id: f for f in top} | {f.id: f for f in scope}
        for start in scope:
            current: FieldDef | None = start
            for _step in range(len(by_id)):
                current = by_id.get(current.show_if.field) if current and current.show_if else None
                if current is None:
                    break
                if current is start:
                    self.error(start.id, "show_if conditions form a cycle")
                    break

    def check_scope(self, fields: tuple[FieldDef, ...], parent: FieldDef | None, top: tuple[FieldDef, ...]) -> None:
        seen: set[str] = set()
        for f in fields:
            name = f"{parent.id}.{f.id}" if parent else f.id
            if f.id and f.id in seen:
                self.error(name, f"duplicate field id `{f.id}`")
            seen.add(f.id)
            if f.show_if:
                self.check_show_if(name, f, fields if parent else (), top)
            if f.fields:
                self.check_scope(f.fields, parent=f, top=top)

    def check_show_if(self, name: str, f: FieldDef, siblings: tuple[FieldDef, ...], top: tuple[FieldDef, ...]) -> None:
        assert f.show_if is not None
        target = next((s for s in siblings if s.id == f.show_if.field), None) or next(
            (s for s in top if s.id == f.show_if.field), None
        )
        if target is None or target.id == f.id:
            self.error(name, f"show_if refers to unknown field `{f.show_if.field}`")
            return
        for problem in FIELD_TYPES[target.type].condition_problems(target, f.show_if.values):
            self.error(name, problem)


def parse_form(data: Any, source: str, names: Nomenclature) -> tuple[FormDef | None, list[DefinitionError]]:
    parser = _Parser(source, names)
    form = parser.form(data)
    return (form if not parser.errors else None), parser.errors
