"""Programmes (one PRE each) and user accounts."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import BigInteger, Boolean, DateTime, ForeignKey, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import Base, str_enum, utcnow
from app.i18n import _


class Role(StrEnum):
    REFERENT = "referent"
    COORDINATEUR = "coordinateur"
    EPS = "eps"
    ADMIN = "admin"
    RESEAU = "reseau"


ROLE_LABELS = {
    Role.REFERENT: _("Référent·e de parcours"),
    Role.COORDINATEUR: _("Coordonnateur·rice"),
    Role.EPS: _("Membre de l'EPS"),
    Role.ADMIN: _("Administrateur·rice"),
    Role.RESEAU: _("Réseau départemental"),
}


class Programme(Base):
    __tablename__ = "programmes"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    # 0: names indexed under the instance-wide key (before migration 0008; `parcours keys reindex`
    # moves them); 1: under this programme's own key, so two programmes' indexes never match.
    blind_index_version: Mapped[int] = mapped_column(Integer, server_default="1")


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("programmes.id"), index=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[Role] = mapped_column(str_enum(Role, 20))
    password_hash: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(DateTime)
    # TOTP seed, encrypted under the instance KEK (see app.auth.totp); confirmed once a code was entered.
    totp_secret: Mapped[bytes | None] = mapped_column(LargeBinary)
    totp_kek_version: Mapped[int | None] = mapped_column(Integer)
    totp_confirmed: Mapped[bool] = mapped_column(Boolean, default=False)
    totp_last_step: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    programme: Mapped[Programme] = relationship(lazy="joined")

    @property
    def role_label(self) -> str:
        return ROLE_LABELS[self.role]


class UserSession(Base):
    """A server-side login session, so that logout or disabling a user ends it at once."""

    __tablename__ = "user_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime)
