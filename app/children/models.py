"""Children and their parcours.

Clear columns hold only what the indicators and the workflow need: nomenclature codes, dates, the
year of birth (age on 31 December is the year minus it) and keyed digests. Everything identifying
lives encrypted in `child_identities` and `parcours_details`, apart from the narrow tables that
indicator queries scan.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import Base, str_enum, utcnow
from app.nomenclature import Decision


class Child(Base):
    __tablename__ = "children"
    __table_args__ = (
        UniqueConstraint("programme_id", "pseudonym"),
        UniqueConstraint("programme_id", "ref_digest"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(32), unique=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("programmes.id"), index=True)
    referent_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    pseudonym: Mapped[str] = mapped_column(String(16))
    sexe: Mapped[str] = mapped_column(String(1))
    annee_naissance: Mapped[int] = mapped_column(Integer)
    famille_digest: Mapped[str | None] = mapped_column(String(64))
    ref_digest: Mapped[str | None] = mapped_column(String(64))
    wrapped_key: Mapped[bytes | None] = mapped_column(LargeBinary)
    kek_version: Mapped[int] = mapped_column(Integer)
    key_version: Mapped[int] = mapped_column(Integer, default=1)
    # Retention counts from the last contact coming from the family (CNIL référentiel protection de
    # l'enfance, § 46): a family signature, a meeting with them, their agreement — never a staff edit.
    last_family_contact: Mapped[date] = mapped_column(Date)
    imported: Mapped[bool] = mapped_column(Boolean, default=False)
    purged_at: Mapped[datetime | None] = mapped_column(DateTime)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    # Set when an orientation named a child its author may not see: the coordinator resolves it.
    possible_duplicate_of: Mapped[int | None] = mapped_column(ForeignKey("children.id"))

    identity: Mapped[ChildIdentity] = relationship(back_populates="child", cascade="all, delete-orphan", uselist=False)
    parcours: Mapped[list[Parcours]] = relationship(
        back_populates="child", order_by=lambda: (Parcours.date_orientation, Parcours.id)
    )

    @property
    def purged(self) -> bool:
        return self.purged_at is not None


def situation_of(latest: Any) -> tuple[str, date | None]:
    """Where a child stands from its latest parcours (`Child.parcours[-1]`, or a row with its decision
    and dates; None without any): (decision, `sorti`, or `sans_suite` for an admission closed before
    its contract was signed; the date that goes with it)."""
    if latest is None:
        return "aucun", None
    if latest.date_sortie is not None:
        return ("sorti" if latest.date_entree is not None else "sans_suite"), latest.date_sortie
    if latest.decision_eps == Decision.ACCEPTE:
        return Decision.ACCEPTE, latest.date_entree
    return str(latest.decision_eps), latest.date_orientation


class ChildIdentity(Base):
    """Encrypted identity of a child; each column is its own AES-GCM ciphertext."""

    __tablename__ = "child_identities"

    child_id: Mapped[int] = mapped_column(ForeignKey("children.id"), primary_key=True)
    nom: Mapped[bytes] = mapped_column(LargeBinary)
    prenom: Mapped[bytes] = mapped_column(LargeBinary)
    date_naissance: Mapped[bytes] = mapped_column(LargeBinary)
    adresse: Mapped[bytes | None] = mapped_column(LargeBinary)
    ref_enfant: Mapped[bytes | None] = mapped_column(LargeBinary)
    ref_famille: Mapped[bytes | None] = mapped_column(LargeBinary)
    responsables: Mapped[bytes | None] = mapped_column(LargeBinary)
    # Bumped at each write and bound into every ciphertext's associated data: an older value
    # written back into the row no longer decrypts (rows from before migration 0008 count 0).
    write_count: Mapped[int] = mapped_column(Integer, server_default="0")

    child: Mapped[Child] = relationship(back_populates="identity")


class ChildSearchIndex(Base):
    """Blind-index digests of a child's names (see `app.crypto.blind_index`)."""

    __tablename__ = "child_search_index"
    __table_args__ = (Index("ix_child_search_index_lookup", "programme_id", "digest"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("programmes.id"))
    child_id: Mapped[int] = mapped_column(ForeignKey("children.id"), index=True)
    digest: Mapped[str] = mapped_column(String(64))


class Parcours(Base):
    """One orientation and what followed it; clear codes and dates only."""

    __tablename__ = "parcours"
    __table_args__ = (
        # Covering index of the orientations of a period (app.indicators.compute), migration 0008.
        Index("ix_parcours_orientations", "programme_id", "date_orientation", "orienteur", "decision_eps"),
        Index("ix_parcours_programme_entree", "programme_id", "date_entree"),
        # Covering index of the orientation-to-decision delays of a period (indicators), migration 0009.
        Index("ix_parcours_decisions", "programme_id", "date_decision", "decision_eps", "date_orientation"),
        # Covering index of the yearly indicators (app.indicators.compute), migration 0005.
        Index(
            "ix_parcours_indicators",
            *("programme_id", "date_entree", "date_sortie", "decision_eps", "child_id"),
            *("cycle", "qpv", "rep", "motif_sortie", "id"),
        ),
        # Covering index of the children followed in a period, in child order (indicators), migration 0010.
        Index(
            "ix_parcours_followed",
            *("programme_id", "decision_eps", "child_id", "date_entree", "date_sortie", "cycle", "qpv", "rep", "id"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(32), unique=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("programmes.id"))
    child_id: Mapped[int] = mapped_column(ForeignKey("children.id"), index=True)
    date_orientation: Mapped[date] = mapped_column(Date)
    orienteur: Mapped[str] = mapped_column(String(32))
    decision_eps: Mapped[Decision] = mapped_column(str_enum(Decision, 16), default=Decision.EN_ATTENTE)
    date_decision: Mapped[date | None] = mapped_column(Date)
    date_entree: Mapped[date | None] = mapped_column(Date)
    date_sortie: Mapped[date | None] = mapped_column(Date)
    # From the latest signed contract or avenant (migration 0009): when the contract ends, when it
    # is to be reviewed with the family (the référent's to-do reads them).
    date_fin_prevue: Mapped[date | None] = mapped_column(Date)
    date_revision_prevue: Mapped[date | None] = mapped_column(Date)
    motif_sortie: Mapped[str | None] = mapped_column(String(32))
    niveau: Mapped[str | None] = mapped_column(String(16))
    cycle: Mapped[str | None] = mapped_column(String(16))
    qpv: Mapped[str | None] = mapped_column(String(8))
    rep: Mapped[str | None] = mapped_column(String(16))
    eps_facts_shared: Mapped[bool] = mapped_column(Boolean, default=False)
    imported: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    child: Mapped[Child] = relationship(back_populates="parcours")
    codes: Mapped[list[ParcoursCode]] = relationship(cascade="all, delete-orphan")
    details: Mapped[ParcoursDetails | None] = relationship(cascade="all, delete-orphan")

    @property
    def referent_id(self) -> int | None:
        """The child's référent: a parcours is in the caseload of whoever follows its child."""
        return self.child.referent_id

    @property
    def purged(self) -> bool:
        return self.child.purged

    @property
    def closed_before_entry(self) -> bool:
        """Admitted, then closed before its contract was signed: it never began."""
        return self.date_sortie is not None and self.date_entree is None

    def codes_of(self, dimension: str) -> list[str]:
        return sorted(c.code for c in self.codes if c.dimension == dimension)


class ParcoursCode(Base):
    """Multi-valued nomenclature codes of a parcours (`difficulte`, `action`)."""

    __tablename__ = "parcours_codes"
    __table_args__ = (Index("ix_parcours_codes_dimension_code", "dimension", "code"),)

    parcours_id: Mapped[int] = mapped_column(ForeignKey("parcours.id"), primary_key=True)
    dimension: Mapped[str] = mapped_column(String(16), primary_key=True)
    code: Mapped[str] = mapped_column(String(32), primary_key=True)


class ParcoursDetails(Base):
    """Encrypted free values of a parcours known outside any document (e.g. imported school)."""

    __tablename__ = "parcours_details"

    parcours_id: Mapped[int] = mapped_column(ForeignKey("parcours.id"), primary_key=True)
    payload: Mapped[bytes] = mapped_column(LargeBinary)
