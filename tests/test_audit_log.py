"""The admin's audit log page: events of their programme only, filters, integrity check."""

from __future__ import annotations

import html
from collections.abc import Callable
from typing import Any

from flask.testing import FlaskClient
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from app.audit.models import AuditEvent
from tests.factories import World

LoginAs = Callable[[Any], FlaskClient]


def test_admin_reads_who_did_what_in_their_programme_only(world: World, login_as: LoginAs) -> None:
    login_as(world.referent).get(f"/enfants/{world.child.public_id}")
    login_as(world.foreign_coordinateur).get(f"/enfants/{world.foreign_child.public_id}")
    page = html.unescape(login_as(world.admin).get("/admin/journal/").get_data(as_text=True))
    assert "Lecture d'un dossier" in page and world.referent.name in page
    assert world.child.public_id in page
    assert world.foreign_child.public_id not in page and world.foreign_coordinateur.name not in page
    assert "Ahamada" not in page and "Fatima" not in page  # never the content


def test_filter_by_kind_of_event(world: World, login_as: LoginAs) -> None:
    login_as(world.referent).get(f"/enfants/{world.child.public_id}")
    page = html.unescape(login_as(world.admin).get("/admin/journal/?categorie=login").get_data(as_text=True))
    assert "Connexion" in page and "Lecture d'un dossier" not in page


def test_integrity_check_reports_a_tampered_trail(session: Session, world: World, login_as: LoginAs) -> None:
    admin = login_as(world.admin)
    assert "Intégrité vérifiée" in admin.get("/admin/journal/?verifier=1").get_data(as_text=True)
    first = session.scalar(select(func.min(AuditEvent.id)))
    second = session.scalar(select(func.min(AuditEvent.id)).where(AuditEvent.id > first))
    session.execute(update(AuditEvent).where(AuditEvent.id.in_([first, second])).values(action="forged"))
    session.commit()
    page = admin.get("/admin/journal/?verifier=1").get_data(as_text=True)
    assert "Journal altéré : 2 rupture(s)" in page  # every break, not only the first
    assert f"Entrée {first} :" in page and f"Entrée {second} :" in page


def test_only_admins_read_the_audit_log(world: World, login_as: LoginAs) -> None:
    for user in (world.referent, world.coordinateur, world.eps):
        assert login_as(user).get("/admin/journal/").status_code == 404
