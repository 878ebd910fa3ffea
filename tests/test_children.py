from datetime import date

from sqlalchemy.orm import Session

from app.children.services import read_identity, search
from tests.conftest import csrf_token
from tests.factories import World, make_child


def test_referent_sees_own_caseload_only(world: World, login_as) -> None:  # type: ignore[no-untyped-def]
    page = login_as(world.referent).get("/enfants/").get_data(as_text=True)
    assert "Ahamada" in page
    assert "Bernard" not in page
    assert "Durand" not in page


def test_coordinator_sees_the_whole_programme_and_nothing_else(world: World, login_as) -> None:  # type: ignore[no-untyped-def]
    page = login_as(world.coordinateur).get("/enfants/").get_data(as_text=True)
    assert "Ahamada" in page and "Bernard" in page
    assert "Durand" not in page


def test_child_page_shows_identity_guardians_and_parcours(world: World, login_as) -> None:  # type: ignore[no-untyped-def]
    response = login_as(world.referent).get(f"/enfants/{world.child.public_id}")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Fatima" in page and "Sophie" in page and "Responsables légaux" in page
    assert "15/09/2025" in page
    assert response.headers["Cache-Control"] == "no-store"


def test_search_finds_exact_names_whatever_the_accents_and_case(world: World, session: Session) -> None:
    sibling = make_child(session, world.programme, world.referent, nom="Saïd", prenom="Naël")
    assert search(session, world.referent, "SAID") == [sibling]
    assert search(session, world.referent, "nael said") == [sibling]
    assert search(session, world.referent, "Said Naël") == [sibling]
    assert search(session, world.referent, "Sai") == []
    assert search(session, world.other_referent, "Saïd") == []


def test_search_box_on_the_caseload_page(world: World, login_as) -> None:  # type: ignore[no-untyped-def]
    client = login_as(world.coordinateur)
    token = csrf_token(client, "/enfants/")
    page = client.post("/enfants/", data={"q": "bernard", "csrf_token": token}).get_data(as_text=True)
    assert "Lucas" in page and "Fatima" not in page
    assert 'method="post" role="search"' in page  # the name typed never goes into a URL
    assert "Fatima" in client.get("/enfants/?q=bernard").get_data(as_text=True)  # a URL query searches nothing


def test_identity_round_trips(world: World) -> None:
    identity = read_identity(world.child)
    assert (identity.nom, identity.prenom, identity.responsables[0].prenom) == ("Ahamada", "Fatima", "Sophie")


def test_caseload_shows_where_each_child_stands(world: World, session: Session, login_as) -> None:  # type: ignore[no-untyped-def]
    parcours = world.child.parcours[0]
    parcours.decision_eps, parcours.date_entree = "accepte", date(2025, 10, 6)
    session.commit()
    page = login_as(world.coordinateur).get("/enfants/").get_data(as_text=True)
    assert "Accompagné·e depuis le 06/10/2025" in page
    assert "Orienté·e, en attente de l&#39;EPS le 15/09/2025" in page  # Lucas Bernard
