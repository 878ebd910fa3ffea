"""Programmes and user accounts: creation, roles, disabling. Every change is audited."""

from __future__ import annotations

import re

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from app.audit import services as audit
from app.db import utcnow
from app.i18n import _
from app.users.models import Programme, Role, User, UserSession
from app.users.passwords import hash_password, password_problem

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_CODE = re.compile(r"^[A-Z0-9][A-Z0-9_-]{1,31}$")


class UserError(ValueError):
    """A French message saying what is wrong with the requested change."""


def create_programme(session: Session, code: str, name: str, actor_id: int | None = None) -> Programme:
    code = code.strip().upper()
    if not _CODE.match(code):
        raise UserError(
            _("Code de programme invalide « %(code)s » : 2 à 32 lettres majuscules, chiffres, - ou _.") % {"code": code}
        )
    if session.scalar(select(Programme).where(Programme.code == code)):
        raise UserError(_("Le programme %(code)s existe déjà.") % {"code": code})
    programme = Programme(code=code, name=name.strip() or code)
    session.add(programme)
    session.flush()
    audit.record_for(session, "programme.create", programme, actor_id=actor_id)
    return programme


def find_user(session: Session, email: str) -> User | None:
    return session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))


def create_user(
    session: Session,
    *,
    programme: Programme,
    email: str,
    name: str,
    role: str,
    password: str,
    actor_id: int | None = None,
) -> User:
    email = email.strip().lower()
    if not _EMAIL.match(email):
        raise UserError(_("Adresse e-mail invalide : « %(email)s ».") % {"email": email})
    if role not in {r.value for r in Role}:
        raise UserError(_("Rôle inconnu « %(role)s » : referent, coordinateur, eps, admin ou reseau.") % {"role": role})
    if find_user(session, email):
        raise UserError(_("Un compte existe déjà pour %(email)s.") % {"email": email})
    if not name.strip():
        raise UserError("Le nom est obligatoire.")
    problem = password_problem(password)
    if problem:
        raise UserError(problem)
    user = User(
        programme_id=programme.id,
        email=email,
        name=name.strip(),
        role=Role(role),
        password_hash=hash_password(password),
        active=True,
    )
    session.add(user)
    session.flush()
    audit.record_for(session, "user.create", user, actor_id=actor_id)
    return user


def set_active(session: Session, user: User, active: bool, actor_id: int) -> None:
    if user.id == actor_id and not active:
        raise UserError(_("Vous ne pouvez pas désactiver votre propre compte."))
    user.active = active
    if not active:
        revoke_all(session, user.id)
    audit.record_for(session, "user.enable" if active else "user.disable", user, actor_id=actor_id)


def set_role(session: Session, user: User, role: str, actor_id: int) -> None:
    if role not in {r.value for r in Role}:
        raise UserError(_("Rôle inconnu « %(role)s ».") % {"role": role})
    if user.id == actor_id:
        raise UserError(_("Vous ne pouvez pas changer votre propre rôle."))
    user.role = Role(role)
    revoke_all(session, user.id)
    audit.record_for(session, "user.role", user, actor_id=actor_id)


def set_password(session: Session, user: User, password: str, actor_id: int) -> None:
    problem = password_problem(password)
    if problem:
        raise UserError(problem)
    user.password_hash = hash_password(password)
    revoke_all(session, user.id)
    audit.record_for(session, "user.password", user, actor_id=actor_id)


def revoke_all(db_session: Session, user_id: int) -> None:
    db_session.execute(
        update(UserSession)
        .where(UserSession.user_id == user_id, UserSession.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )
