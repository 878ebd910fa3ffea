"""A closure of a parcours decided by the coordinator without the family's signature.

Clear: the reason code, the exit date, the state (proposed to the EPS, effective, refused) — what
the indicators and the workflow need. The attempts made to reach the family and the note are
encrypted with the child's key, like the sealed PDF record of the closure.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, DateTime, ForeignKey, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.children.models import Parcours
from app.db import Base, utcnow

CLOSURES_TABLE = "parcours_closures"

PROPOSED = "proposee"  # waits for the EPS to validate it
EFFECTIVE = "effective"  # the parcours is closed
REFUSED = "refusee"  # the EPS kept the parcours going


class Closure(Base):
    __tablename__ = CLOSURES_TABLE

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(32), unique=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("programmes.id"), index=True)
    parcours_id: Mapped[int] = mapped_column(ForeignKey("parcours.id"), index=True)
    motif_sortie: Mapped[str] = mapped_column(String(32))
    date_sortie: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16))
    attempts_count: Mapped[int] = mapped_column(Integer, default=0)
    details: Mapped[bytes] = mapped_column(LargeBinary)  # attempts and note (JSON), encrypted
    pdf: Mapped[bytes | None] = mapped_column(LargeBinary)  # sealed record, encrypted
    eps_decision_id: Mapped[int | None] = mapped_column(ForeignKey("eps_decisions.id"))
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    effective_at: Mapped[datetime | None] = mapped_column(DateTime)

    parcours: Mapped[Parcours] = relationship()

    # A closure is in the caseload of whoever follows its child (authz CaseRecord).
    @property
    def referent_id(self) -> int | None:
        return self.parcours.referent_id

    @property
    def purged(self) -> bool:
        return self.parcours.purged
