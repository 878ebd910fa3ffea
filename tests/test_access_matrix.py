"""SECURITY P0-1: every URL rule × role × (own / other référent's / other programme's / missing).

Forbidden must be 404, allowed must not be; every request on an object leaves exactly one audit
event; a route without a declared permission fails this suite.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from werkzeug.routing import Rule

from app.archive.models import ArchiveExport
from app.audit.models import AuditEvent
from app.audit.services import verify
from app.authz.decorators import declared_permission
from app.authz.permissions import ROLE_PERMISSIONS, Permission
from app.retention.models import Elimination, EliminationVisa
from app.users.models import Role
from tests.conftest import csrf_token
from tests.factories import World, make_document, make_user

# Hand-written, on purpose: what each endpoint requires and who holds it, stated without reading
# app.authz. Changing a view's permission, or a role's permissions, fails this test until the
# table is changed too (as indico's permission tests do).
ENDPOINT_PERMISSIONS = {
    "account.activate": "public",
    "account.change_password": "authenticated",
    "account.confirm": "account:confirm",
    "account.confirmations": "account:confirm",
    "account.draft_key": "authenticated",
    "account.index": "authenticated",
    "account.refuse": "account:confirm",
    "account.reset_totp": "authenticated",
    "archive.download": "archive:export",
    "archive.index": "archive:export",
    "archive.job": "archive:export",
    "archive.job_status": "archive:export",
    "archive.start": "archive:export",
    "audit.index": "audit:view",
    "auth.enrol": "public",
    "auth.login": "public",
    "auth.logout": "authenticated",
    "auth.second_factor": "public",
    "children.index": "child:list",
    "children.show": "child:view",
    "collective.add_session": "collective:manage",
    "collective.attendance": "collective:manage",
    "collective.create": "collective:manage",
    "collective.index": "collective:view",
    "collective.session_page": "collective:view",
    "collective.sheet": "collective:view",
    "collective.show": "collective:view",
    "documents.correct": "document:edit",
    "documents.document_pdf": "document:view",
    "documents.finalise": "document:finalise",
    "documents.new_orientation": "orientation:create",
    "documents.new_orientation_for": "orientation:create",
    "documents.save": "document:edit",
    "documents.show": "document:view",
    "documents.start": "document:edit",
    "eps.agenda": "eps:agenda",
    "eps.assign_referent": "eps:decide",
    "eps.mark_distinct": "eps:decide",
    "eps.share": "eps:decide",
    "followup.actions": "document:view",
    "followup.save": "document:edit",
    "exits.close": "eps:decide",
    "exits.record_pdf": "document:view",
    "exits.setting": "eps:decide",
    "formsets.compare": "formset:compare",
    "formsets.confirm": "formset:install",
    "formsets.install": "formset:install",
    "home.favicon": "public",
    "home.health": "public",
    "home.index": "authenticated",
    "imports.upload": "import",
    "indicators.dashboard": "indicators:view",
    "indicators.export_csv": "indicators:view",
    "indicators.export_json": "indicators:view",
    "indicators.report_pdf": "indicators:view",
    "network.index": "network:view",
    "network.share": "indicators:view",
    "network.upload": "network:view",
    "programme_data.index": "programme:data",
    "programme_data.save": "programme:data",
    "programme_data.year_page": "programme:data",
    "parcours.waiting_list": "eps:decide",
    "retention.add_visa": "retention:manage",
    "retention.bordereau": "retention:manage",
    "retention.edit_notice": "retention:manage",
    "retention.index": "retention:manage",
    "retention.notice": "public",
    "retention.notice_file": "public",
    "retention.save_notice": "retention:manage",
    "scans.download": "document:view",
    "scans.upload": "document:edit",
    "seances.add_item": "eps:seance:manage",
    "seances.attendance": "eps:seance:manage",
    "seances.charter": "eps:charter",
    "seances.close": "eps:seance:manage",
    "seances.create": "eps:seance:manage",
    "seances.decide": "eps:seance:manage",
    "seances.index": "eps:seance:view",
    "seances.letter": "document:view",
    "seances.move": "eps:seance:manage",
    "seances.participants": "eps:seance:manage",
    "seances.presentation": "eps:presentation",
    "seances.releve": "eps:seance:view",
    "seances.remove": "eps:seance:manage",
    "seances.request_review": "eps:presentation",
    "seances.show": "eps:seance:view",
    "seances.texts": "eps:seance:manage",
    "signing.certificate": "keys:manage",
    "signing.import_pkcs12": "keys:manage",
    "static": "public",
    "users.change_role": "user:manage",
    "users.create": "user:manage",
    "users.disable": "user:manage",
    "users.enable": "user:manage",
    "users.index": "user:manage",
    "users.programme_timezone": "user:manage",
    "users.reset_access": "user:manage",
    "users.reset_totp": "user:manage",
}
EVERYONE = {"referent", "coordinateur", "eps", "admin", "reseau"}
CASEWORK = {"referent", "coordinateur"}
HOLDERS = {
    "public": EVERYONE,
    "authenticated": EVERYONE,
    "child:list": CASEWORK,
    "child:view": CASEWORK,
    "orientation:create": CASEWORK,
    "document:view": CASEWORK,
    "document:edit": CASEWORK,
    "document:finalise": CASEWORK,
    "eps:agenda": {"coordinateur"},
    "eps:decide": {"coordinateur"},
    "eps:seance:view": {"coordinateur", "eps"},
    "eps:seance:manage": {"coordinateur"},
    "eps:charter": {"eps"},
    "eps:presentation": CASEWORK,
    "indicators:view": {"coordinateur"},
    "import": {"coordinateur"},
    "archive:export": {"coordinateur"},
    "account:confirm": {"coordinateur"},
    "user:manage": {"admin"},
    "audit:view": {"admin"},
    "keys:manage": {"admin"},
    "retention:manage": {"coordinateur"},
    "network:view": {"reseau"},
    "formset:compare": {"coordinateur", "admin"},
    "formset:install": {"admin"},
    "collective:view": CASEWORK,
    "collective:manage": CASEWORK,
    "programme:data": {"coordinateur"},
}
RELATIONS = ["own", "other", "foreign", "missing"]
CHILD_DATA = {
    "child_id",
    "parcours_id",
    "document_id",
    "item_id",
    "letter_id",
    "scan_id",
    "closure_id",
}  # reading these is always audited
MISSING = "AAAAAAAAAAAAAAAA"


def _elimination(session: Session, programme_id: int, number: str) -> Elimination:
    visa = EliminationVisa(
        public_id=f"visa{number}",
        programme_id=programme_id,
        number=number,
        granted_on=date(2025, 1, 6),
        first_year=2020,
        last_year=2022,
    )
    session.add(visa)
    session.flush()
    elimination = Elimination(
        public_id=f"elim{number}", programme_id=programme_id, visa_id=visa.id, files=1, documents=2, bordereau=b"%PDF-"
    )
    session.add(elimination)
    session.flush()
    return elimination


def _export_job(session: Session, programme_id: int, year: int) -> ArchiveExport:
    job = ArchiveExport(public_id=f"job{programme_id}x{year}", programme_id=programme_id, year=year)
    session.add(job)
    session.flush()
    return job


def _eps_objects(session: Session, world: World) -> dict[str, dict[str, str]]:
    """Séances (own: the EPS member is invited and has accepted the charter; other: not invited),
    one agenda item each (own: the référent's child) and one letter per child."""
    from datetime import date, datetime

    from app.children.vault import cipher_for
    from app.eps import charter, services
    from app.eps.letters import LETTERS_TABLE
    from app.eps.models import EpsDecision, Letter

    charter.accept_charter(session, world.eps, 1)
    values: dict[str, dict[str, str]] = {"seance_id": {}, "item_id": {}, "letter_id": {}}
    cases = [
        ("own", world.coordinateur, world.child, [world.eps.id]),
        ("other", world.coordinateur, world.other_child, []),
        ("foreign", world.foreign_coordinateur, world.foreign_child, []),
    ]
    for relation, coordinator, child, members in cases:
        seance = services.schedule(session, coordinator, datetime(2025, 10, 6, 17), "Mairie")
        if members:
            services.set_participants(session, coordinator, seance, members, [])
        item = services.add_item(session, coordinator, seance, child.parcours[0], "orientation")
        decision = EpsDecision(
            public_id=f"dec{relation}",
            programme_id=child.programme_id,
            parcours_id=child.parcours[0].id,
            outcome="refuse",
            decided_on=date(2025, 10, 6),
        )
        session.add(decision)
        session.flush()
        letter = Letter(
            public_id=f"letter{relation}",
            programme_id=child.programme_id,
            child_id=child.id,
            decision_id=decision.id,
            kind="courrier_famille",
            template_version=0,
            pdf=b"",
        )
        session.add(letter)
        session.flush()
        letter.pdf = cipher_for(child).encrypt(LETTERS_TABLE, letter.id, "pdf", b"%PDF-1.7 test")
        values["seance_id"][relation] = seance.public_id
        values["item_id"][relation] = item.public_id
        values["letter_id"][relation] = letter.public_id
    session.flush()
    return values


def _collective_objects(session: Session, world: World) -> dict[str, dict[str, str]]:
    """Actions with one session each: own by the référent, other by the other référent, foreign."""
    from app.collective import services

    values: dict[str, dict[str, str]] = {"action_id": {}, "session_id": {}}
    fields = services.ActionFields("Atelier parents", "parentalite", "parents", "", date(2025, 1, 6), None, None)
    for relation, owner in [
        ("own", world.referent),
        ("other", world.other_referent),
        ("foreign", world.foreign_coordinateur),
    ]:
        action = services.create_action(session, owner, fields)
        item = services.add_session(session, owner, action, date(2025, 2, 3), "Centre social")
        values["action_id"][relation] = action.public_id
        values["session_id"][relation] = item.public_id
    return values


def _scans_and_closures(session: Session, world: World) -> dict[str, dict[str, str]]:
    """One scan and one effective closure (with its record) per child of each relation."""
    from app.children.vault import cipher_for
    from app.db import new_public_id
    from app.exits.models import CLOSURES_TABLE, EFFECTIVE, Closure
    from app.scans.models import SCANS_TABLE, Scan

    values: dict[str, dict[str, str]] = {"scan_id": {}, "closure_id": {}}
    cases = [("own", world.child), ("other", world.other_child), ("foreign", world.foreign_child)]
    for relation, child in cases:
        cipher = cipher_for(child)
        scan = Scan(
            public_id=new_public_id(),
            programme_id=child.programme_id,
            child_id=child.id,
            category="courrier",
            kind="pdf",
            size=8,
            filename=b"",
            content=b"",
        )
        closure = Closure(
            public_id=new_public_id(),
            programme_id=child.programme_id,
            parcours_id=child.parcours[0].id,
            motif_sortie="perte_contact",
            date_sortie=date(2025, 12, 1),
            status=EFFECTIVE,
            attempts_count=0,
            details=b"",
        )
        session.add_all([scan, closure])
        session.flush()
        scan.filename = cipher.encrypt_text(SCANS_TABLE, scan.id, "filename", "scan.pdf")
        scan.content = cipher.encrypt(SCANS_TABLE, scan.id, "content", b"%PDF-1.7")
        closure.details = cipher.encrypt_json(CLOSURES_TABLE, closure.id, "details", {"attempts": [], "note": ""})
        closure.pdf = cipher.encrypt(CLOSURES_TABLE, closure.id, "pdf", b"%PDF-1.7 test")
        values["scan_id"][relation] = scan.public_id
        values["closure_id"][relation] = closure.public_id
    session.flush()
    return values


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
        eliminations = {
            "own": _elimination(session, world.programme.id, "1"),
            "other": _elimination(session, world.programme.id, "2"),
            "foreign": _elimination(session, world.foreign_programme.id, "3"),
        }
        self.values: dict[str, dict[str, str]] = {
            "elimination_id": {rel: e.public_id for rel, e in eliminations.items()},
            # Programme codes name public pages (the families' notice): any existing one is served.
            "code": {
                "own": world.programme.code,
                "other": world.programme.code,
                "foreign": world.foreign_programme.code,
            },
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
        self.values.update(_eps_objects(session, world))
        self.values.update(_collective_objects(session, world))
        self.values.update(_scans_and_closures(session, world))
        for values in self.values.values():
            values["missing"] = MISSING

    def url_values(self, rule: Rule, relation: str) -> dict[str, str]:
        unknown = set(rule.arguments) - set(self.values) - {"filename", "year", "form_id", "token"}
        assert not unknown, f"{rule.rule}: add test objects for URL arguments {unknown}"
        values = {name: self.values[name][relation] for name in rule.arguments if name in self.values}
        if "filename" in rule.arguments:
            values["filename"] = "css/parcours.css"
        if "year" in rule.arguments:
            values["year"] = "2025"
        if "form_id" in rule.arguments:
            values["form_id"] = "suivi"
        if "token" in rule.arguments:
            values["token"] = "not-a-valid-activation-token-0123456789"
        return values


def object_allowed(role: str, relation: str, rule: Rule) -> bool:
    """The expected object-level rule, stated independently of app.authz.policy."""
    if relation == "missing" or relation == "foreign":
        return False
    if rule.arguments & {"user_id", "job_id", "elimination_id"}:
        return True  # programme-level objects: any of one's own programme
    if role == Role.EPS and relation == "other":
        return False  # a séance the EPS member is not invited to
    return relation == "own" or role != Role.REFERENT


def expected_status_allowed(role: str, relation: str, rule: Rule) -> bool:
    permission = ENDPOINT_PERMISSIONS[rule.endpoint]
    if permission in ("public", "authenticated"):
        return relation != "missing"  # a public page on a missing object (programme code) is a 404
    if role not in HOLDERS[permission]:
        return False
    has_objects = bool(
        set(rule.arguments) & {"child_id", "parcours_id", "document_id", "user_id", "job_id", "elimination_id"}
    )
    has_objects = has_objects or bool(set(rule.arguments) & {"seance_id", "item_id", "letter_id"})
    has_objects = has_objects or bool(set(rule.arguments) & {"action_id", "session_id"})
    has_objects = has_objects or bool(set(rule.arguments) & {"scan_id", "closure_id"})
    return object_allowed(role, relation, rule) if has_objects else True


def _rules(app: Flask) -> list[Rule]:
    return sorted(app.url_map.iter_rules(), key=lambda r: (r.rule, r.endpoint))


def test_every_route_declares_a_permission(app: Flask) -> None:
    undeclared = [r.rule for r in _rules(app) if declared_permission(app, r.endpoint) is None]
    assert undeclared == []


def test_each_route_requires_the_permission_of_the_table(app: Flask) -> None:
    declared = {r.endpoint: str(declared_permission(app, r.endpoint)) for r in _rules(app)}
    assert declared == ENDPOINT_PERMISSIONS


def test_roles_hold_the_permissions_of_the_table() -> None:
    granted = {p.value: {role.value for role in Role if p in ROLE_PERMISSIONS[role]} for p in Permission}
    expected = {p: holders for p, holders in HOLDERS.items() if p not in ("public", "authenticated")}
    assert {p: r for p, r in granted.items() if p not in ("public", "authenticated")} == expected


def test_every_granted_permission_is_required_by_a_route(app: Flask) -> None:
    required = {declared_permission(app, r.endpoint) for r in _rules(app)}
    granted = set().union(*ROLE_PERMISSIONS.values())
    assert granted - required == set()


def test_a_route_without_declared_permission_refuses_to_serve(instance_path: Any) -> None:
    from app import create_app

    app = create_app(instance_path)
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
            if rule.endpoint == "auth.logout":
                continue  # would end this client's session; covered in test_auth
            has_objects = bool(set(rule.arguments) & set(objects.values))
            for relation in RELATIONS if has_objects else ["none"]:
                with app.test_request_context():
                    url = app.url_for(rule.endpoint, **objects.url_values(rule, relation))
                for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
                    before = _events(session)
                    if method == "GET":
                        response = client.get(url)
                    else:
                        response = client.open(url, method=method, data={"csrf_token": token})
                    response.close()
                    allowed = expected_status_allowed(role, relation, rule)
                    got = response.status_code
                    if got >= 500 or (got == 404) == allowed:
                        mismatches.append(
                            f"{role:12} {method} {rule.rule} [{relation}] → {got}, "
                            f"expected {'allowed' if allowed else '404'}"
                        )
                    if set(rule.arguments) & CHILD_DATA and (method == "GET" or not allowed):
                        events = _events(session) - before
                        if events != 1:
                            mismatches.append(f"{role:12} {method} {rule.rule} [{relation}] left {events} audit events")
    assert mismatches == [], "\n".join(mismatches)
    # Every route by every role, denied integer routes included, leaves an intact audit chain.
    assert verify(session) == []


@pytest.mark.parametrize("role", [r.value for r in Role])
def test_admin_and_eps_never_hold_case_permissions(role: str) -> None:
    case = {
        Permission.CHILD_LIST,
        Permission.CHILD_VIEW,
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
