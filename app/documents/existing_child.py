"""An orientation that found the child's existing file: what it says differently from the file.

The orientation's identity replaces the file's at finalisation; until then, whoever opens it
(the référent, the coordinator) sees « Dossier existant retrouvé » and each difference."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from app.children.services import Identity, read_identity
from app.dates import format_date
from app.documents.clear_values import identity_from
from app.documents.models import DRAFT, Document
from app.formengine import FormDef
from app.nomenclature import nomenclature

COMPARED = ("nom", "prenom", "date_naissance", "sexe", "adresse", "ref_famille")


@dataclass(frozen=True)
class Difference:
    label: str
    in_file: str
    in_orientation: str


def found_existing(document: Document) -> bool:
    """The orientation went to a child who already had a parcours."""
    return document.form_id == "orientation" and len(document.child.parcours) > 1


def _shown(name: str, value: Any) -> str:
    if isinstance(value, date):
        return format_date(value)
    if name == "sexe" and value:
        return nomenclature().label("sexe", value)
    return str(value or "—")


def differences(document: Document, form: FormDef, answers: dict[str, Any]) -> list[Difference]:
    """Identity values of a draft orientation that differ from the child's file (empty otherwise)."""
    if document.status != DRAFT or not found_existing(document):
        return []
    known: Identity = read_identity(document.child)
    typed = identity_from(answers, known.ref_enfant)
    found = []
    for name in COMPARED:
        before, after = getattr(known, name), getattr(typed, name)
        field = form.field(name)
        if field is not None and answers.get(name) not in (None, "") and before != after:
            found.append(Difference(field.label, _shown(name, before), _shown(name, after)))
    return found
