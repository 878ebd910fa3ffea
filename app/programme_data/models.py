"""What the coordinator enters once a year about the programme itself (nothing about a child).

One row per figure: `section` (effectifs, financements, partenaires, etablissements, qpv), `code`
(a code of the section, or a QPV's name) and `value` (FTE, euros or a count; 1 for a QPV).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import DateTime, ForeignKey, Integer, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, utcnow


class ProgrammeYearFigure(Base):
    __tablename__ = "programme_year_figures"
    __table_args__ = (UniqueConstraint("programme_id", "year", "section", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("programmes.id"), index=True)
    year: Mapped[int] = mapped_column(Integer)
    section: Mapped[str] = mapped_column(String(20))
    code: Mapped[str] = mapped_column(String(160))
    value: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    updated_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
