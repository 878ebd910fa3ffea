"""Visas d'élimination, éliminations performed (with their sealed bordereau) and family notices.

Nothing here identifies a child: a bordereau holds counts and years only, a notice is the
programme's own text.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, DateTime, ForeignKey, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, utcnow


class EliminationVisa(Base):
    """The archives départementales' approval of an élimination (visa number and date).

    It covers the files whose last contact with the family falls within `first_year`..`last_year`
    (the dates extrêmes of the bordereau submitted to the archives); it is used by one élimination.
    """

    __tablename__ = "elimination_visas"
    __table_args__ = (UniqueConstraint("programme_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(32), unique=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("programmes.id"), index=True)
    number: Mapped[str] = mapped_column(String(64))
    granted_on: Mapped[date] = mapped_column(Date)
    first_year: Mapped[int] = mapped_column(Integer)
    last_year: Mapped[int] = mapped_column(Integer)
    recorded_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    used_at: Mapped[datetime | None] = mapped_column(DateTime)

    def covers(self, year: int) -> bool:
        return self.first_year <= year <= self.last_year


class Elimination(Base):
    """One élimination performed under a visa, with its sealed bordereau (kept for good)."""

    __tablename__ = "eliminations"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(32), unique=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("programmes.id"), index=True)
    visa_id: Mapped[int] = mapped_column(ForeignKey("elimination_visas.id"))
    performed_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    performed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    files: Mapped[int] = mapped_column(Integer)
    documents: Mapped[int] = mapped_column(Integer)
    forced: Mapped[int] = mapped_column(Integer, default=0)  # files eliminated without an archive, by --force
    bordereau: Mapped[bytes] = mapped_column(LargeBinary)


class FamilyNotice(Base):
    """The programme's information notice for families (GDPR art. 13); defaults when absent."""

    __tablename__ = "family_notices"

    programme_id: Mapped[int] = mapped_column(ForeignKey("programmes.id"), primary_key=True)
    controller: Mapped[str] = mapped_column(Text)
    purposes: Mapped[str] = mapped_column(Text)
    legal_basis: Mapped[str] = mapped_column(Text)
    recipients: Mapped[str] = mapped_column(Text)
    retention: Mapped[str] = mapped_column(Text)
    rights: Mapped[str] = mapped_column(Text)
    contact: Mapped[str] = mapped_column(Text)
    updated_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
