"""Documents in the browser: forms without JavaScript, autosave JSON, conflicts, access, atomicity."""

from __future__ import annotations

from datetime import date

from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import inspect, select, text
from sqlalchemy.orm import Session
from werkzeug.datastructures import MultiDict
from werkzeug.test import TestResponse

from app.documents import services
from app.documents.models import DRAFT, FINAL, Document
from app.nomenclature import nomenclature
from tests import documents_helpers as data
from tests.conftest import csrf_token
from tests.factories import World, make_parcours

NEW = "/enfants/nouvelle-orientation"


def _url(document: Document, action: str = "") -> str:
    base = f"/enfants/{document.child.public_id}/documents/{document.public_id}"
    return f"{base}/{action}" if action else base


def _post(client: FlaskClient, url: str, raw: dict, token: str, **extra: str) -> TestResponse:
    return client.post(url, data=MultiDict([*data.as_formdata(raw), ("csrf_token", token), *extra.items()]))


def _checksum(session: Session) -> str:
    connection = session.connection()
    parts = []
    for table in sorted(set(inspect(connection).get_table_names()) - {"user_sessions"}):
        rows = connection.execute(text(f'SELECT * FROM "{table}"')).all()  # noqa: S608 - schema names
        parts.append(f"{table}:{sorted(map(repr, rows))}")
    return "\n".join(parts)


def _draft(session: Session, world: World) -> Document:
    document = services.start_orientation(session, world.referent, data.orientation())
    session.commit()
    return document


def test_a_referent_enters_an_orientation_without_javascript(world: World, login_as, session: Session) -> None:  # type: ignore[no-untyped-def]
    client = login_as(world.referent)
    page = client.get(NEW).get_data(as_text=True)
    assert 'name="responsables-0-nom"' in page and "Ajouter une ligne" in page
    token = csrf_token(client, NEW)
    response = _post(client, NEW, data.orientation(), token)
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Brouillon" in page and 'value="Zidane"' in page and "Finaliser le document" in page
    assert "data-autosave" in page and "aria-live" in page


def test_add_a_row_without_javascript_keeps_what_was_typed(world: World, login_as, session: Session) -> None:  # type: ignore[no-untyped-def]
    document = _draft(session, world)
    client = login_as(world.referent)
    token = csrf_token(client, _url(document))
    raw = data.orientation(adresse="5 impasse des Lilas")
    response = _post(client, _url(document, "enregistrer"), raw, token, lock_version="1", _add_row="responsables")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'name="responsables-1-nom"' in page and "5 impasse des Lilas" in page
    session.expire_all()
    assert services.read_answers(document)["adresse"] == "5 impasse des Lilas"


def test_autosave_answers_json_and_moves_the_lock_version(world: World, login_as, session: Session) -> None:  # type: ignore[no-untyped-def]
    document = _draft(session, world)
    client = login_as(world.referent)
    token = csrf_token(client, _url(document))
    pairs = MultiDict([*data.as_formdata(data.orientation(adresse="autosave")), ("lock_version", "1")])
    response = client.post(
        _url(document, "enregistrer"), data=pairs, headers={"Accept": "application/json", "X-CSRFToken": token}
    )
    assert response.status_code == 200
    assert response.get_json()["status"] == "saved" and response.get_json()["lock_version"] == 2


def test_two_people_saving_the_same_version_one_conflict_nothing_lost(world: World, login_as, session: Session) -> None:  # type: ignore[no-untyped-def]
    document = _draft(session, world)
    first, second = login_as(world.referent), login_as(world.coordinateur)
    first_token, second_token = csrf_token(first, _url(document)), csrf_token(second, _url(document))
    ok = _post(
        first, _url(document, "enregistrer"), data.orientation(adresse="Version A"), first_token, lock_version="1"
    )
    late = _post(
        second, _url(document, "enregistrer"), data.orientation(adresse="Version B"), second_token, lock_version="1"
    )
    assert ok.status_code == 303 and late.status_code == 409
    page = late.get_data(as_text=True)
    assert "Version B" in page  # the late user's values are shown again
    assert "Version enregistrée entre-temps" in page and "Version A" in page  # next to the stored ones
    assert 'name="lock_version" type="hidden" value="2"' in page  # saving again is a deliberate choice
    session.expire_all()
    assert services.read_answers(document)["adresse"] == "Version A"
    json_late = second.post(
        _url(document, "enregistrer"),
        data=MultiDict([*data.as_formdata(data.orientation()), ("lock_version", "1")]),
        headers={"Accept": "application/json", "X-CSRFToken": second_token},
    )
    assert json_late.status_code == 409 and json_late.get_json()["status"] == "conflict"


def test_show_if_hidden_values_are_dropped(world: World, login_as, session: Session) -> None:  # type: ignore[no-untyped-def]
    document = _draft(session, world)
    client = login_as(world.referent)
    raw = data.orientation(mesures_existantes="non", mesures_detail="ne doit pas rester")
    _post(client, _url(document, "enregistrer"), raw, csrf_token(client, _url(document)), lock_version="1")
    session.expire_all()
    assert "mesures_detail" not in services.read_answers(document)


def test_failed_finalisation_leaves_the_database_unchanged(world: World, login_as, session: Session) -> None:  # type: ignore[no-untyped-def]
    document = _draft(session, world)
    client = login_as(world.referent)
    token = csrf_token(client, _url(document))
    session.commit()
    before = _checksum(session)
    raw = data.orientation(niveau="", date_orientation="31/02/2025", adresse="changed")
    response = _post(client, _url(document, "finaliser"), raw, token, lock_version="1")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Cette date n&#39;existe pas." in page and "changed" in page and 'href="#niveau"' in page
    session.expire_all()
    assert _checksum(session) == before


def test_finalise_then_correct_through_the_browser(world: World, login_as, session: Session) -> None:  # type: ignore[no-untyped-def]
    document = _draft(session, world)
    client = login_as(world.referent)
    token = csrf_token(client, _url(document))
    response = _post(client, _url(document, "finaliser"), data.orientation(), token, lock_version="1")
    assert response.status_code == 303
    page = client.get(_url(document)).get_data(as_text=True)
    assert "Finalisé" in page and "Télécharger le PDF signé" in page and "Zidane" in page
    pdf = client.get(_url(document, "pdf"))
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    locked = _post(client, _url(document, "enregistrer"), data.orientation(), token, lock_version="2")
    assert locked.status_code == 303
    session.expire_all()
    assert document.status == FINAL
    correction = client.post(_url(document, "corriger"), data={"csrf_token": token})
    assert correction.status_code == 303
    new = client.get(correction.headers["Location"]).get_data(as_text=True)
    assert "Version 2 du document" in new and "Brouillon" in new
    child_page = client.get(f"/enfants/{document.child.public_id}").get_data(as_text=True)
    assert "Finalisé, corrigé depuis" in child_page


def test_start_a_document_from_the_child_page(world: World, login_as, session: Session) -> None:  # type: ignore[no-untyped-def]
    parcours = make_parcours(
        session, world.child, decision_eps="accepte", date_decision=date(2025, 10, 1), date_entree=date(2025, 10, 2)
    )
    session.commit()
    client = login_as(world.referent)
    child_url = f"/enfants/{world.child.public_id}"
    page = client.get(child_url).get_data(as_text=True)
    assert "Nouvelle entrée" in page and "Commencer : Attestation de fin de prise en charge" in page
    token = csrf_token(client, child_url)
    response = client.post(f"{child_url}/parcours/{parcours.public_id}/documents/suivi", data={"csrf_token": token})
    assert response.status_code == 303 and "/documents/" in response.headers["Location"]
    pending = world.child.parcours[0]
    refused = client.post(
        f"{child_url}/parcours/{pending.public_id}/documents/fin_prise_en_charge", data={"csrf_token": token}
    )
    assert refused.status_code == 303
    assert "parcours accepté" in client.get(child_url).get_data(as_text=True)


def test_documents_of_other_caseloads_and_other_children_are_404(world: World, login_as, session: Session) -> None:  # type: ignore[no-untyped-def]
    other = services.start_orientation(session, world.other_referent, data.orientation(nom="Autre"))
    mine = _draft(session, world)
    client = login_as(world.referent)
    assert client.get(_url(mine)).status_code == 200
    assert client.get(_url(other)).status_code == 404
    # A document requested under another child's address (even one the user may see) is not found.
    assert client.get(f"/enfants/{world.child.public_id}/documents/{mine.public_id}").status_code == 404
    token = csrf_token(client, _url(mine))
    assert client.post(_url(other, "enregistrer"), data={"csrf_token": token}).status_code == 404
    assert mine.status == DRAFT


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    text=st.text(max_size=300),
    day=st.one_of(st.text(max_size=12), st.dates().map(lambda d: d.strftime("%d/%m/%Y"))),
    choice=st.text(max_size=20),
)
def test_any_posted_value_is_saved_clean_or_refused_never_a_500(
    world: World,
    login_as,
    session: Session,
    text: str,
    day: str,
    choice: str,  # type: ignore[no-untyped-def]
) -> None:
    document = session.scalar(select(Document).where(Document.child_id == world.child.id)) or _suivi_draft(
        session, world
    )
    client = login_as(world.referent)
    token = csrf_token(client, _url(document))
    raw = {"date_contrat": day, "objectifs": [{"objectif": text}], "actions": [{"type": choice, "debut": day}]}
    response = client.post(
        _url(document, "enregistrer"),
        data=MultiDict([*data.as_formdata(raw), ("lock_version", str(document.lock_version)), ("csrf_token", token)]),
        headers={"Accept": "application/json"},
    )
    assert response.status_code in (200, 422), response.status_code
    session.expire_all()
    stored = services.read_answers(document)
    if response.status_code == 200:
        if "date_contrat" in stored:
            assert 1900 <= date.fromisoformat(stored["date_contrat"]).year <= 2100
        for row in stored.get("actions", []):
            assert row.get("type") in (None, *nomenclature().codes("action"))


def _suivi_draft(session: Session, world: World) -> Document:
    parcours = make_parcours(
        session, world.child, decision_eps="accepte", date_decision=date(2025, 10, 1), date_entree=date(2025, 10, 2)
    )
    document = data.start_suivi_v1(session, world.referent, parcours)
    session.commit()
    return document


def test_a_new_orientation_of_a_known_child_starts_from_its_file(world: World, login_as) -> None:  # type: ignore[no-untyped-def]
    client = login_as(world.referent)
    child_page = client.get(f"/enfants/{world.child.public_id}").get_data(as_text=True)
    assert f"/enfants/{world.child.public_id}/nouvelle-orientation" in child_page
    page = client.get(f"/enfants/{world.child.public_id}/nouvelle-orientation").get_data(as_text=True)
    assert 'value="Ahamada"' in page and 'value="Fatima"' in page and 'value="Sophie"' in page
    assert client.get(f"/enfants/{world.other_child.public_id}/nouvelle-orientation").status_code == 404
