"""The actions of a parcours (the journal's clear rows are `app.documents.models.JournalEntry`).

Actions live outside any signed document
so that their status can change over time: codes and dates are clear (they feed the indicators and
the to-do), the provider, cost and funder are encrypted with the child's key.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import Date, DateTime, ForeignKey, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.children.models import Parcours
from app.db import Base, str_enum, utcnow
from app.i18n import _


class ActionStatus(StrEnum):
    PROPOSEE = "proposee"
    EN_ATTENTE = "en_attente"
    EN_COURS = "en_cours"
    TERMINEE = "terminee"
    ABANDONNEE = "abandonnee"


STATUS_LABELS = {
    ActionStatus.PROPOSEE: _("Proposée"),
    ActionStatus.EN_ATTENTE: _("En attente"),
    ActionStatus.EN_COURS: _("En cours"),
    ActionStatus.TERMINEE: _("Terminée"),
    ActionStatus.ABANDONNEE: _("Abandonnée"),
}
MODALITE_LABELS = {"individuelle": _("Individuelle"), "collective": _("Collective")}

# Actions that have not begun: the référent's to-do lists them.
WAITING_STATUSES = (ActionStatus.PROPOSEE, ActionStatus.EN_ATTENTE)


class ParcoursAction(Base):
    __tablename__ = "parcours_actions"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(32), unique=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("programmes.id"))
    parcours_id: Mapped[int] = mapped_column(ForeignKey("parcours.id"), index=True)
    code: Mapped[str] = mapped_column(String(32))  # nomenclature dimension `action`
    status: Mapped[ActionStatus] = mapped_column(str_enum(ActionStatus, 16), default=ActionStatus.PROPOSEE)
    modalite: Mapped[str] = mapped_column(String(16))  # individuelle | collective
    debut: Mapped[date | None] = mapped_column(Date)
    fin: Mapped[date | None] = mapped_column(Date)
    # Encrypted JSON {intervenant, cout, financeur}; the write count is bound into the ciphertext.
    payload: Mapped[bytes | None] = mapped_column(LargeBinary)
    payload_writes: Mapped[int] = mapped_column(Integer, server_default="0")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    parcours: Mapped[Parcours] = relationship()

    @property
    def referent_id(self) -> int | None:
        return self.parcours.referent_id

    @property
    def purged(self) -> bool:
        return self.parcours.purged
