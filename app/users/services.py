"""Programmes and user accounts: creation, roles, disabling, access resets. Every change is audited.

Separation of duties: an admin never chooses the password of an account and never gives case
access alone. An account with case access (référent, coordinateur) asked by an admin, or a role
change towards one, waits for the confirmation of a coordinator of the programme, who then hands
the holder a one-time link to choose the password. The server command line
(`parcours users add --password-stdin`) is the bootstrap: its accounts are active at once.
"""

from __future__ import annotations

import re

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from app.audit import services as audit
from app.dates import DEFAULT_TIMEZONE, DateError, check_timezone
from app.db import utcnow
from app.i18n import _
from app.users import activation
from app.users.models import CASE_ROLES, Programme, Role, User, UserSession
from app.users.passwords import hash_password, password_problem

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_CODE = re.compile(r"^[A-Z0-9][A-Z0-9_-]{1,31}$")


class UserError(ValueError):
    """A French message saying what is wrong with the requested change."""


def create_programme(
    session: Session, code: str, name: str, actor_id: int | None = None, timezone: str = DEFAULT_TIMEZONE
) -> Programme:
    code = code.strip().upper()
    if not _CODE.match(code):
        raise UserError(
            _("Code de programme invalide « %(code)s » : 2 à 32 lettres majuscules, chiffres, - ou _.") % {"code": code}
        )
    if session.scalar(select(Programme).where(Programme.code == code)):
        raise UserError(_("Le programme %(code)s existe déjà.") % {"code": code})
    programme = Programme(code=code, name=name.strip() or code, timezone=_zone(timezone))
    session.add(programme)
    session.flush()
    audit.record_for(session, "programme.create", programme, actor_id=actor_id)
    return programme


def _zone(name: str) -> str:
    try:
        return check_timezone(name)
    except DateError as error:
        raise UserError(str(error)) from None


def set_programme_timezone(session: Session, programme: Programme, timezone: str, actor_id: int | None = None) -> None:
    """Times are stored in UTC; the programme's users read them in this zone."""
    programme.timezone = _zone(timezone)
    session.flush()
    audit.record_for(session, "programme.timezone", programme, actor_id=actor_id)


def find_user(session: Session, email: str) -> User | None:
    return session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))


def create_user(
    session: Session,
    *,
    programme: Programme,
    email: str,
    name: str,
    role: str,
    password: str | None,
    actor_id: int | None = None,
) -> User:
    """`password` given: the account is active at once (server command line, the bootstrap);
    None: its holder chooses it through a one-time link (see `request_account`)."""
    email = email.strip().lower()
    if not _EMAIL.match(email):
        raise UserError(_("Adresse e-mail invalide : « %(email)s ».") % {"email": email})
    if role not in {r.value for r in Role}:
        raise UserError(_("Rôle inconnu « %(role)s » : referent, coordinateur, eps, admin ou reseau.") % {"role": role})
    if find_user(session, email):
        raise UserError(_("Un compte existe déjà pour %(email)s.") % {"email": email})
    if not name.strip():
        raise UserError("Le nom est obligatoire.")
    if password is not None:
        problem = password_problem(password)
        if problem:
            raise UserError(problem)
    user = User(
        programme_id=programme.id,
        email=email,
        name=name.strip(),
        role=Role(role),
        pending_role=Role(role) if password is None and role in CASE_ROLES else None,
        password_hash=hash_password(password) if password is not None else "",
        active=True,
    )
    session.add(user)
    session.flush()
    audit.record_for(session, "user.create.request" if user.pending_role else "user.create", user, actor_id=actor_id)
    return user


def request_account(
    session: Session, *, programme: Programme, email: str, name: str, role: str, actor_id: int
) -> tuple[User, str | None]:
    """An admin asks for an account. With case access it waits for a coordinator's confirmation
    (no link yet); otherwise the admin receives the one-time link for its holder."""
    user = create_user(
        session, programme=programme, email=email, name=name, role=role, password=None, actor_id=actor_id
    )
    if user.pending_role:
        return user, None
    return user, activation.issue(session, user, actor_id)


def _clear_credentials(session: Session, user: User) -> None:
    user.password_hash = ""
    user.totp_secret = None
    user.totp_kek_version = None
    user.totp_confirmed = False
    user.totp_last_step = None
    revoke_all(session, user.id)


def confirm(session: Session, user: User, coordinator: User) -> str:
    """A coordinator of the programme confirms the pending role; returns the one-time link token
    that the coordinator hands to the holder (the earlier password, if any, stops working).
    `coordinator` holds `account:confirm` (the view's `@requires`, app.authz)."""
    if user.pending_role is None:
        raise UserError(_("Aucune demande en attente pour ce compte."))
    if user.id == coordinator.id or user.programme_id != coordinator.programme_id:
        raise UserError(_("Seul·e un·e autre coordonnateur·rice du programme peut confirmer ce compte."))
    user.role, user.pending_role = user.pending_role, None
    _clear_credentials(session, user)
    audit.record_for(session, "user.confirm", user, actor_id=coordinator.id)
    return activation.issue(session, user, coordinator.id)


def refuse(session: Session, user: User, coordinator: User) -> None:
    """A coordinator refuses the pending role: the role stays as it was; a new account stays unusable."""
    if user.pending_role is None:
        raise UserError(_("Aucune demande en attente pour ce compte."))
    user.pending_role = None
    if not user.password_hash:
        user.active = False
    audit.record_for(session, "user.confirm.refuse", user, actor_id=coordinator.id)


def reset_access(session: Session, user: User, actor_id: int) -> str | None:
    """Forgotten password: the account's credentials stop working. With case access a coordinator
    confirms and hands the new link; otherwise the admin receives it (returned)."""
    if user.id == actor_id:
        raise UserError(_("Changez votre propre mot de passe depuis la page « Mon compte »."))
    _clear_credentials(session, user)
    audit.record_for(session, "user.access.reset", user, actor_id=actor_id)
    if user.role in CASE_ROLES:
        user.pending_role = user.role
        return None
    return activation.issue(session, user, actor_id)


def reset_totp(session: Session, user: User, actor_id: int) -> None:
    """Lost phone: the second factor is removed and its holder enrols a new one at the next login
    (with their own password, which the admin does not know)."""
    user.totp_secret = None
    user.totp_kek_version = None
    user.totp_confirmed = False
    user.totp_last_step = None
    revoke_all(session, user.id)
    audit.record_for(session, "user.totp.reset", user, actor_id=actor_id)


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
    if role in CASE_ROLES and role != user.role:
        user.pending_role = Role(role)  # applied once a coordinator confirms
        audit.record_for(session, "user.role.request", user, actor_id=actor_id)
        return
    user.role, user.pending_role = Role(role), None
    revoke_all(session, user.id)
    audit.record_for(session, "user.role", user, actor_id=actor_id)


def set_password(session: Session, user: User, password: str, actor_id: int) -> None:
    """The holder sets their own password (activation link, or change with the current one)."""
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
