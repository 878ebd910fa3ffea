"""Turning a definition and its answers into the plain data the PDF renderer lays out."""

from __future__ import annotations

import base64
from datetime import date, datetime
from typing import Any

from app.documents.rendering import Item, RenderableDocument, Section, SignatureItem, Table
from app.formengine.definitions import FieldDef, FormDef
from app.formengine.fields import PNG_DATA_URL, field_type
from app.formengine.loader import FormSet
from app.formengine.validation import signed_at_of


def _signature(f: FieldDef, value: dict[str, Any]) -> SignatureItem:
    image = value.get("image")
    paper = value.get("paper_date")
    return SignatureItem(
        role=f.role or f.label,
        signer_name=value.get("signer") or "",
        signed_at=signed_at_of(value),
        png=base64.b64decode(image[len(PNG_DATA_URL) :]) if image else None,
        paper_signed_on=date.fromisoformat(paper) if paper else None,
    )


def _table(group: FieldDef, rows: list[dict[str, Any]]) -> Table:
    return Table(
        columns=[sub.label for sub in group.fields],
        rows=[[field_type(sub).display(sub, row.get(sub.id)) for sub in group.fields] for row in rows],
    )


def section_items(fields: tuple[FieldDef, ...], answers: dict[str, Any]) -> list[Item | Table | SignatureItem]:
    """Answered fields only: hidden and empty optional fields do not lengthen the PDF."""
    items: list[Item | Table | SignatureItem] = []
    for f in fields:
        value = answers.get(f.id)
        if value in (None, [], {}):
            continue
        if f.type == "group":
            items.append(_table(f, value))
        elif f.type == "signature":
            items.append(_signature(f, value))
        else:
            items.append(Item(f.label, field_type(f).display(f, value)))
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
    )
