"""A scan attached to a child's file: category, type and size clear; file name and bytes encrypted."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.children.models import Child
from app.db import Base, utcnow

SCANS_TABLE = "scans"


class Scan(Base):
    __tablename__ = SCANS_TABLE

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(32), unique=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("programmes.id"), index=True)
    child_id: Mapped[int] = mapped_column(ForeignKey("children.id"), index=True)
    category: Mapped[str] = mapped_column(String(24))
    kind: Mapped[str] = mapped_column(String(8))  # pdf, jpeg or png: checked by content
    size: Mapped[int] = mapped_column(Integer)
    # The file name may name the child or the family: encrypted, like the bytes.
    filename: Mapped[bytes] = mapped_column(LargeBinary)
    content: Mapped[bytes] = mapped_column(LargeBinary)
    uploaded_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    child: Mapped[Child] = relationship()

    # A scan is in the caseload of whoever follows its child (authz CaseRecord).
    @property
    def referent_id(self) -> int | None:
        return self.child.referent_id

    @property
    def purged(self) -> bool:
        return self.child.purged
