"""SECURITY 25: separation of duties. An admin cannot give themself access to case content:
accounts with case access are confirmed by a coordinator and activated by their holder."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pyotp
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.audit.models import AuditEvent
from app.auth import totp
from app.crypto.current import keyring
from app.users.models import User
from tests.conftest import csrf_token, login
from tests.factories import PASSWORD, World

LoginAs = Callable[[Any], FlaskClient]
LINK = re.compile(r"https?://[^<\s\"]*/activation/([A-Za-z0-9_-]+)")
NEW_PASSWORD = "une toute nouvelle phrase de passe"


def _post(client: FlaskClient, path: str, data: dict[str, str] | None = None, page: str = "/") -> str:
    response = client.post(path, data={**(data or {}), "csrf_token": csrf_token(client, page)}, follow_redirects=True)
    return response.get_data(as_text=True)


def _password_works(app: Flask, email: str, password: str) -> bool:
    client = app.test_client()
    response = client.post("/connexion", data={"email": email, "password": password, "csrf_token": csrf_token(client)})
    return response.status_code == 302


def _activate(app: Flask, token: str, password: str = NEW_PASSWORD) -> int:
    holder = app.test_client()
    page = f"/activation/{token}"
    data = {"password": password, "confirmation": password, "csrf_token": csrf_token(holder, page)}
    return holder.post(page, data=data).status_code


def test_no_admin_only_path_to_a_child_page(app: Flask, session: Session, world: World, login_as: LoginAs) -> None:
    admin = login_as(world.admin)
    seen = []
    seen.append(
        _post(
            admin,
            "/admin/utilisateurs/",
            {"name": "Compte Complice", "email": "complice@pre.test", "role": "coordinateur"},
            "/admin/utilisateurs/",
        )
    )
    accomplice = session.scalar(select(User).where(User.email == "complice@pre.test"))
    assert accomplice is not None and accomplice.pending_role == "coordinateur" and not accomplice.password_hash
    # Promoting an account the admin may hold (EPS), or resetting a référent, gives nothing either.
    seen.append(
        _post(admin, f"/admin/utilisateurs/{world.eps.id}/role", {"role": "coordinateur"}, "/admin/utilisateurs/")
    )
    seen.append(_post(admin, f"/admin/utilisateurs/{world.referent.id}/reinitialiser", page="/admin/utilisateurs/"))
    seen.append(admin.get("/admin/utilisateurs/").get_data(as_text=True))
    assert not any(LINK.search(page) for page in seen)
    session.expire_all()
    assert session.get(User, world.eps.id).role == "eps"  # type: ignore[union-attr]
    assert not _password_works(app, world.referent.email, PASSWORD)  # reset: the old password is gone
    for page in ("/comptes/confirmations", "/enfants/", f"/enfants/{world.child.public_id}"):
        assert admin.get(page).status_code == 404
    # A coordinator of the programme confirms and hands the link to the holder, who chooses the password.
    coordinator = login_as(world.coordinateur)
    pending = coordinator.get("/comptes/confirmations").get_data(as_text=True)
    assert "complice@pre.test" in pending and world.eps.email in pending and world.referent.email in pending
    page = _post(coordinator, f"/comptes/confirmations/{accomplice.id}/confirmer", page="/comptes/confirmations")
    match = LINK.search(page)
    assert match
    assert _activate(app, match.group(1)) == 302
    assert app.test_client().get(f"/activation/{match.group(1)}").status_code == 410  # one time only
    assert _password_works(app, "complice@pre.test", NEW_PASSWORD)
    actions = set(session.scalars(select(AuditEvent.action).where(AuditEvent.target_id == str(accomplice.id))))
    assert {"user.create.request", "user.confirm", "user.password"} <= actions


def test_a_coordinator_cannot_confirm_for_another_programme(world: World, login_as: LoginAs, session: Session) -> None:
    admin = login_as(world.admin)
    _post(admin, f"/admin/utilisateurs/{world.eps.id}/role", {"role": "referent"}, "/admin/utilisateurs/")
    foreign = login_as(world.foreign_coordinateur)
    token = csrf_token(foreign, "/comptes/confirmations")
    response = foreign.post(f"/comptes/confirmations/{world.eps.id}/confirmer", data={"csrf_token": token})
    assert response.status_code == 404
    session.expire_all()
    assert session.get(User, world.eps.id).pending_role == "referent"  # type: ignore[union-attr]


def test_accounts_without_case_access_get_their_link_from_the_admin(
    app: Flask, world: World, login_as: LoginAs
) -> None:
    admin = login_as(world.admin)
    page = _post(
        admin,
        "/admin/utilisateurs/",
        {"name": "Membre EPS", "email": "eps2@pre.test", "role": "eps"},
        "/admin/utilisateurs/",
    )
    match = LINK.search(page)
    assert match
    assert not _password_works(app, "eps2@pre.test", "")
    assert _activate(app, match.group(1), "court") == 422
    assert _activate(app, match.group(1)) == 302
    assert _password_works(app, "eps2@pre.test", NEW_PASSWORD)


def test_holders_change_their_password_with_the_current_one(app: Flask, world: World, login_as: LoginAs) -> None:
    client = login_as(world.referent)
    wrong = {"current": "pas le bon mot de passe", "password": NEW_PASSWORD, "confirmation": NEW_PASSWORD}
    assert "Mot de passe actuel incorrect" in _post(client, "/compte/mot-de-passe", wrong, "/compte/")
    right = {"current": PASSWORD, "password": NEW_PASSWORD, "confirmation": NEW_PASSWORD}
    assert "Mot de passe changé" in _post(client, "/compte/mot-de-passe", right, "/compte/")
    assert client.get("/enfants/").status_code == 200  # this session continues
    assert not _password_works(app, world.referent.email, PASSWORD)
    assert _password_works(app, world.referent.email, NEW_PASSWORD)


def test_second_factor_reset_by_the_holder_or_by_the_admin_needs_re_enrolment(
    app: Flask, session: Session, world: World, login_as: LoginAs
) -> None:
    client = login_as(world.coordinateur)
    session.refresh(world.coordinateur)
    used = pyotp.TOTP(totp.seed_of(world.coordinateur, keyring())).at(world.coordinateur.totp_last_step * 30)  # type: ignore[operator]
    page = _post(client, "/compte/double-authentification", {"current_password": PASSWORD, "code": used}, "/compte/")
    assert "Code incorrect" in page  # the usual proofs: password and a fresh code
    admin = login_as(world.admin)
    _post(admin, f"/admin/utilisateurs/{world.coordinateur.id}/double-authentification", page="/admin/utilisateurs/")
    assert client.get("/enfants/").status_code == 302  # the holder's sessions end
    fresh = app.test_client()
    response = fresh.post(
        "/connexion", data={"email": world.coordinateur.email, "password": PASSWORD, "csrf_token": csrf_token(fresh)}
    )
    assert response.headers["Location"] == "/connexion/activation"  # enrols again, with their own password
    assert fresh.get("/enfants/").status_code == 302


def test_the_server_command_line_bootstrap_is_active_at_once(app: Flask, session: Session, world: World) -> None:
    from app.users.services import create_user

    create_user(
        session, programme=world.programme, email="amorce@pre.test", name="Amorce", role="referent", password=PASSWORD
    )
    session.commit()
    login(app.test_client(), "amorce@pre.test")
