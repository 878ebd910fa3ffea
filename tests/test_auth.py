"""SECURITY P0-5..7, P1-10: sessions, CSRF, passwords, throttling."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pyotp
import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from app.auth import totp
from app.crypto.current import keyring
from app.db import db, utcnow
from app.users.models import UserSession
from app.users.passwords import hash_password, password_problem, verify_password
from app.users.services import UserError, create_user, set_active
from tests.conftest import csrf_token, login
from tests.factories import PASSWORD, TOTP_SEEDS, World, make_programme, make_user

LoginAs = Callable[[Any], FlaskClient]


def _cookie(client: FlaskClient) -> str:
    cookie = client.get_cookie("parcours_session")
    assert cookie is not None
    return cookie.value


def _replay(app: Flask, cookie: str, path: str) -> int:
    thief = app.test_client()
    thief.set_cookie("parcours_session", cookie)
    return thief.get(path).status_code


def test_login_issues_a_new_session_and_logout_kills_the_old_cookie(app: Flask, world: World) -> None:
    client = app.test_client()
    csrf_token(client)
    anonymous_cookie = _cookie(client)
    login(client, world.referent.email)
    cookie = _cookie(client)
    assert cookie != anonymous_cookie
    assert client.get("/enfants/").status_code == 200
    assert client.post("/deconnexion", data={"csrf_token": csrf_token(client, "/enfants/")}).status_code == 302
    assert _replay(app, cookie, "/enfants/") == 302  # sent back to the login page


def test_disabling_a_user_kills_its_live_session(app: Flask, session: Session, world: World, login_as: LoginAs) -> None:
    client = login_as(world.referent)
    assert client.get("/enfants/").status_code == 200
    set_active(session, world.referent, False, world.admin.id)
    session.commit()
    assert client.get("/enfants/").status_code == 302


def test_admin_disables_and_reenables_an_account_in_the_web_ui(world: World, login_as: LoginAs) -> None:
    victim = login_as(world.referent)
    admin = login_as(world.admin)
    token = csrf_token(admin, "/admin/utilisateurs/")
    assert (
        admin.post(f"/admin/utilisateurs/{world.referent.id}/desactiver", data={"csrf_token": token}).status_code == 302
    )
    assert victim.get("/enfants/").status_code == 302
    assert "Désactivé" in admin.get("/admin/utilisateurs/").get_data(as_text=True)
    admin.post(f"/admin/utilisateurs/{world.referent.id}/activer", data={"csrf_token": token})
    login(victim, world.referent.email)


def test_admin_creates_an_account_with_a_role(app: Flask, world: World, login_as: LoginAs) -> None:
    admin = login_as(world.admin)
    token = csrf_token(admin, "/admin/utilisateurs/")
    data = {
        "csrf_token": token,
        "name": "Nadia Soilihi",
        "email": "nadia@pre.test",
        "role": "referent",
        "password": "un jardin sous la pluie",  # ignored: the admin never chooses a password
    }
    response = admin.post("/admin/utilisateurs/", data=data, follow_redirects=True)
    assert "un·e coordonnateur·rice du programme doit la confirmer" in response.get_data(as_text=True)
    fresh = app.test_client()
    answer = fresh.post(
        "/connexion",
        data={"email": "nadia@pre.test", "password": "un jardin sous la pluie", "csrf_token": csrf_token(fresh)},
    )
    assert answer.status_code == 401
    page = admin.post("/admin/utilisateurs/", data=data)
    assert page.status_code == 422
    assert "existe déjà" in page.get_data(as_text=True)


@pytest.mark.parametrize(
    ("idle", "age"), [(timedelta(minutes=31), timedelta(minutes=31)), (timedelta(0), timedelta(hours=10, minutes=1))]
)
def test_idle_and_absolute_timeouts(
    session: Session, world: World, login_as: LoginAs, idle: timedelta, age: timedelta
) -> None:
    client = login_as(world.referent)
    now = utcnow()
    session.execute(
        update(UserSession)
        .where(UserSession.user_id == world.referent.id)
        .values(last_seen_at=now - idle, created_at=now - age)
    )
    session.commit()
    assert client.get("/enfants/").status_code == 302


def test_every_post_without_csrf_token_is_refused(app: Flask, world: World, login_as: LoginAs) -> None:
    client = login_as(world.admin)
    posts = [r for r in app.url_map.iter_rules() if "POST" in (r.methods or ())]
    assert posts
    for rule in posts:
        url = rule.rule
        for argument in rule.arguments:
            url = url.replace(f"<{argument}>", "1").replace(f"<int:{argument}>", "1")
        response = client.post(url, data={})
        assert response.status_code == 400, rule.rule
    assert client.get("/admin/utilisateurs/").status_code == 200


def test_session_cookie_flags(world: World, app: Flask) -> None:
    client = app.test_client()
    response = client.post(
        "/connexion", data={"email": world.referent.email, "password": PASSWORD, "csrf_token": csrf_token(client)}
    )
    header = response.headers["Set-Cookie"]
    assert "HttpOnly" in header and "SameSite=Lax" in header
    assert app.config["SESSION_COOKIE_SECURE"] is False  # local test instance; True by default


def test_passwords_are_argon2id_and_rules_apply(session: Session, world: World) -> None:
    assert world.referent.password_hash.startswith("$argon2id$")
    assert password_problem("court") is not None
    assert password_problem("x" * 129) is not None
    assert password_problem("motdepasse123") is not None  # common-password blocklist
    assert password_problem("aaaaaaaaaaaaaaaa") is not None
    assert password_problem("le chat dort sur le toit") is None  # no composition rules
    with pytest.raises(UserError):
        create_user(
            session, programme=world.programme, email="a@b.fr", name="A", role="referent", password="azertyuiop12"
        )


@settings(max_examples=10, deadline=None)
@given(st.text(min_size=12, max_size=40).filter(lambda p: len(set(p)) >= 4))
def test_hash_then_verify(password: str) -> None:
    hashed = hash_password(password)
    assert verify_password(hashed, password)
    assert not verify_password(hashed, password + "x")


def test_unknown_user_and_wrong_password_look_alike_and_throttling_locks(app: Flask, world: World) -> None:
    client = app.test_client()

    def attempt(email: str, password: str) -> tuple[int, str]:
        response = client.post(
            "/connexion", data={"email": email, "password": password, "csrf_token": csrf_token(client)}
        )
        page = response.get_data(as_text=True).replace(email, "")
        return response.status_code, re.sub(r'name="csrf_token" type="hidden" value="[^"]*"', "", page)

    unknown = attempt("personne@nulle.part", "mauvais mot de passe")
    wrong = attempt(world.referent.email, "mauvais mot de passe")
    assert unknown == wrong
    assert unknown[0] == 401
    for _ in range(4):
        attempt(world.referent.email, "mauvais mot de passe")
    status, _page = attempt(world.referent.email, PASSWORD)
    assert status == 401  # locked: even the right password is refused for now


def test_a_real_instance_lists_no_demo_account_on_its_login_page(client: FlaskClient) -> None:
    page = client.get("/connexion").get_data(as_text=True)
    assert "Comptes de démonstration" not in page and "@demo.parcours" not in page and "demo-parcours" not in page


def test_no_default_account_outside_demo(session: Session, world: World) -> None:
    from app.users.models import User

    emails = set(session.scalars(select(User.email)))
    assert not any(e.endswith("@demo.parcours") for e in emails)
    assert make_user  # factories create accounts explicitly


def test_coordinator_needs_the_second_factor_before_any_protected_page(
    app: Flask, session: Session, world: World
) -> None:
    client = app.test_client()
    response = client.post(
        "/connexion",
        data={"email": world.coordinateur.email, "password": PASSWORD, "csrf_token": csrf_token(client)},
    )
    assert response.headers["Location"] == "/connexion/code"
    for path in ("/", "/enfants/", f"/enfants/{world.child.public_id}", "/eps"):
        assert client.get(path).status_code == 302, path
    token = csrf_token(client, "/connexion/code")
    assert client.post("/connexion/code", data={"code": "000000", "csrf_token": token}).status_code == 422
    assert client.get("/enfants/").status_code == 302


def test_a_used_code_is_refused(app: Flask, session: Session, world: World) -> None:
    login(app.test_client(), world.admin.email)
    session.refresh(world.admin)
    code = pyotp.TOTP(TOTP_SEEDS[world.admin.email]).at(world.admin.totp_last_step * 30)  # type: ignore[operator]
    client = app.test_client()
    client.post("/connexion", data={"email": world.admin.email, "password": PASSWORD, "csrf_token": csrf_token(client)})
    response = client.post("/connexion/code", data={"code": code, "csrf_token": csrf_token(client, "/connexion/code")})
    assert response.status_code == 422
    assert "déjà utilisé" in response.get_data(as_text=True)


def test_an_unenrolled_coordinator_must_enrol_with_a_qr_code(app: Flask, session: Session, world: World) -> None:
    newcomer = make_user(session, world.programme, "referent", email="nouvelle@pre.test")
    newcomer.role = "coordinateur"
    session.commit()
    client = app.test_client()
    response = client.post(
        "/connexion", data={"email": newcomer.email, "password": PASSWORD, "csrf_token": csrf_token(client)}
    )
    assert response.headers["Location"] == "/connexion/activation"
    page = client.get("/connexion/activation").get_data(as_text=True)
    assert "data:image/svg+xml;base64," in page
    assert client.get("/enfants/").status_code == 302
    session.refresh(newcomer)
    seed = totp.seed_of(newcomer, keyring())
    token = csrf_token(client, "/connexion/activation")
    response = client.post("/connexion/activation", data={"code": pyotp.TOTP(seed).now(), "csrf_token": token})
    assert response.status_code == 302
    assert client.get("/enfants/").status_code == 200
    session.refresh(newcomer)
    assert newcomer.totp_confirmed and newcomer.totp_secret is not None and seed.encode() not in newcomer.totp_secret


def test_demo_instances_leave_the_second_factor_optional_and_say_so(
    tmp_path: Path, make_app: Callable[[Path], Flask]
) -> None:
    from app.migrate import upgrade
    from tests.conftest import make_instance

    instance = make_instance(tmp_path / "demo", f"sqlite:///{tmp_path / 'demo' / 'parcours.sqlite3'}")
    config = json.loads((instance / "config.json").read_text())
    (instance / "config.json").write_text(json.dumps({**config, "demo": True}))
    app = make_app(instance)
    upgrade(db.engine_of(app))
    with app.app_context():
        programme = make_programme(db.session, "DEMO")
        coordinator = make_user(db.session, programme, "referent", email="coord@demo.test")
        coordinator.role = "coordinateur"
        db.session.commit()
    client = app.test_client()
    page = client.get("/connexion").get_data(as_text=True)
    assert "facultative" in page
    assert "Comptes de démonstration" in page and "coordination@demo.parcours" in page
    login(client, "coord@demo.test")
    assert client.get("/enfants/").status_code == 200
