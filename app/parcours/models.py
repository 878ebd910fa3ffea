"""Transfers of a child from one référent to another, with a note to the new one (encrypted)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, LargeBinary
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, utcnow

TRANSFERS_TABLE = "referent_transfers"


class ReferentTransfer(Base):
    __tablename__ = TRANSFERS_TABLE

    id: Mapped[int] = mapped_column(primary_key=True)
    child_id: Mapped[int] = mapped_column(ForeignKey("children.id"), index=True)
    from_referent_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    to_referent_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    note: Mapped[bytes | None] = mapped_column(LargeBinary)  # encrypted with the child's key
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
