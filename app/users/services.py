"""Programmes and user accounts: creation, roles, disabling. Every change is audited."""

from __future__ import annotations

import re

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.audit import services as audit
from app.auth.passwords import hash_password, password_problem
from app.auth.sessions import revoke_all
from app.users.models import Programme, Role, User

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_CODE = re.compile(r"^[A-Z0-9][A-Z0-9_-]{1,31}$")


class UserError(ValueError):
    """A French message saying what is wrong with the requested change."""


def create_programme(session: Session, code: str, name: str, actor_id: int | None = None) -> Programme:
    code = code.strip().upper()
    if not _CODE.match(code):
        raise UserError(f"Code de programme invalide « {code} » : 2 à 32 lettres majuscules, chiffres, - ou _.")
    if session.scalar(select(Programme).where(Programme.code == code)):
        raise UserError(f"Le programme {code} existe déjà.")
    programme = Programme(code=code, name=name.strip() or code)
    session.add(programme)
    session.flush()
    audit.record(
        session,
        "programme.create",
        actor_id=actor_id,
        programme_id=programme.id,
        target_type="programmes",
        target_id=code,
    )
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
        raise UserError(f"Adresse e-mail invalide : « {email} ».")
    if role not in {r.value for r in Role}:
        raise UserError(f"Rôle inconnu « {role} » : referent, coordinateur, eps, admin ou reseau.")
    if find_user(session, email):
        raise UserError(f"Un compte existe déjà pour {email}.")
    if not name.strip():
        raise UserError("Le nom est obligatoire.")
    problem = password_problem(password)
    if problem:
        raise UserError(problem)
    user = User(
        programme_id=programme.id,
        email=email,
        name=name.strip(),
        role=role,
        password_hash=hash_password(password),
        active=True,
    )
    session.add(user)
    session.flush()
    audit.record(
        session,
        "user.create",
        actor_id=actor_id,
        programme_id=programme.id,
        target_type="users",
        target_id=str(user.id),
    )
    return user


def set_active(session: Session, user: User, active: bool, actor_id: int) -> None:
    if user.id == actor_id and not active:
        raise UserError("Vous ne pouvez pas désactiver votre propre compte.")
    user.active = active
    if not active:
        revoke_all(session, user.id)
    audit.record(
        session,
        "user.enable" if active else "user.disable",
        actor_id=actor_id,
        programme_id=user.programme_id,
        target_type="users",
        target_id=str(user.id),
    )


def set_role(session: Session, user: User, role: str, actor_id: int) -> None:
    if role not in {r.value for r in Role}:
        raise UserError(f"Rôle inconnu « {role} ».")
    if user.id == actor_id:
        raise UserError("Vous ne pouvez pas changer votre propre rôle.")
    user.role = role
    revoke_all(session, user.id)
    audit.record(
        session,
        "user.role",
        actor_id=actor_id,
        programme_id=user.programme_id,
        target_type="users",
        target_id=str(user.id),
    )


def set_password(session: Session, user: User, password: str, actor_id: int) -> None:
    problem = password_problem(password)
    if problem:
        raise UserError(problem)
    user.password_hash = hash_password(password)
    revoke_all(session, user.id)
    audit.record(
        session,
        "user.password",
        actor_id=actor_id,
        programme_id=user.programme_id,
        target_type="users",
        target_id=str(user.id),
    )
