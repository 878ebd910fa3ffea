"""Waiting list and transfers: admitted children without a référent wait (waiting time shown); the
coordinator assigns, then transfers with a note to the new référent; the old one loses access."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from app.audit.models import AuditEvent
from app.children.models import Child
from app.parcours.queries import waiting_list
from app.parcours.services import WorkflowError, record_decision
from tests.conftest import csrf_token
from tests.factories import World, make_child, make_parcours

MARKER = "ZQXMARKERNOTE"


def _events(session: Session, action: str) -> list[AuditEvent]:
    return list(session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def _admitted_waiting(session: Session, world: World, days: int) -> Child:
    child = make_child(session, world.programme, None, nom="Attente", prenom="Inès")
    parcours = make_parcours(session, child, date_orientation=date.today() - timedelta(days=days + 20))
    record_decision(
        session, parcours, "accepte", date.today() - timedelta(days=days), world.coordinateur, waiting_list=True
    )
    return child


def test_admission_without_referent_waits_and_the_coordinator_assigns(
    session: Session,
    world: World,
    login_as,  # type: ignore[no-untyped-def]
) -> None:
    child = _admitted_waiting(session, world, 12)
    [line] = waiting_list(session, world.programme.id)
    assert (line.child.id, line.days) == (child.id, 12)
    coordinator = login_as(world.coordinateur)
    page = coordinator.get("/liste-attente").get_data(as_text=True)
    assert "Inès Attente" in page and "12 jours" in page
    assert len(_events(session, "waiting_list.read")) == 1
    home = coordinator.get("/").get_data(as_text=True)
    assert "1 enfant attend un·e référent·e" in home and "le plus ancien depuis 12 jours" in home
    token = csrf_token(coordinator, "/liste-attente")
    response = coordinator.post(
        f"/eps/enfants/{child.public_id}/referent",
        data={"csrf_token": token, "referent_id": world.referent.id, "note": "Famille à appeler le matin"},
    )
    assert response.status_code == 302
    session.expire_all()
    assert session.get(Child, child.id).referent_id == world.referent.id  # type: ignore[union-attr]
    assert [e.target_id for e in _events(session, "child.referent.assign")] == [child.public_id]
    assert "Inès Attente" not in coordinator.get("/liste-attente").get_data(as_text=True)
    page = login_as(world.referent).get(f"/enfants/{child.public_id}").get_data(as_text=True)
    assert "Famille à appeler le matin" in page


def test_transfer_moves_access_and_leaves_an_encrypted_note(session: Session, world: World, login_as) -> None:  # type: ignore[no-untyped-def]
    old, new = login_as(world.referent), login_as(world.other_referent)
    url = f"/enfants/{world.child.public_id}"
    assert old.get(url).status_code == 200 and new.get(url).status_code == 404
    coordinator = login_as(world.coordinateur)
    token = csrf_token(coordinator, url)
    note = f"Suivi orthophonie en cours {MARKER}"
    response = coordinator.post(
        f"/eps/enfants/{world.child.public_id}/referent",
        data={"csrf_token": token, "referent_id": world.other_referent.id, "note": note},
    )
    assert "Enfant transféré·e à" in coordinator.get(response.headers["Location"]).get_data(as_text=True)
    [event] = _events(session, "child.referent.transfer")
    assert (event.actor_id, event.target_id) == (world.coordinateur.id, world.child.public_id)
    assert old.get(url).status_code == 404  # the former référent lost access
    page = new.get(url).get_data(as_text=True)
    assert new.get(url).status_code == 200 and note in page and world.referent.name in page
    raw = session.execute(text("SELECT note FROM referent_transfers")).scalar_one()
    assert MARKER.encode() not in bytes(raw)


def test_only_the_coordinator_transfers_and_the_note_is_bounded(session: Session, world: World) -> None:
    from app.parcours.services import assign_referent

    try:
        assign_referent(session, world.child, world.other_referent, world.referent, "note")
    except WorkflowError as error:
        assert "coordonnateur" in str(error)
    else:
        raise AssertionError("a référent transferred a child")
    try:
        assign_referent(session, world.child, world.other_referent, world.coordinateur, "x" * 601)
    except WorkflowError as error:
        assert "600 caractères" in str(error)
    else:
        raise AssertionError("an oversized note was accepted")
    assert world.child.referent_id == world.referent.id
