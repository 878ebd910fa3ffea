"""Collective actions: who creates and sees them, attendance from the caseload, sheets, counts."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.audit.models import AuditEvent
from app.indicators.compute import compute
from tests.conftest import csrf_token
from tests.factories import World, make_parcours

Login = Callable[[Any], FlaskClient]


def _pdf_text(pdf: bytes, tmp_path: Path) -> str:
    path = tmp_path / "sheet.pdf"
    path.write_bytes(pdf)
    result = subprocess.run(["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True, text=True)
    return " ".join(result.stdout.split())


def _create_action(client: FlaskClient, title: str = "Atelier des parents") -> str:
    token = csrf_token(client, "/actions-collectives")
    response = client.post(
        "/actions-collectives",
        data={
            "csrf_token": token,
            "title": title,
            "action_code": "parentalite",
            "public": "enfants_parents",
            "provider": "Centre social Kawéni",
            "starts_on": "2025-09-01",
            "ends_on": "2026-06-30",
            "capacity": "12",
        },
    )
    assert response.status_code == 302, response.data
    return response.headers["Location"]


def _add_session(client: FlaskClient, action_url: str, day: str = "2025-10-08") -> str:
    token = csrf_token(client, action_url)
    response = client.post(f"{action_url}/seances", data={"csrf_token": token, "held_on": day, "place": "Salle 2"})
    assert response.status_code == 302
    page = client.get(action_url).get_data(as_text=True)
    start = page.index("/actions-collectives/seances/")
    return page[start : page.index('"', start)]


def _accepted(session: Session, world: World) -> None:
    for child in (world.child, world.other_child):
        make_parcours(session, child, decision_eps="accepte", date_entree=date(2025, 9, 20))


def test_a_referent_records_a_session_and_the_child_page_lists_it(
    session: Session, world: World, login_as: Login, tmp_path: Path
) -> None:
    _accepted(session, world)
    referent = login_as(world.referent)
    action_url = _create_action(referent)
    session_url = _add_session(referent, action_url)
    page = referent.get(session_url).get_data(as_text=True)
    assert "Ahamada Fatima" in page and "Bernard" not in page  # only the référent's own caseload
    token = csrf_token(referent, session_url)
    response = referent.post(
        f"{session_url}/presences",
        data={"csrf_token": token, "children": [world.child.public_id], "other_children": "3", "parents": "5"},
    )
    assert response.status_code == 302
    assert "Présences enregistrées" in referent.get(session_url).get_data(as_text=True)
    child_page = referent.get(f"/enfants/{world.child.public_id}").get_data(as_text=True)
    assert "Atelier des parents" in child_page and "1 séance" in child_page

    filled = _pdf_text(referent.get(f"{session_url}/emargement.pdf?rempli=1").data, tmp_path)
    assert "Ahamada Fatima" in filled and "Atelier des parents" in filled
    assert "Parents présents 5" in filled and "Autres enfants présents 3" in filled
    blank = _pdf_text(referent.get(f"{session_url}/emargement.pdf").data, tmp_path)
    assert "Feuille d'émargement" in blank and "Ahamada" not in blank

    result = compute(session, world.programme.id, 2025)["actions_collectives"]
    assert result == {"actions": 1, "seances": 1, "enfants_en_parcours": 1, "autres_enfants": 3, "parents": 5}
    school_year = compute(session, world.programme.id, "2025-2026")["actions_collectives"]
    assert (
        school_year["seances"] == 1
        and compute(session, world.programme.id, 2024)["actions_collectives"]["seances"] == 0
    )


def test_each_attendance_change_is_audited_on_the_child(session: Session, world: World, login_as: Login) -> None:
    _accepted(session, world)
    referent = login_as(world.referent)
    session_url = _add_session(referent, _create_action(referent))
    token = csrf_token(referent, session_url)
    referent.post(f"{session_url}/presences", data={"csrf_token": token, "children": [world.child.public_id]})
    referent.post(f"{session_url}/presences", data={"csrf_token": token, "children": []})
    events = session.execute(
        select(AuditEvent.action, func.count())
        .where(AuditEvent.target_id == world.child.public_id, AuditEvent.action.like("collective.attendance.%"))
        .where(AuditEvent.action != "collective.attendance.choices")
        .group_by(AuditEvent.action)
    ).all()
    assert dict(events) == {"collective.attendance.add": 1, "collective.attendance.remove": 1}


def test_a_child_outside_the_caseload_cannot_be_ticked(session: Session, world: World, login_as: Login) -> None:
    _accepted(session, world)
    referent = login_as(world.referent)
    session_url = _add_session(referent, _create_action(referent))
    token = csrf_token(referent, session_url)
    referent.post(f"{session_url}/presences", data={"csrf_token": token, "children": [world.other_child.public_id]})
    page = referent.get(session_url).get_data(as_text=True)
    assert "pas dans vos dossiers" in page
    assert compute(session, world.programme.id, 2025)["actions_collectives"]["enfants_en_parcours"] == 0


def test_names_show_only_to_those_who_follow_the_child(session: Session, world: World, login_as: Login) -> None:
    """The coordinator ticks both children on the référent's action: the référent sees one name and a count."""
    _accepted(session, world)
    referent, coordinator = login_as(world.referent), login_as(world.coordinateur)
    action_url = _create_action(referent)
    session_url = _add_session(referent, action_url)
    token = csrf_token(coordinator, session_url)
    children = [world.child.public_id, world.other_child.public_id]
    coordinator.post(f"{session_url}/presences", data={"csrf_token": token, "children": children})
    page = referent.get(session_url).get_data(as_text=True)
    assert "Ahamada Fatima" in page and "Bernard" not in page
    assert "1 autre enfant suivi, que vous ne suivez pas" in page
    # The référent saves again: the child they do not follow stays recorded.
    referent.post(f"{session_url}/presences", data={"csrf_token": token, "children": [world.child.public_id]})
    assert compute(session, world.programme.id, 2025)["actions_collectives"]["enfants_en_parcours"] == 2


def test_referents_see_their_own_actions_and_eps_members_none(session: Session, world: World, login_as: Login) -> None:
    coordinator = login_as(world.coordinateur)
    action_url = _create_action(coordinator, "Séjour de printemps")
    assert "Séjour de printemps" in coordinator.get("/actions-collectives").get_data(as_text=True)
    referent = login_as(world.referent)
    assert "Séjour de printemps" not in referent.get("/actions-collectives").get_data(as_text=True)
    assert referent.get(action_url).status_code == 404
    eps = login_as(world.eps)
    assert eps.get("/actions-collectives").status_code == 404
    assert eps.get(action_url).status_code == 404


def test_a_session_outside_the_action_dates_is_refused_in_french(world: World, login_as: Login) -> None:
    referent = login_as(world.referent)
    action_url = _create_action(referent)
    token = csrf_token(referent, action_url)
    referent.post(f"{action_url}/seances", data={"csrf_token": token, "held_on": "2027-01-05", "place": ""})
    page = referent.get(action_url).get_data(as_text=True)
    assert "entre le début et la fin de l&#39;action" in page


def test_a_count_that_is_not_a_number_is_refused_in_french(session: Session, world: World, login_as: Login) -> None:
    referent = login_as(world.referent)
    session_url = _add_session(referent, _create_action(referent))
    token = csrf_token(referent, session_url)
    referent.post(f"{session_url}/presences", data={"csrf_token": token, "parents": "douze"})
    assert "Écrivez un nombre entier, par exemple 12." in referent.get(session_url).get_data(as_text=True)
