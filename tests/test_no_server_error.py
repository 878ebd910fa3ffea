"""SECURITY.md 29: no input makes a 500; one unreadable record does not break a list page."""

from __future__ import annotations

import re
from urllib.parse import quote, urlencode

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from app.audit.models import AuditEvent
from app.children.models import ChildIdentity
from tests.conftest import csrf_token
from tests.factories import World

# Out-of-range numbers, Unicode digits (superscript, Arabic-Indic), negative, empty-looking, long.
ODD_VALUES = ["99999999999999999999999999", "2147483648", "²", "٢٠٢٥", "-1", "0", "x" * 300, "é%00", "2025²"]
ODD_QUERY = {
    "page": ["99999999999999999999999", "²", "-3", "0"],
    "au": ["9999-12-31", "0001-01-01", "2025-02-30", "²"],
    "du": ["9999-12-31", "0001-01-01", "²"],
    "annee": ["²", "٢٠٢٥", "99999999999", "0"],
    "categorie": ["x" * 300],
    "q": ["Zi\u200bdane", "x" * 5000],
    "verifier": ["1"],
    "diffusion": ["externe"],
    "next": ["//evil.example", "/%00"],
}
ODD_FORM = {
    "referent_id": "²",
    "year": "²",
    "lock_version": "99999999999999999999",
    "_remove_row": "responsables-²",
    "_add_row": "x",
    "role": "²",
    "decision": "accepte",
    "decided_on": "9999-12-31",
    "date_entree": "0001-01-01",
    "shared": "1",
    "token": "../../etc/passwd",
}
ARGUMENT = re.compile(r"<(?:[a-z]+:)?([a-z_]+)>")


def _urls(app: Flask) -> list[tuple[str, set[str], bool]]:
    """Every rule (but static files and logout) with each URL argument replaced by each odd value;
    (url, methods, whether to try the odd query strings on it too: once per rule)."""
    urls = []
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if rule.endpoint in ("static", "auth.logout"):
            continue
        methods = set(rule.methods or ()) & {"GET", "POST"}
        if not rule.arguments:
            urls.append((rule.rule, methods, True))
            continue
        for n, value in enumerate(ODD_VALUES):
            urls.append((ARGUMENT.sub(lambda _m, v=value: quote(v, safe=""), rule.rule), methods, n == 0))
    return urls


def test_no_route_answers_500_to_odd_arguments_queries_or_forms(
    app: Flask, world: World, login_as, session: Session
) -> None:  # type: ignore[no-untyped-def]
    failures: list[str] = []
    for user in (world.coordinateur, world.admin, world.eps):
        client: FlaskClient = login_as(user)
        token = csrf_token(client, "/")
        for url, methods, with_queries in _urls(app):
            requests = []
            if "GET" in methods:
                requests.append(("GET", url, None))
                requests += [
                    ("GET", f"{url}?{urlencode({name: value})}", None)
                    for name, values in (ODD_QUERY.items() if with_queries else ())
                    for value in values
                ]
            if "POST" in methods:
                requests.append(("POST", url, {**ODD_FORM, "csrf_token": token}))
            for method, target, form in requests:
                try:  # the test app propagates exceptions instead of answering 500
                    response = client.open(target, method=method, data=form)
                except Exception as error:  # every exception escaping a view is a 500 in production
                    failures.append(f"{user.role} {method} {target[:120]} → {type(error).__name__}: {error}"[:300])
                    continue
                response.close()
                if response.status_code >= 500:
                    failures.append(f"{user.role} {method} {target[:120]} → {response.status_code}")
    assert failures == [], "\n".join(failures) + f"\n({len(failures)} in all)"


def test_one_unreadable_child_does_not_break_the_caseload_list(world: World, login_as, session: Session) -> None:  # type: ignore[no-untyped-def]
    session.execute(
        update(ChildIdentity).where(ChildIdentity.child_id == world.other_child.id).values(nom=b"\x01" + b"\x00" * 40)
    )
    session.commit()
    page = login_as(world.coordinateur).get("/enfants/")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Ahamada" in text and "Dossier illisible" in text and world.other_child.pseudonym in text
    assert login_as(world.coordinateur).get(f"/enfants/{world.other_child.public_id}").status_code == 409
    events = session.scalars(select(AuditEvent).where(AuditEvent.action == "child.unreadable")).all()
    assert [e.target_id for e in events] == [world.other_child.public_id] * len(events) and events
