"""SECURITY P0-1: every URL rule × role × (own / other référent's / other programme's / missing).

Forbidden must be 404, allowed must not be; every request on an object leaves exactly one audit
event; a route without a declared permission fails this suite.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from werkzeug.routing import Rule

from app.archive.models import ArchiveExport
from app.audit.models import AuditEvent
from app.authz.decorators import declared_permission
from app.authz.permissions import ROLE_PERMISSIONS, Permission
from app.users.models import Role
from tests.conftest import csrf_token
from tests.factories import World, make_document, make_user

RELATIONS = ["own", "other", "foreign", "missing"]
CHILD_DATA = {"child_id", "parcours_id", "document_id"}  # reading these is always audited
MISSING = "AAAAAAAAAAAAAAAA"


def _export_job(session: Session, programme_id: int, year: int) -> ArchiveExport:
    job = ArchiveExport(public_id=f"job{programme_id}x{year}", programme_id=programme_id, year=year)
    session.add(job)
    session.flush()
    return job


class Objects:
    """For each URL argument name, the value that designates an object of each relation."""

    def __init__(self, session: Session, world: World) -> None:
        children = {"own": world.child, "other": world.other_child, "foreign": world.foreign_child}
        documents = {rel: make_document(session, child.parcours[0]) for rel, child in children.items()}
        foreign_user = make_user(session, world.foreign_programme, "referent")
        jobs = {
            rel: _export_job(session, programme_id, year)
            for rel, programme_id, year in [
                ("own", world.programme.id, 2025),
                ("other", world.programme.id, 2024),
                ("foreign", world.foreign_programme.id, 2025),
            ]
        }
        self.values: dict[str, dict[str, str]] = {
            "child_id": {rel: c.public_id for rel, c in children.items()},
            "parcours_id": {rel: c.parcours[0].public_id for rel, c in children.items()},
            "document_id": {rel: d.public_id for rel, d in documents.items()},
            "job_id": {rel: job.public_id for rel, job in jobs.items()},
            "user_id": {
                "own": str(world.referent.id),
                "other": str(world.other_referent.id),
                "foreign": str(foreign_user.id),
            },
        }
        for values in self.values.values():
            values["missing"] = MISSING

    def url_values(self, rule: Rule, relation: str) -> dict[str, str]:
        unknown = set(rule.arguments) - set(self.values) - {"filename", "year", "form_id"}
        assert not unknown, f"{rule.rule}: add test objects for URL arguments {unknown}"
        values = {name: self.values[name][relation] for name in rule.arguments if name in self.values}
        if "filename" in rule.arguments:
            values["filename"] = "css/parcours.css"
        if "year" in rule.arguments:
            values["year"] = "2025"
        if "form_id" in rule.arguments:
            values["form_id"] = "suivi"
        return values


def object_allowed(role: str, relation: str, rule: Rule) -> bool:
    """The expected object-level rule, stated independently of app.authz.policy."""
    if relation == "missing" or relation == "foreign":
        return False
    if rule.arguments & {"user_id", "job_id"}:
        return True  # programme-level objects: any of one's own programme
    return relation == "own" or role != Role.REFERENT


def expected_status_allowed(role: str, permission: Permission, relation: str, rule: Rule) -> bool:
    if permission in (Permission.PUBLIC, Permission.AUTHENTICATED):
        return True
    if permission not in ROLE_PERMISSIONS[Role(role)]:
        return False
    has_objects = bool(set(rule.arguments) & {"child_id", "parcours_id", "document_id", "user_id", "job_id"})
    return object_allowed(role, relation, rule) if has_objects else True


def _rules(app: Flask) -> list[Rule]:
    return sorted(app.url_map.iter_rules(), key=lambda r: (r.rule, r.endpoint))


def test_every_route_declares_a_permission(app: Flask) -> None:
    undeclared = [r.rule for r in _rules(app) if declared_permission(app, r.endpoint) is None]
    assert undeclared == []


def test_a_route_without_declared_permission_refuses_to_serve(instance_path: Any) -> None:
    from app import create_app

    app = create_app(instance_path, {"testing": True})
    app.add_url_rule("/sans-permission", "undeclared", lambda: "secret")
    response = app.test_client().get("/sans-permission")
    assert response.status_code == 404
    assert b"secret" not in response.data


def _events(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(AuditEvent)) or 0


def test_access_matrix(app: Flask, session: Session, world: World, login_as: Callable[[Any], FlaskClient]) -> None:
    objects = Objects(session, world)
    mismatches: list[str] = []
    for role, user in world.users().items():
        client = login_as(user)
        token = csrf_token(client, "/")
        for rule in _rules(app):
            permission = declared_permission(app, rule.endpoint)
            assert permission is not None
            has_objects = bool(set(rule.arguments) & set(objects.values))
            for relation in RELATIONS if has_objects else ["none"]:
                with app.test_request_context():
                    url = app.url_for(rule.endpoint, **objects.url_values(rule, relation))
                method = "GET" if "GET" in (rule.methods or ()) else "POST"
                if rule.endpoint == "auth.logout":
                    continue  # would end this client's session; covered in test_auth
                before = _events(session)
                if method == "GET":
                    response = client.get(url)
                else:
                    response = client.post(url, data={"csrf_token": token})
                response.close()
                allowed = expected_status_allowed(role, permission, relation, rule)
                got = response.status_code
                if response.status_code >= 500 or (got == 404) == allowed:
                    mismatches.append(
                        f"{role:12} {method} {rule.rule} [{relation}] → {got}, "
                        f"expected {'allowed' if allowed else '404'}"
                    )
                if set(rule.arguments) & CHILD_DATA and (method == "GET" or not allowed):
                    events = _events(session) - before
                    if events != 1:
                        mismatches.append(f"{role:12} {method} {rule.rule} [{relation}] left {events} audit events")
    assert mismatches == [], "\n".join(mismatches)


@pytest.mark.parametrize("role", [r.value for r in Role])
def test_admin_and_eps_never_hold_case_permissions(role: str) -> None:
    case = {
        Permission.CHILD_LIST,
        Permission.CHILD_VIEW,
        Permission.CHILD_EDIT,
        Permission.DOCUMENT_VIEW,
        Permission.DOCUMENT_EDIT,
    }
    granted = ROLE_PERMISSIONS[Role(role)] & case
    if role in ("admin", "eps", "reseau"):
        assert granted == set()
    else:
        assert granted == case


def test_reseau_sees_the_network_tables_and_nothing_else(
    app: Flask, session: Session, world: World, login_as: Callable[[Any], FlaskClient]
) -> None:
    assert ROLE_PERMISSIONS[Role.RESEAU] == {Permission.NETWORK_VIEW}
    objects = Objects(session, world)
    client = login_as(world.reseau)
    assert client.get("/").headers["Location"].endswith("/reseau")
    assert client.get("/reseau").status_code == 200
    for rule in _rules(app):
        if "GET" not in (rule.methods or ()) or not set(rule.arguments) & CHILD_DATA:
            continue
        with app.test_request_context():
            url = app.url_for(rule.endpoint, **objects.url_values(rule, "own"))
        response = client.get(url)
        response.close()
        assert response.status_code == 404, rule.rule


def test_anonymous_is_sent_to_login(client: FlaskClient, world: World) -> None:
    response = client.get(f"/enfants/{world.child.public_id}")
    assert response.status_code == 302
    assert "/connexion" in response.headers["Location"]


# Tables that a read legitimately writes: its audit event and the session's last-seen time.
READ_SIDE_EFFECTS = {"audit_events", "audit_head", "user_sessions"}


def _checksum(session: Session) -> str:
    from sqlalchemy import inspect, text

    connection = session.connection()
    parts = []
    for table in sorted(set(inspect(connection).get_table_names()) - READ_SIDE_EFFECTS):
        rows = connection.execute(text(f'SELECT * FROM "{table}"')).all()  # noqa: S608 - schema names
        parts.append(f"{table}:{sorted(map(repr, rows))}")
    return "\n".join(parts)


def test_get_requests_never_change_state(
    app: Flask, session: Session, world: World, login_as: Callable[[Any], FlaskClient]
) -> None:
    objects = Objects(session, world)
    clients = [login_as(user) for user in world.users().values()]  # logging in is a POST: it may write
    session.commit()
    before = _checksum(session)
    for client in clients:
        for rule in _rules(app):
            if "GET" not in (rule.methods or ()):
                continue
            with app.test_request_context():
                url = app.url_for(rule.endpoint, **objects.url_values(rule, "own"))
            client.get(url).close()
    session.expire_all()
    assert _checksum(session) == before


def test_security_headers_on_every_route(
    app: Flask, session: Session, world: World, login_as: Callable[[Any], FlaskClient]
) -> None:
    objects = Objects(session, world)
    client = login_as(world.coordinateur)
    for rule in _rules(app):
        if "GET" not in (rule.methods or ()):
            continue
        with app.test_request_context():
            url = app.url_for(rule.endpoint, **objects.url_values(rule, "own"))
        response = client.get(url)
        response.close()
        csp = response.headers.get("Content-Security-Policy", "")
        assert "frame-ancestors 'none'" in csp and "'unsafe-inline'" not in csp, rule.rule
        assert response.headers.get("X-Content-Type-Options") == "nosniff", rule.rule
        assert response.headers.get("Referrer-Policy") == "same-origin", rule.rule
        if rule.endpoint != "static":
            assert response.headers.get("Cache-Control") == "no-store", rule.rule
