"""Read side of the follow-up: the date of the last journal entry ("dernier bilan"), a parcours' journal.

"Last review" is the date of the latest finalised journal entry. A parcours followed before the
journal (a version-1 `suivi` document) counts that document's finalisation as its last review,
as it did then.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session

from app.documents.models import FINAL, Document, JournalEntry
from app.formengine import form_set

JOURNAL_FORM = "suivi"
JOURNAL_FROM_VERSION = 2


def last_reviews(session: Session, parcours_ids: Iterable[int], kinds: Iterable[str] | None = None) -> dict[int, date]:
    """For each parcours with a review, the date of its last one (journal entries of `kinds` only, if given)."""
    ids = list(parcours_ids)
    if not ids:
        return {}
    last = func.max(JournalEntry.entry_date)
    entries = select(JournalEntry.parcours_id, last).where(JournalEntry.parcours_id.in_(ids))
    if kinds is not None:
        entries = entries.where(JournalEntry.kind.in_(list(kinds)))
    found: dict[int, date] = {
        parcours_id: day for parcours_id, day in session.execute(entries.group_by(JournalEntry.parcours_id))
    }
    if kinds is not None:
        return found
    before_journal = session.execute(
        select(Document.parcours_id, func.max(func.coalesce(Document.finalised_at, Document.updated_at)))
        .where(
            Document.parcours_id.in_(ids),
            Document.form_id == JOURNAL_FORM,
            Document.form_version < JOURNAL_FROM_VERSION,
            Document.status == FINAL,
        )
        .group_by(Document.parcours_id)
    )
    for parcours_id, at in before_journal:
        day = at.date() if hasattr(at, "date") else date.fromisoformat(str(at)[:10])
        found[parcours_id] = max(found.get(parcours_id, day), day)
    return found


def kind_label(kind: str) -> str:
    """The French label of a journal entry's type, as the journal form names it."""
    field = form_set().latest(JOURNAL_FORM).field("type")
    return field.choice_label(kind) if field is not None else kind


@dataclass(frozen=True)
class JournalLine:
    document: Document
    entry_date: date | None  # None for a draft (its date is encrypted until finalised)
    kind: str


def _by_id(line: JournalLine) -> int:
    return line.document.id


# Built once: the child's page reads it for each parcours at every view (one round trip: the journal's
# documents with the clear date and type of those finalised).
JOURNAL = (
    select(Document, JournalEntry.entry_date, JournalEntry.kind)
    .outerjoin(JournalEntry, JournalEntry.document_id == Document.id)
    .where(
        Document.parcours_id == bindparam("parcours_id"),
        Document.form_id == JOURNAL_FORM,
        Document.form_version >= JOURNAL_FROM_VERSION,
    )
)


def journal_of(session: Session, parcours_id: int) -> list[JournalLine]:
    """The journal of a parcours, drafts first, then finalised entries newest first (latest versions only)."""
    rows = session.execute(JOURNAL, {"parcours_id": parcours_id}).all()
    replaced = {
        document.previous_id for document, _day, _kind in rows if document.previous_id and document.status == FINAL
    }
    lines = [JournalLine(document, day, kind or "") for document, day, kind in rows if document.id not in replaced]
    drafts = sorted((line for line in lines if line.entry_date is None), key=_by_id, reverse=True)
    done = sorted(
        (line for line in lines if line.entry_date is not None),
        key=lambda line: (line.entry_date, line.document.id),
        reverse=True,
    )
    return drafts + done
