"""What a finalised document writes to the clear, code-only columns the indicators read.

Fields are found by their tag, never by position: a field tagged with a nomenclature dimension
feeds that dimension, a date field with `feeds:` feeds that date column of `Parcours`.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from app.children.models import Parcours, ParcoursCode
from app.children.services import Guardian, Identity
from app.crypto import clean_name
from app.documents.models import Document, JournalEntry
from app.formengine.model import FormDef
from app.nomenclature import nomenclature

SINGLE_CODE_COLUMNS = ("orienteur", "niveau", "qpv", "rep")
MULTI_CODE_DIMENSIONS = ("difficulte", "action")
NOT_IN_SCHOOL, REP_NOT_APPLICABLE = "non_scolarise", "sans_objet"
# The orientation form's identity fields (its contract with `children.services.Identity`).
IDENTITY_FIELDS = ("nom", "prenom", "date_naissance", "sexe")


def codes_of(form: FormDef, answers: dict[str, Any], dimension: str) -> list[str] | None:
    """Every code of `dimension` in the answers (rows included); None when the form has no such field."""
    tagged = form.fields_with_dimension(dimension)
    if not tagged:
        return None
    codes: set[str] = set()
    for group, f in tagged:
        values = [row.get(f.id) for row in answers.get(group.id, [])] if group else [answers.get(f.id)]
        for value in values:
            codes.update(value if isinstance(value, list) else [value] if value else [])
    return sorted(codes)


def single_code(form: FormDef, answers: dict[str, Any], dimension: str) -> tuple[bool, str | None]:
    """(the form has a top-level field of `dimension`, its value)."""
    tagged = [f for group, f in form.fields_with_dimension(dimension) if group is None]
    return (bool(tagged), answers.get(tagged[0].id) if tagged else None)


def fed_date(form: FormDef, answers: dict[str, Any], column: str) -> date | None:
    f = form.field_feeding(column)
    value = answers.get(f.id) if f else None
    return date.fromisoformat(value) if value else None


def write_codes(parcours: Parcours, form: FormDef, answers: dict[str, Any]) -> None:
    """Orientation date and every coded value the form holds, onto the parcours."""
    oriented = fed_date(form, answers, "date_orientation")
    if oriented:
        parcours.date_orientation = oriented
    for column in SINGLE_CODE_COLUMNS:
        present, code = single_code(form, answers, column)
        if present and (code or column != "orienteur"):
            setattr(parcours, column, code)
            if column == "niveau":
                parcours.cycle = nomenclature().cycle_of_niveau.get(code) if code else None
    # A child out of school is not asked for REP (form set version 3): « sans objet ».
    if parcours.cycle == NOT_IN_SCHOOL and not parcours.rep:
        parcours.rep = REP_NOT_APPLICABLE
    for dimension in MULTI_CODE_DIMENSIONS:
        codes = codes_of(form, answers, dimension)
        if codes is None:
            continue
        kept = [c for c in parcours.codes if c.dimension != dimension or c.code in codes]
        existing = {c.code for c in kept if c.dimension == dimension}
        added = [ParcoursCode(parcours_id=parcours.id, dimension=dimension, code=c) for c in codes if c not in existing]
        parcours.codes = kept + added


def write_journal_entry(document: Document, form: FormDef, answers: dict[str, Any]) -> JournalEntry | None:
    """The clear date and type of a finalised journal entry; a correction replaces its earlier version's."""
    entry_date = fed_date(form, answers, "date_journal")
    if entry_date is None:
        return None
    return JournalEntry(
        document_id=document.id,
        programme_id=document.programme_id,
        parcours_id=document.parcours_id,
        entry_date=entry_date,
        kind=str(answers.get("type") or ""),
    )


def identity_from(answers: dict[str, Any], ref_enfant: str = "") -> Identity:
    """The child's identity as entered on a fiche d'orientation."""
    guardians = [
        Guardian(
            nom=clean_name(row.get("nom", "")),
            prenom=clean_name(row.get("prenom", "")),
            lien=row.get("lien", ""),
            telephone=row.get("telephone", ""),
            autorite_parentale=row.get("autorite_parentale") is not False,
        )
        for row in answers.get("responsables", [])
    ]
    return Identity(
        nom=clean_name(answers["nom"]),
        prenom=clean_name(answers["prenom"]),
        date_naissance=date.fromisoformat(answers["date_naissance"]),
        sexe=answers["sexe"],
        adresse=answers.get("adresse", ""),
        ref_enfant=ref_enfant,
        ref_famille=answers.get("ref_famille", ""),
        responsables=guardians,
    )
