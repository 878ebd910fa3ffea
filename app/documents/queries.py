"""Read side of the documents: a child's documents with their versions, the facts shown to the EPS."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, and_, bindparam, exists, or_, select
from sqlalchemy.orm import Session

from app.children.models import Child, Parcours
from app.documents.models import Document, DocumentStatus
from app.documents.services import ORIENTATION, current_document, read_answers


@dataclass(frozen=True)
class DocumentLine:
    document: Document
    number: int  # 1 for the first version, 2 for its correction...
    superseded: bool


# Built once: the child's page reads it at every view.
DOCUMENTS_OF_CHILD = select(Document).where(Document.child_id == bindparam("child_id")).order_by(Document.id)


def documents_of(session: Session, child: Child) -> dict[int, list[DocumentLine]]:
    """Every document of the child by parcours id, oldest first, with its version number."""
    documents = list(session.scalars(DOCUMENTS_OF_CHILD, {"child_id": child.id}))
    numbers: dict[int, int] = {}
    replaced = {d.previous_id for d in documents if d.previous_id}
    lines: dict[int, list[DocumentLine]] = {}
    for document in documents:
        numbers[document.id] = numbers.get(document.previous_id or 0, 0) + 1
        line = DocumentLine(document, numbers[document.id], document.id in replaced)
        lines.setdefault(document.parcours_id, []).append(line)
    return lines


def version_number(session: Session, document: Document) -> int:
    number, current = 1, document
    while current.previous_id is not None:
        previous = session.get(Document, current.previous_id)
        if previous is None:
            break
        number, current = number + 1, previous
    return number


def observed_facts(session: Session, parcours: Parcours) -> str | None:
    """The observed facts of the parcours' fiche d'orientation (for the EPS, when shared)."""
    document = current_document(session, parcours, ORIENTATION)
    if document is None:
        return None
    facts = read_answers(document).get("faits_observes")
    return facts if isinstance(facts, str) else None


def orientation_finalised() -> ColumnElement[bool]:
    """SQL condition: the parcours' fiche d'orientation is finalised (or it was imported from paper).

    A draft orientation never reaches the EPS."""
    orientation = and_(Document.parcours_id == Parcours.id, Document.form_id == ORIENTATION)
    finalised = exists().where(orientation, Document.status == DocumentStatus.FINAL)
    return or_(finalised, and_(Parcours.imported.is_(True), ~exists().where(orientation)))


def is_finalised(session: Session, parcours: Parcours) -> bool:
    return bool(session.scalar(select(orientation_finalised()).where(Parcours.id == parcours.id)))
