"""Turning a definition and its answers into the plain data the PDF renderer lays out."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from app.documents.rendering import RenderableDocument, Section
from app.formengine.fields import field_type
from app.formengine.loader import FormSet
from app.formengine.model import FieldDef, FormDef
from app.formengine.printable import Printable


def section_items(fields: tuple[FieldDef, ...], answers: dict[str, Any]) -> list[Printable]:
    """Answered fields only: hidden and empty optional fields do not lengthen the PDF."""
    items: list[Printable] = []
    for f in fields:
        value = answers.get(f.id)
        if value in (None, [], {}):
            continue
        items.append(field_type(f).printable(f, value))
    return items


def build_renderable(
    forms: FormSet,
    form: FormDef,
    answers: dict[str, Any],
    *,
    programme_name: str,
    document_id: str,
    child_label: str,
    finalised_at: datetime | None,
    document_version: int = 1,
    statement: str = "",
) -> RenderableDocument:
    sections = [Section(s.title, section_items(s.fields, answers)) for s in form.sections]
    return RenderableDocument(
        programme_name=programme_name,
        form_set_name=forms.name,
        form_set_version=str(forms.version),
        form_title=form.title,
        form_id=form.form_id,
        form_version=form.version,
        document_id=document_id,
        child_label=child_label,
        finalised_at=finalised_at,
        sections=[s for s in sections if s.items],
        statement=statement,
        document_version=document_version,
    )
