"""Séances of the équipe pluridisciplinaire de soutien and what they decide.

Only codes, dates and pseudonyms are clear. The référent's presentation, the préconisation text
and the letters are encrypted with the child's key; the relevé de décisions is pseudonymised and
sealed, so it is kept as it is.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    select,
)
from sqlalchemy.orm import Mapped, mapped_column, object_session, relationship

from app.db import Base, utcnow

if TYPE_CHECKING:
    from app.children.models import Child, Parcours

PREPAREE = "preparee"
CLOSE = "close"

# Kinds of agenda items (why the situation comes to the séance).
ORIENTATION = "orientation"
REVUE = "revue"
SORTIE = "sortie"
AJOURNEE = "ajournee"
ITEM_KINDS = (ORIENTATION, AJOURNEE, REVUE, SORTIE)

# Kinds of per-programme texts (each change is a new version).
CHARTE = "charte"
COURRIER_FAMILLE = "courrier_famille"
RETOUR_ORIENTEUR = "retour_orienteur"
TEXT_KINDS = (CHARTE, COURRIER_FAMILLE, RETOUR_ORIENTEUR)


class EpsText(Base):
    """A version of the charter or of a letter template of one programme."""

    __tablename__ = "eps_texts"
    __table_args__ = (UniqueConstraint("programme_id", "kind", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("programmes.id"), index=True)
    kind: Mapped[str] = mapped_column(String(24))
    version: Mapped[int] = mapped_column(Integer)
    body: Mapped[str] = mapped_column(Text)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class CharterAcceptance(Base):
    """An EPS member accepted one version of their programme's confidentiality charter."""

    __tablename__ = "eps_charter_acceptances"
    __table_args__ = (UniqueConstraint("user_id", "text_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    text_id: Mapped[int] = mapped_column(ForeignKey("eps_texts.id"))
    version: Mapped[int] = mapped_column(Integer)
    accepted_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class Seance(Base):
    __tablename__ = "eps_seances"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(32), unique=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("programmes.id"), index=True)
    starts_at: Mapped[datetime] = mapped_column(DateTime, index=True)
    lieu: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(16), default=PREPAREE)
    closed_at: Mapped[datetime | None] = mapped_column(DateTime)
    releve_pdf: Mapped[bytes | None] = mapped_column(LargeBinary)
    releve_sha256: Mapped[str | None] = mapped_column(String(64))
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    members: Mapped[list[SeanceMember]] = relationship(cascade="all, delete-orphan")
    externals: Mapped[list[SeanceExternal]] = relationship(cascade="all, delete-orphan", order_by="SeanceExternal.id")
    items: Mapped[list[AgendaItem]] = relationship(
        back_populates="seance", cascade="all, delete-orphan", order_by="AgendaItem.position"
    )

    @property
    def closed(self) -> bool:
        return self.status == CLOSE

    def invites(self, user_id: int) -> bool:
        return any(member.user_id == user_id for member in self.members)

    def member_may_see(self, user_id: int) -> bool:
        """Invited, and has accepted the current version of the programme's charter."""
        if not self.invites(user_id):
            return False
        session = object_session(self)
        assert session is not None
        current = session.scalar(
            select(EpsText.id)
            .where(EpsText.programme_id == self.programme_id, EpsText.kind == CHARTE)
            .order_by(EpsText.version.desc())
            .limit(1)
        )
        if current is None:
            return False
        accepted = session.scalar(
            select(CharterAcceptance.id).where(
                CharterAcceptance.user_id == user_id, CharterAcceptance.text_id == current
            )
        )
        return accepted is not None


class SeanceMember(Base):
    """An EPS member (account) invited to a séance; `present` is recorded during or after it."""

    __tablename__ = "eps_seance_members"

    seance_id: Mapped[int] = mapped_column(ForeignKey("eps_seances.id"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    present: Mapped[bool | None] = mapped_column(Boolean)


class SeanceExternal(Base):
    """An attendee without an account (name and structure, professionals only)."""

    __tablename__ = "eps_seance_externals"

    id: Mapped[int] = mapped_column(primary_key=True)
    seance_id: Mapped[int] = mapped_column(ForeignKey("eps_seances.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    structure: Mapped[str] = mapped_column(String(200))
    present: Mapped[bool | None] = mapped_column(Boolean)


class AgendaItem(Base):
    """One situation on a séance's agenda."""

    __tablename__ = "eps_agenda_items"
    __table_args__ = (UniqueConstraint("seance_id", "parcours_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(32), unique=True)
    seance_id: Mapped[int] = mapped_column(ForeignKey("eps_seances.id"), index=True)
    parcours_id: Mapped[int] = mapped_column(ForeignKey("parcours.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    position: Mapped[int] = mapped_column(Integer)
    presentation: Mapped[bytes | None] = mapped_column(LargeBinary)
    presentation_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    seance: Mapped[Seance] = relationship(back_populates="items")
    parcours: Mapped[Parcours] = relationship()
    decisions: Mapped[list[EpsDecision]] = relationship(back_populates="item", order_by="EpsDecision.id")

    @property
    def child(self) -> Child:
        return self.parcours.child

    # An agenda item is in the caseload of whoever follows its child (authz CaseRecord).
    @property
    def programme_id(self) -> int:
        return self.parcours.programme_id

    @property
    def referent_id(self) -> int | None:
        return self.parcours.referent_id

    @property
    def purged(self) -> bool:
        return self.parcours.purged

    @property
    def decision(self) -> EpsDecision | None:
        return self.decisions[-1] if self.decisions else None


class ReviewRequest(Base):
    """A référent asks the EPS to review a parcours (`revue`) or to validate its exit (`sortie`)."""

    __tablename__ = "eps_review_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    parcours_id: Mapped[int] = mapped_column(ForeignKey("parcours.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    requested_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    requested_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    item_id: Mapped[int | None] = mapped_column(ForeignKey("eps_agenda_items.id"))


class EpsDecision(Base):
    """What the EPS decided about one parcours; never overwritten (the history is kept)."""

    __tablename__ = "eps_decisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(32), unique=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("programmes.id"), index=True)
    parcours_id: Mapped[int] = mapped_column(ForeignKey("parcours.id"), index=True)
    seance_id: Mapped[int | None] = mapped_column(ForeignKey("eps_seances.id"), index=True)
    item_id: Mapped[int | None] = mapped_column(ForeignKey("eps_agenda_items.id"))
    outcome: Mapped[str] = mapped_column(String(24))
    decided_on: Mapped[date] = mapped_column(Date)
    reorientation: Mapped[str | None] = mapped_column(String(32))
    manque: Mapped[str | None] = mapped_column(String(32))
    preconisations: Mapped[str] = mapped_column(String(400), default="")
    note: Mapped[bytes | None] = mapped_column(LargeBinary)
    referent_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    liste_attente: Mapped[bool] = mapped_column(Boolean, default=False)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    item: Mapped[AgendaItem | None] = relationship(back_populates="decisions")
    parcours: Mapped[Parcours] = relationship()

    @property
    def preconisation_codes(self) -> list[str]:
        return [code for code in self.preconisations.split("|") if code]


class Letter(Base):
    """A sealed letter produced by a decision: to the family or to the referrer."""

    __tablename__ = "eps_letters"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(32), unique=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("programmes.id"), index=True)
    child_id: Mapped[int] = mapped_column(ForeignKey("children.id"), index=True)
    decision_id: Mapped[int] = mapped_column(ForeignKey("eps_decisions.id"), index=True)
    kind: Mapped[str] = mapped_column(String(24))
    template_version: Mapped[int] = mapped_column(Integer)
    pdf: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)  # listed on pages, read on download
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    child: Mapped[Child] = relationship()
    decision: Mapped[EpsDecision] = relationship()

    # A letter is in the caseload of whoever follows its child (authz CaseRecord).
    @property
    def referent_id(self) -> int | None:
        return self.child.referent_id

    @property
    def purged(self) -> bool:
        return self.child.purged
