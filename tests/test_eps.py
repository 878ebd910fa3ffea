"""The EPS agenda: pseudonymised, the only page of an `eps` member, and the coordinator's decisions."""

from __future__ import annotations

import re
from datetime import date, datetime

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.audit.models import AuditEvent
from app.authz.decorators import declared_permission
from app.authz.permissions import Permission
from app.children.models import Child, Parcours
from app.children.services import Guardian
from app.eps import services as eps_services
from app.nomenclature import age_band, nomenclature
from tests.conftest import csrf_token
from tests.factories import World, make_child, make_document, make_parcours

BORN = date(2014, 7, 23)
MARKERS = {
    "nom": "Zqxnommarqueur",
    "prenom": "Zqxprenommarqueur",
    "adresse": "17 impasse Zqxadressemarqueur",
    "guardian": "Zqxparentmarqueur",
    "telephone": "0639123456",
    "ref_enfant": "ZQX-REF-4242",
    "ref_famille": "ZQX-FAM-4242",
}
ANSWER_MARKERS = {
    "nom": "Zqxreponsenom",
    "prenom": "Zqxreponseprenom",
    "adresse": "Zqxreponseadresse",
    "date_naissance": "2014-07-23",
    "etablissement": "Zqxreponseecole",
    "mesures_deja_prises": "Zqxreponsemesures",
    "commentaire": "Zqxreponsecommentaire",
}
SHARED_FACTS = "Absences répétées le lundi, fatigue en classe"
BIRTH_DATE_FORMS = ["23/07/2014", "2014-07-23", "23 juillet 2014", "23.07.2014"]


def _planted(session: Session, world: World) -> tuple[Child, Parcours]:
    """A child whose identity and orientation answers carry unique markers; facts marked shareable."""
    child = make_child(
        session,
        world.programme,
        world.referent,
        nom=MARKERS["nom"],
        prenom=MARKERS["prenom"],
        date_naissance=BORN,
        adresse=MARKERS["adresse"],
        ref_enfant=MARKERS["ref_enfant"],
        ref_famille=MARKERS["ref_famille"],
        responsables=[Guardian(nom=MARKERS["guardian"], prenom="Awa", telephone=MARKERS["telephone"])],
    )
    parcours = make_parcours(
        session,
        child,
        date_orientation=date(2025, 11, 3),
        niveau="CM1",
        cycle="elementaire",
        rep="rep_plus",
        qpv="oui",
        orienteur="pmi",
        difficultes=["langage", "sante"],
        eps_facts_shared=True,
    )
    answers = {**ANSWER_MARKERS, "faits_observes": SHARED_FACTS}
    make_document(session, parcours, answers=answers)
    return child, parcours


@pytest.mark.parametrize("role", ["coordinateur"])
def test_agenda_is_pseudonymised(world: World, session: Session, login_as, role: str) -> None:  # type: ignore[no-untyped-def]
    child, _parcours = _planted(session, world)
    response = login_as(world.users()[role]).get("/eps")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert child.pseudonym in page
    # what the EPS needs: age band, sex, cycle, REP, QPV, referrer, difficulties, orientation date
    band = nomenclature().label("tranche_age", age_band(BORN.year, date.today().year))
    for shown in (band, "Élémentaire", "REP+", "PMI", "Langage", "Santé", "03/11/2025"):
        assert shown.casefold() in page.casefold(), shown
    assert SHARED_FACTS in page  # the coordinator chose to share the observed facts, and only them
    # what it must never see
    for marker in [*MARKERS.values(), *ANSWER_MARKERS.values(), *BIRTH_DATE_FORMS]:
        assert marker.casefold() not in page.casefold(), marker
    for name in ("Ahamada", "Fatima", "Bernard", "Lucas", "Martin", "Sophie", "rue des Écoles"):
        assert name not in page, name
    assert response.headers["Cache-Control"] == "no-store"


def test_agenda_read_is_audited(world: World, session: Session, login_as) -> None:  # type: ignore[no-untyped-def]
    login_as(world.coordinateur).get("/eps")
    events = session.scalars(select(AuditEvent).where(AuditEvent.action == "eps.agenda.read")).all()
    assert [e.actor_id for e in events] == [world.coordinateur.id]


def test_eps_member_does_not_see_the_preparation_list(world: World, session: Session, login_as) -> None:  # type: ignore[no-untyped-def]
    """EPS members see only the séances they are invited to (tests/test_eps_seances.py)."""
    _child, parcours = _planted(session, world)
    response = login_as(world.eps).get("/eps")
    assert response.status_code == 404
    assert parcours.public_id not in response.get_data(as_text=True)


def _url(rule: str, world: World) -> str:
    values = {
        "<child_id>": world.child.public_id,
        "<parcours_id>": world.child.parcours[0].public_id,
    }
    for placeholder, value in values.items():
        rule = rule.replace(placeholder, value)
    return rule


def test_eps_member_opens_nothing_but_the_agenda(app: Flask, world: World, login_as) -> None:  # type: ignore[no-untyped-def]
    client = login_as(world.eps)
    token = csrf_token(client, "/eps/charte")
    assert client.get("/enfants/").status_code == 404
    assert client.get(f"/enfants/{world.child.public_id}").status_code == 404
    checked = 0
    for rule in app.url_map.iter_rules():
        permission = declared_permission(app, rule.endpoint)
        if permission in (Permission.PUBLIC, Permission.AUTHENTICATED) or rule.endpoint in (
            "seances.index",
            "seances.charter",
        ):
            continue
        url = _url(rule.rule, world)
        url = re.sub(r"<[^>]+>", "inconnu", url)
        for method in sorted((rule.methods or set()) & {"GET", "POST"}):
            if method == "GET":
                response = client.get(url)
            else:
                response = client.post(url, data={"csrf_token": token, "shared": "1"})
            assert response.status_code == 404, (method, url, response.status_code)
            checked += 1
    assert checked >= 4
    assert world.child.parcours[0].decision_eps == "en_attente"


def test_coordinator_of_another_programme_sees_nothing_of_this_one(world: World, session: Session, login_as) -> None:  # type: ignore[no-untyped-def]
    child, parcours = _planted(session, world)
    client = login_as(world.foreign_coordinateur)
    page = client.get("/eps").get_data(as_text=True)
    assert child.pseudonym not in page and world.child.pseudonym not in page
    assert world.foreign_child.pseudonym in page
    token = csrf_token(client, "/eps")
    data = {"csrf_token": token, "decision": "refuse", "decided_on": "2025-12-01"}
    assert client.post(f"/eps/{parcours.public_id}/decision", data=data).status_code == 404
    assert (
        client.post(f"/eps/{parcours.public_id}/partage", data={"csrf_token": token, "shared": "0"}).status_code == 404
    )
    session.refresh(parcours)
    assert (parcours.decision_eps, parcours.eps_facts_shared) == ("en_attente", True)


def _decision_events(session: Session, parcours: Parcours) -> list[AuditEvent]:
    return list(
        session.scalars(
            select(AuditEvent).where(
                AuditEvent.action.like("parcours.decision:%"), AuditEvent.target_id == parcours.public_id
            )
        )
    )


def _on_a_seance(session: Session, world: World, parcours: Parcours) -> str:
    """Put `parcours` on a séance's agenda; the URL of its decision form."""
    seance = eps_services.schedule(session, world.coordinateur, datetime(2025, 10, 1, 17), "Mairie")
    item = eps_services.add_item(session, world.coordinateur, seance, parcours, "orientation")
    session.commit()
    return f"/eps/situations/{item.public_id}/decision"


def _decision(url: str, **values: str) -> dict[str, str]:
    prefix = url.split("/")[3]
    return {f"d-{prefix}-{name}": value for name, value in values.items()}


def test_coordinator_accepts_with_a_referent_at_the_seance(world: World, session: Session, login_as) -> None:  # type: ignore[no-untyped-def]
    parcours = world.other_child.parcours[0]
    url = _on_a_seance(session, world, parcours)
    client: FlaskClient = login_as(world.coordinateur)
    page = client.get("/eps").get_data(as_text=True)
    assert f"/eps/{parcours.public_id}/decision" not in page  # decisions are taken in a séance only
    values = _decision(
        url, outcome="accepte", decided_on="2025-10-01", referent_id=str(world.referent.id), date_entree="2025-10-06"
    )
    response = client.post(url, data={"csrf_token": csrf_token(client, "/eps"), **values})
    assert response.status_code == 302
    session.refresh(parcours)
    session.refresh(world.other_child)
    assert (parcours.decision_eps, parcours.date_decision, parcours.date_entree) == (
        "accepte",
        date(2025, 10, 1),
        date(2025, 10, 6),
    )
    assert world.other_child.referent_id == world.referent.id
    [event] = _decision_events(session, parcours)
    assert (event.action, event.actor_id) == ("parcours.decision:accepte", world.coordinateur.id)
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Décision enregistrée pour " + world.other_child.pseudonym in page
    assert f'action="{url}"' not in page  # decided


def test_a_refused_decision_explains_and_changes_nothing(world: World, session: Session, login_as) -> None:  # type: ignore[no-untyped-def]
    parcours = world.other_child.parcours[0]
    url = _on_a_seance(session, world, parcours)
    client = login_as(world.coordinateur)
    values = _decision(
        url, outcome="accepte", decided_on="2025-10-01", referent_id=str(world.referent.id), date_entree="2025-09-01"
    )
    response = client.post(url, data={"csrf_token": csrf_token(client, "/eps"), **values})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "La date d&#39;entrée ne peut pas précéder la date d&#39;orientation (15/09/2025)" in page
    assert 'class="error-summary"' in page
    session.refresh(parcours)
    assert parcours.decision_eps == "en_attente" and not _decision_events(session, parcours)


def test_bad_date_is_reported_in_french(world: World, session: Session, login_as) -> None:  # type: ignore[no-untyped-def]
    url = _on_a_seance(session, world, world.other_child.parcours[0])
    client = login_as(world.coordinateur)
    values = _decision(url, outcome="refuse", decided_on="hier")
    response = client.post(url, data={"csrf_token": csrf_token(client, "/eps"), **values})
    page = response.get_data(as_text=True)
    field = "d-" + url.split("/")[3] + "-decided_on"
    assert response.status_code == 422
    assert "Date invalide" in page
    assert f'id="{field}-error"' in page and f'aria-describedby="{field}-error"' in page


def test_decision_without_csrf_token_is_refused(world: World, session: Session, login_as) -> None:  # type: ignore[no-untyped-def]
    parcours = world.other_child.parcours[0]
    url = _on_a_seance(session, world, parcours)
    response = login_as(world.coordinateur).post(url, data=_decision(url, outcome="refuse", decided_on="2025-10-01"))
    assert response.status_code == 400
    session.refresh(parcours)
    assert parcours.decision_eps == "en_attente"


def test_coordinator_shares_and_unshares_the_observed_facts(world: World, session: Session, login_as) -> None:  # type: ignore[no-untyped-def]
    _child, parcours = _planted(session, world)
    parcours.eps_facts_shared = False
    session.commit()
    client = login_as(world.coordinateur)
    assert SHARED_FACTS not in client.get("/eps").get_data(as_text=True)
    token = csrf_token(client, "/eps")
    response = client.post(f"/eps/{parcours.public_id}/partage", data={"csrf_token": token, "shared": "1"})
    assert response.status_code == 302
    session.refresh(parcours)
    assert parcours.eps_facts_shared
    assert SHARED_FACTS in client.get("/eps").get_data(as_text=True)
    client.post(f"/eps/{parcours.public_id}/partage", data={"csrf_token": token, "shared": "0"})
    session.refresh(parcours)
    assert not parcours.eps_facts_shared
    assert SHARED_FACTS not in client.get("/eps").get_data(as_text=True)
    actions = session.scalars(
        select(AuditEvent.action).where(AuditEvent.target_id == parcours.public_id).order_by(AuditEvent.id)
    ).all()
    assert actions == ["parcours.eps_facts.share", "parcours.eps_facts.unshare"]


def test_recent_decisions_are_listed(world: World, session: Session, login_as) -> None:  # type: ignore[no-untyped-def]
    child = make_child(session, world.programme, world.referent, nom=MARKERS["nom"])
    make_parcours(session, child, decision_eps="reoriente", date_decision=date.today())
    page = login_as(world.coordinateur).get("/eps").get_data(as_text=True)
    recent = page.split("Décisions récentes")[1]
    assert child.pseudonym in recent and "Réorientation" in recent
    assert MARKERS["nom"] not in page


def test_unknown_choices_are_refused_in_french(world: World, session: Session, login_as) -> None:  # type: ignore[no-untyped-def]
    parcours = world.other_child.parcours[0]
    url = _on_a_seance(session, world, parcours)
    client = login_as(world.coordinateur)
    values = _decision(url, outcome="peut-etre", decided_on="2025-10-01", referent_id="999999")
    response = client.post(url, data={"csrf_token": csrf_token(client, "/eps"), **values})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert page.count("Choisissez une valeur de la liste.") >= 2 and "Not a valid" not in page
    session.refresh(parcours)
    assert parcours.decision_eps == "en_attente"
