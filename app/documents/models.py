"""Filled forms ("documents"): a draft until finalised, then locked; corrections are new versions."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import TYPE_CHECKING

from sqlalchemy import Date, DateTime, ForeignKey, Index, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import Base, str_enum, utcnow

if TYPE_CHECKING:
    from app.children.models import Child, Parcours


class DocumentStatus(StrEnum):
    DRAFT = "brouillon"  # editable
    FINAL = "finalise"  # locked; corrections are new versions


DRAFT = DocumentStatus.DRAFT
FINAL = DocumentStatus.FINAL


class Document(Base):
    __tablename__ = "documents"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(32), unique=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("programmes.id"), index=True)
    child_id: Mapped[int] = mapped_column(ForeignKey("children.id"), index=True)
    parcours_id: Mapped[int] = mapped_column(ForeignKey("parcours.id"), index=True)
    form_id: Mapped[str] = mapped_column(String(40))
    form_version: Mapped[int] = mapped_column(Integer)
    form_hash: Mapped[str] = mapped_column(String(64))
    status: Mapped[DocumentStatus] = mapped_column(str_enum(DocumentStatus, 16), default=DocumentStatus.DRAFT)
    lock_version: Mapped[int] = mapped_column(Integer, default=1)
    previous_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id"))
    # An avenant names the contract it amends (the contract's first version; migration 0009).
    amends_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id"))
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    finalised_at: Mapped[datetime | None] = mapped_column(DateTime, index=True)
    finalised_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    content: Mapped[DocumentContent] = relationship(cascade="all, delete-orphan", uselist=False)
    child: Mapped[Child] = relationship()
    parcours: Mapped[Parcours] = relationship()

    @property
    def referent_id(self) -> int | None:
        """A document is in the caseload of whoever follows its child."""
        return self.child.referent_id

    @property
    def purged(self) -> bool:
        return self.child.purged

    # Optimistic locking: every UPDATE checks and increments `lock_version`, so of two saves made
    # from the same version the second fails (StaleDataError) instead of overwriting the first.
    __mapper_args__ = {"version_id_col": lock_version}  # noqa: RUF012 - read once by the mapper


class DocumentContent(Base):
    """Encrypted answers and, once finalised, the encrypted sealed PDF."""

    __tablename__ = "document_contents"

    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), primary_key=True)
    answers: Mapped[bytes] = mapped_column(LargeBinary)
    pdf: Mapped[bytes | None] = mapped_column(LargeBinary)
    # Saves of the answers, bound into their ciphertext (see `ChildIdentity.write_count`).
    answers_writes: Mapped[int] = mapped_column(Integer, server_default="0")


class JournalEntry(Base):
    """The clear date and type of a finalised journal entry (`suivi` from version 2 on; its latest version).

    Copied at finalisation so that "last review" is a query, never a decryption."""

    __tablename__ = "journal_entries"
    __table_args__ = (Index("ix_journal_entries_parcours_date", "parcours_id", "entry_date"),)

    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), primary_key=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("programmes.id"))
    parcours_id: Mapped[int] = mapped_column(ForeignKey("parcours.id"))
    entry_date: Mapped[date] = mapped_column(Date)
    kind: Mapped[str] = mapped_column(String(32))


class ExitEvaluation(Base):
    """Clear codes of a finalised exit evaluation (latest version only): the coded next step.

    Written when the evaluation is finalised, so that `evaluation.suite` and
    `evaluation.progression` are grouped queries over codes, without decrypting anything.
    """

    __tablename__ = "exit_evaluations"
    __table_args__ = (Index("ix_exit_evaluations_period", "programme_id", "finalised_on"),)

    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), primary_key=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("programmes.id"))
    parcours_id: Mapped[int] = mapped_column(ForeignKey("parcours.id"), index=True)
    finalised_on: Mapped[date] = mapped_column(Date)
    suite: Mapped[str | None] = mapped_column(String(32))

    objectives: Mapped[list[EvaluatedObjective]] = relationship(cascade="all, delete-orphan")


class EvaluatedObjective(Base):
    """One objective evaluated in an exit evaluation: its `progression` code."""

    __tablename__ = "evaluated_objectives"

    document_id: Mapped[int] = mapped_column(ForeignKey("exit_evaluations.document_id"), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    progression: Mapped[str] = mapped_column(String(16))
