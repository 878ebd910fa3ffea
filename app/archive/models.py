"""Archive export jobs started from the web UI (the CLI exports directly)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import BigInteger, DateTime, ForeignKey, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, str_enum, utcnow


class ExportStatus(StrEnum):
    PENDING = "en_attente"
    RUNNING = "en_cours"
    DONE = "termine"
    FAILED = "echec"
    EXPIRED = "expire"  # the file was destroyed (expiry, newer exports, or a purge)


PENDING, RUNNING, DONE, FAILED = ExportStatus.PENDING, ExportStatus.RUNNING, ExportStatus.DONE, ExportStatus.FAILED
EXPIRED = ExportStatus.EXPIRED


class ArchiveExport(Base):
    __tablename__ = "archive_exports"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(32), unique=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("programmes.id"), index=True)
    year: Mapped[int] = mapped_column(Integer)
    requested_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    status: Mapped[ExportStatus] = mapped_column(str_enum(ExportStatus, 16), default=ExportStatus.PENDING)
    done: Mapped[int] = mapped_column(Integer, default=0)
    total: Mapped[int] = mapped_column(Integer, default=0)
    size: Mapped[int | None] = mapped_column(BigInteger)
    error: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime)
    # The file's own key, wrapped by the instance's key-encryption key (never in clear in the database).
    wrapped_key: Mapped[bytes | None] = mapped_column(LargeBinary)
    kek_version: Mapped[int | None] = mapped_column(Integer)

    @property
    def percent(self) -> int:
        if self.status == DONE:
            return 100
        return int(100 * self.done / self.total) if self.total else 0
