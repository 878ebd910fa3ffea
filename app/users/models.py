"""Programmes (one PRE each) and user accounts."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import BigInteger, Boolean, DateTime, ForeignKey, Integer, LargeBinary, String, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import Base, str_enum, utcnow
from app.i18n import _


class Role(StrEnum):
    REFERENT = "referent"
    COORDINATEUR = "coordinateur"
    EPS = "eps"
    ADMIN = "admin"
    RESEAU = "reseau"


# Roles that follow children (the only ones a child's référent may have) and so see their records:
# granting one needs a coordinator's confirmation.
CASE_ROLES = frozenset({Role.REFERENT, Role.COORDINATEUR})

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
    # Exits closed without the family are proposals until an EPS séance validates them (migration 0009).
    exits_need_eps: Mapped[bool] = mapped_column(Boolean, server_default=false(), default=False)


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("programmes.id"), index=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[Role] = mapped_column(str_enum(Role, 20))
    # A role with case access asked by an admin, waiting for a coordinator's confirmation.
    pending_role: Mapped[Role | None] = mapped_column(str_enum(Role, 20))
    # Empty until the holder chooses a password through a one-time link (app.users.activation).
    password_hash: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
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


class LoginThrottle(Base):
    """Failed attempts per (account typed, address) and per address, under a keyed hash: the
    address itself is never stored. A lock has a fixed length and lifts on its own."""

    __tablename__ = "login_throttles"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    failures: Mapped[int] = mapped_column(default=0)
    window_start: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    locked_until: Mapped[datetime | None] = mapped_column(DateTime)


class AccountToken(Base):
    """A one-time link that lets the holder of an account choose its password (activation, or a
    reset of access); only its hash is stored."""

    __tablename__ = "account_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    issued_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime)
    used_at: Mapped[datetime | None] = mapped_column(DateTime)
