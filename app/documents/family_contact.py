"""Which answers of a document are a contact coming from the family (retention counts from them).

The CNIL référentiel protection de l'enfance (2022, § 46) keeps a file in the active base two years
after the last contact *coming from the person followed or their legal representative*. In the
harmonised forms, that is a signature by a parent or the child, the family's agreement to the
orientation, and a meeting of the follow-up (« Rencontres et bilans » of a version-1 fiche de suivi,
or a journal entry with the family: entretien, visite à domicile, réunion avec l'école) — never a
staff edit, a passage en EPS or a synthèse.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from app.formengine import FormDef
from app.formengine.definitions import FieldDef

# Signature roles (as written in the form definitions) that belong to the family.
FAMILY_SIGNERS = frozenset({"parent", "enfant"})
# Date fields that record a contact with the family, by form: `field` or `group.field`.
FAMILY_DATES: dict[str, frozenset[str]] = {
    "orientation": frozenset({"date_accord"}),
    "suivi": frozenset({"rencontres.date", "date"}),
}
# Journal entries (`suivi` v2 on) held without the family: their date is no contact.
STAFF_ONLY_ENTRIES = frozenset({"passage_eps", "synthese"})


def _day(text: Any) -> date | None:
    if not isinstance(text, str) or not text:
        return None
    try:
        return datetime.fromisoformat(text).date() if "T" in text else date.fromisoformat(text)
    except ValueError:
        return None


def _signature_day(value: Any) -> date | None:
    if not isinstance(value, dict):
        return None
    return _day(value.get("paper_date")) or _day(value.get("signed_at"))


def _dates(form_id: str, fields: tuple[FieldDef, ...], values: dict[str, Any], prefix: str = "") -> list[date]:
    found: list[date] = []
    wanted = FAMILY_DATES.get(form_id, frozenset())
    for f in fields:
        value = values.get(f.id)
        if f.type == "group" and isinstance(value, list):
            for row in value:
                if isinstance(row, dict):
                    found += _dates(form_id, f.fields, row, f"{f.id}.")
        elif f.type == "signature" and f.role.casefold() in FAMILY_SIGNERS:
            day = _signature_day(value)
            found += [day] if day else []
        elif f.type == "date" and prefix + f.id in wanted:
            day = _day(value)
            found += [day] if day else []
    return found


def family_contact(form: FormDef, answers: dict[str, Any]) -> date | None:
    """The latest contact with the family recorded in `answers` (never after today), or None."""
    if answers.get("type") in STAFF_ONLY_ENTRIES:
        answers = {name: value for name, value in answers.items() if name != "date"}
    dates = [d for d in _dates(form.form_id, form.fields(), answers) if d <= date.today()]
    return max(dates, default=None)
