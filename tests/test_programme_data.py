"""The programme's data of the year: entered by the coordinator, in the indicators, audited."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.audit.models import AuditEvent
from app.indicators.compute import compute, consolidate
from app.programme_data.queries import data_of_year
from tests.conftest import csrf_token
from tests.factories import World, make_user

Login = Callable[[Any], FlaskClient]


def _save(client: FlaskClient, year: int, **fields: str) -> None:
    token = csrf_token(client, f"/donnees-programme/{year}")
    response = client.post(f"/donnees-programme/{year}", data={"csrf_token": token, **fields})
    assert response.status_code == 302


def test_the_coordinator_enters_the_year_and_the_indicators_carry_it(
    session: Session, world: World, login_as: Login
) -> None:
    coordinator = login_as(world.coordinateur)
    _save(
        coordinator,
        2025,
        **{
            "effectifs-coordination": "1",
            "effectifs-referents": "2,5",
            "financements-etat_anct": "120 000",
            "financements-caf": "8000,50",
            "partenaires-sante": "3",
            "etablissements-college": "2",
            "qpv": "Kawéni\nMajicavo\n\nKawéni",
        },
    )
    page = coordinator.get("/donnees-programme/2025").get_data(as_text=True)
    assert "Données du programme 2025 enregistrées." in page and 'value="2,5"' in page
    data = compute(session, world.programme.id, 2025)["donnees_programme"]
    assert data["renseignees"] is True
    assert data["effectifs_etp"]["referents"] == 2.5 and data["effectifs_etp_total"] == 3.5
    assert data["financements"]["caf"] == 8000.5 and data["budget_total"] == 128000.5
    assert data["partenaires"]["sante"] == 3 and data["etablissements"]["college"] == 2
    assert data["qpv_couverts"] == ["Kawéni", "Majicavo"]
    # The school year 2025-2026 reads the data of 2025; 2024 has none.
    assert compute(session, world.programme.id, "2025-2026")["donnees_programme"] == data
    assert data_of_year(session, world.programme.id, 2024)["renseignees"] is False
    audited = session.scalars(select(AuditEvent.target_id).where(AuditEvent.action == "programme_data.save")).all()
    assert audited == ["2025"]


def test_a_wrong_number_is_refused_in_french_and_nothing_changes(
    session: Session, world: World, login_as: Login
) -> None:
    coordinator = login_as(world.coordinateur)
    _save(coordinator, 2025, **{"effectifs-coordination": "1"})
    _save(coordinator, 2025, **{"effectifs-coordination": "2", "partenaires-sante": "2,5"})
    page = coordinator.get("/donnees-programme/2025").get_data(as_text=True)
    assert "« Santé » : écrivez un nombre entier positif." in page
    assert data_of_year(session, world.programme.id, 2025)["effectifs_etp"]["coordination"] == 1.0


def test_a_network_adds_the_programmes_data(session: Session, world: World, login_as: Login) -> None:
    _save(login_as(world.coordinateur), 2025, **{"effectifs-referents": "2", "qpv": "Kawéni"})
    foreign = make_user(session, world.foreign_programme, "coordinateur")
    _save(login_as(foreign), 2025, **{"effectifs-referents": "1,5", "qpv": "Doujani\nKawéni"})
    network = consolidate(session, [world.programme.id, world.foreign_programme.id], 2025)["donnees_programme"]
    assert network["effectifs_etp"]["referents"] == 3.5 and network["qpv_couverts"] == ["Doujani", "Kawéni"]
