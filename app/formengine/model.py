"""Form definitions as frozen data: forms, sections, fields and their display conditions."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class ShowIf:
    """Show a field only when another field (same group row first, else top level) has a value."""

    field: str
    values: tuple[Any, ...]


@dataclass(frozen=True)
class FieldDef:
    id: str
    type: str
    label: str
    required: bool = False
    help: str = ""
    show_if: ShowIf | None = None
    choices: tuple[tuple[str, str], ...] = ()  # (code, French label), display order
    dimension: str | None = None
    feeds: str | None = None
    min: float | None = None
    max: float | None = None
    integer: bool = False
    max_length: int | None = None
    role: str = ""
    fields: tuple[FieldDef, ...] = ()
    min_items: int = 0
    max_items: int = 50

    def choice_codes(self) -> tuple[str, ...]:
        return tuple(code for code, _label in self.choices)

    def choice_label(self, code: str) -> str:
        return dict(self.choices).get(code, code)

    def subfield(self, field_id: str) -> FieldDef | None:
        return next((f for f in self.fields if f.id == field_id), None)


@dataclass(frozen=True)
class SectionDef:
    id: str
    title: str
    help: str
    fields: tuple[FieldDef, ...]


@dataclass(frozen=True)
class FormDef:
    form_id: str
    version: int
    title: str
    description: str
    sections: tuple[SectionDef, ...]
    sha256: str = ""
    # An attestation's sentence, with {programme}, {enfant}, {date_entree}, {date_sortie}.
    statement: str = ""
    source: str = ""

    def fields(self) -> tuple[FieldDef, ...]:
        return tuple(f for section in self.sections for f in section.fields)

    def field(self, field_id: str) -> FieldDef | None:
        return next((f for f in self.fields() if f.id == field_id), None)

    def fields_with_dimension(self, dimension: str) -> list[tuple[FieldDef | None, FieldDef]]:
        """(group or None, field) pairs tagged with `dimension`."""
        found: list[tuple[FieldDef | None, FieldDef]] = []
        for top in self.fields():
            if top.dimension == dimension:
                found.append((None, top))
            found.extend((top, sub) for sub in top.fields if sub.dimension == dimension)
        return found

    def field_feeding(self, column: str) -> FieldDef | None:
        return next((f for f in self.fields() if f.feeds == column), None)
