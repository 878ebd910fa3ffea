"""Collective actions, their sessions and who attended.

Only codes, dates, counts and the action's own texts (title, provider, place: not about a child)
are stored; attending children are referenced by id, their names stay in the encrypted identity.
An action belongs to one programme and, when a référent created it, to that référent: it is then
judged by the caseload rule like a child's file (`referent_id`, `purged`).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, DateTime, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import Base, utcnow

PUBLICS = ("enfants", "parents", "enfants_parents")


class CollectiveAction(Base):
    __tablename__ = "collective_actions"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(32), unique=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("programmes.id"), index=True)
    # The référent who runs it (and alone among référents sees it); None for the coordinator's own.
    referent_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    title: Mapped[str] = mapped_column(String(160))
    action_code: Mapped[str] = mapped_column(String(40))
    public: Mapped[str] = mapped_column(String(20))
    provider: Mapped[str] = mapped_column(String(160), default="")
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)
    capacity: Mapped[int | None] = mapped_column(Integer)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    sessions: Mapped[list[CollectiveSession]] = relationship(
        back_populates="action", order_by="CollectiveSession.held_on", cascade="all, delete-orphan"
    )

    @property
    def purged(self) -> bool:
        return False


class CollectiveSession(Base):
    __tablename__ = "collective_sessions"
    __table_args__ = (Index("ix_collective_sessions_programme_date", "programme_id", "held_on", "action_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(32), unique=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("programmes.id"))
    action_id: Mapped[int] = mapped_column(ForeignKey("collective_actions.id"), index=True)
    held_on: Mapped[date] = mapped_column(Date)
    place: Mapped[str] = mapped_column(String(160), default="")
    other_children: Mapped[int] = mapped_column(Integer, default=0)
    parents: Mapped[int] = mapped_column(Integer, default=0)

    action: Mapped[CollectiveAction] = relationship(back_populates="sessions")
    attendances: Mapped[list[CollectiveAttendance]] = relationship(
        back_populates="session", cascade="all, delete-orphan"
    )

    @property
    def referent_id(self) -> int | None:
        return self.action.referent_id

    @property
    def purged(self) -> bool:
        return False


class CollectiveAttendance(Base):
    """A child of the programme attended a session."""

    __tablename__ = "collective_attendances"
    __table_args__ = (UniqueConstraint("session_id", "child_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("collective_sessions.id"))
    child_id: Mapped[int] = mapped_column(ForeignKey("children.id"), index=True)

    session: Mapped[CollectiveSession] = relationship(back_populates="attendances")
