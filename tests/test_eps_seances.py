"""EPS séances: preparation, charter, pseudonymised agenda, decisions with history, relevé, letters."""

from __future__ import annotations

import subprocess
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.audit.models import AuditEvent
from app.documents.models import DRAFT
from app.eps import charter, queries, services
from app.eps.letters import read_letter
from app.eps.models import EpsDecision, Letter, Seance
from app.indicators.compute import compute
from app.signing.keys import all_certificates_pem
from tests.conftest import csrf_token
from tests.factories import World, make_child, make_document, make_parcours, make_user

YESTERDAY = datetime.combine(date.today() - timedelta(days=1), datetime.min.time()).replace(hour=17)


def _pdf_text(tmp_path: Path, data: bytes, name: str) -> str:
    path = tmp_path / name
    path.write_bytes(data)
    return subprocess.run(["pdftotext", str(path), "-"], check=True, capture_output=True, text=True).stdout


def _seance(session: Session, world: World, when: datetime = YESTERDAY) -> Seance:
    seance = services.schedule(session, world.coordinateur, when, "Salle du conseil, mairie")
    services.set_participants(session, world.coordinateur, seance, [world.eps.id], [("Mme Diallo", "Collège Bouéni")])
    return seance


def test_a_draft_orientation_never_reaches_the_eps(world: World, session: Session) -> None:
    child = make_child(session, world.programme, world.referent, nom="Brouillon", prenom="Noa")
    parcours = make_parcours(session, child, imported=False)
    make_document(session, parcours, status=DRAFT)
    assert parcours.id not in {c.parcours.id for c in queries.candidates(session, world.programme.id)}
    seance = _seance(session, world)
    with pytest.raises(services.EpsError, match="brouillon"):
        services.add_item(session, world.coordinateur, seance, parcours, "orientation")
    make_document(session, parcours)  # finalised now
    assert parcours.id in {c.parcours.id for c in queries.candidates(session, world.programme.id)}


def test_a_decision_waits_for_a_finalised_orientation(world: World, session: Session) -> None:
    child = make_child(session, world.programme, world.referent, nom="Papier", prenom="Ilan")
    parcours = make_parcours(session, child, imported=True)  # from paper: on the agenda without a fiche
    seance = _seance(session, world)
    item = services.add_item(session, world.coordinateur, seance, parcours, "orientation")
    make_document(session, parcours, status=DRAFT)  # a fiche started since, still a draft
    with pytest.raises(services.EpsError, match="brouillon"):
        services.decide(session, world.coordinateur, item, "refuse", date.today())
    assert parcours.decision_eps == "en_attente"


def test_agenda_gathers_orientations_reviews_requests_and_adjourned(world: World, session: Session) -> None:
    long_ago = date.today() - timedelta(days=200)
    due = make_parcours(
        session,
        make_child(session, world.programme, world.referent, nom="Revue", prenom="Due"),
        date_orientation=long_ago,
        decision_eps="accepte",
        date_entree=long_ago,
    )
    recent = make_parcours(
        session,
        make_child(session, world.programme, world.referent, nom="Recent", prenom="Ent"),
        date_orientation=date.today() - timedelta(days=30),
        decision_eps="accepte",
        date_entree=date.today() - timedelta(days=20),
    )
    kinds = {c.parcours.id: c.kind for c in queries.candidates(session, world.programme.id)}
    assert kinds[due.id] == "revue" and recent.id not in kinds
    assert kinds[world.child.parcours[0].id] == "orientation"
    services.request_review(session, world.referent, recent, "sortie")
    kinds = {c.parcours.id: c.kind for c in queries.candidates(session, world.programme.id)}
    assert kinds[recent.id] == "sortie"
    seance = _seance(session, world)
    services.add_item(session, world.coordinateur, seance, recent, "sortie")
    assert recent.id not in {c.parcours.id for c in queries.candidates(session, world.programme.id)}


def test_whole_seance_with_history_relevé_letters_and_indicator(world: World, session: Session, tmp_path: Path) -> None:
    parcours = world.child.parcours[0]
    other = world.other_child.parcours[0]
    seance = _seance(session, world)
    first = services.add_item(session, world.coordinateur, seance, parcours, "orientation")
    second = services.add_item(session, world.coordinateur, seance, other, "orientation")
    services.move_item(session, world.coordinateur, second, -1)
    assert [i.parcours_id for i in seance.items] == [other.id, parcours.id]
    with pytest.raises(services.EpsError, match="sans décision"):
        services.close(session, world.coordinateur, seance)
    services.decide(session, world.coordinateur, first, "ajourne", date.today(), manque="informations_ecole")
    services.decide(
        session,
        world.coordinateur,
        second,
        "accepte",
        date.today(),
        preconisations=["accompagnement_scolaire"],
        note="Soutien en lecture",
    )
    assert other.decision_eps == "accepte" and parcours.decision_eps == "ajourne"
    services.record_attendance(session, world.coordinateur, seance, {world.eps.id}, set())
    services.close(session, world.coordinateur, seance)
    assert seance.closed and seance.releve_pdf
    releve = _pdf_text(tmp_path, seance.releve_pdf, "releve.pdf")
    assert "Relevé de décisions" in releve and world.child.pseudonym in releve and "Ajournement" in releve
    assert "Mme Diallo (Collège Bouéni)" in releve and world.eps.name in releve
    for name in ("Ahamada", "Fatima", "Bernard", "Lucas", "Soutien en lecture"):
        assert name not in releve
    with pytest.raises(services.EpsError, match="close"):
        services.add_item(session, world.coordinateur, seance, parcours, "ajournee")

    # the adjourned situation comes back and is decided later: both decisions are kept
    kinds = {c.parcours.id: c.kind for c in queries.candidates(session, world.programme.id)}
    assert kinds[parcours.id] == "ajournee"
    later = _seance(session, world)
    item = services.add_item(session, world.coordinateur, later, parcours, "ajournee")
    services.decide(session, world.coordinateur, item, "reoriente", date.today(), reorientation="soins")
    history = session.scalars(select(EpsDecision.outcome).where(EpsDecision.parcours_id == parcours.id)).all()
    assert list(history) == ["ajourne", "reoriente"]

    letters = session.scalars(select(Letter).where(Letter.child_id == world.other_child.id)).all()
    assert {letter.kind for letter in letters} == {"courrier_famille", "retour_orienteur"}
    family = next(letter for letter in letters if letter.kind == "courrier_famille")
    text = _pdf_text(tmp_path, read_letter(family), "famille.pdf")
    assert "Lucas Bernard" in text and "Admission" not in text
    assert "accompagné" in text and world.other_referent.name in text and world.other_referent.email in text
    assert "CNIL" in text and "deux ans" in text
    feedback = next(letter for letter in letters if letter.kind == "retour_orienteur")
    text = _pdf_text(tmp_path, read_letter(feedback), "orienteur.pdf")
    assert "prise en charge par le programme" in text
    assert "Lucas" not in text and "Bernard" not in text and "Soutien en lecture" not in text
    assert compute(session, world.programme.id, date.today().year)["eps"]["seances"] == 1


def test_decision_details_are_required(world: World, session: Session) -> None:
    seance = _seance(session, world)
    item = services.add_item(session, world.coordinateur, seance, world.child.parcours[0], "orientation")
    with pytest.raises(services.EpsError, match="quel service"):
        services.decide(session, world.coordinateur, item, "reoriente", date.today())
    with pytest.raises(services.EpsError, match="ce qui manque"):
        services.decide(session, world.coordinateur, item, "ajourne", date.today())
    with pytest.raises(services.EpsError, match="liste"):
        services.decide(session, world.coordinateur, item, "poursuite", date.today())
    with pytest.raises(services.EpsError):
        services.decide(session, world.referent, item, "refuse", date.today())


def test_admission_without_referent_goes_to_the_waiting_list(world: World, session: Session) -> None:
    child = make_child(session, world.programme, None, nom="Attente", prenom="Sam")
    parcours = make_parcours(session, child)
    seance = _seance(session, world)
    item = services.add_item(session, world.coordinateur, seance, parcours, "orientation")
    decision = services.decide(session, world.coordinateur, item, "accepte", date.today())
    assert decision.liste_attente and child.referent_id is None and parcours.decision_eps == "accepte"


def test_eps_member_sees_invited_seances_only_after_the_charter(world: World, session: Session, login_as) -> None:  # type: ignore[no-untyped-def]
    seance = _seance(session, world)
    services.add_item(session, world.coordinateur, seance, world.child.parcours[0], "orientation")
    uninvited = services.schedule(session, world.coordinateur, YESTERDAY, "Ailleurs")
    session.commit()
    client = login_as(world.eps)
    url = f"/eps/seances/{seance.public_id}"
    assert client.get(url).status_code == 404  # invited, charter not accepted
    assert "acceptez la charte" in client.get("/eps/seances").get_data(as_text=True)
    token = csrf_token(client, "/eps/charte")
    refused = client.post("/eps/charte", data={"csrf_token": token, "version": "1"})
    assert refused.status_code == 200 and "Cochez la case" in refused.get_data(as_text=True)
    client.post("/eps/charte", data={"csrf_token": token, "version": "1", "accept": "y"})
    page = client.get(url)
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and world.child.pseudonym in text
    for name in ("Ahamada", "Fatima", "rue des Écoles", "Enregistrer la décision"):
        assert name not in text
    assert client.get(f"/eps/seances/{uninvited.public_id}").status_code == 404
    assert uninvited.public_id not in client.get("/eps/seances").get_data(as_text=True)
    # a new version of the charter must be accepted again
    charter.save_text(session, world.coordinateur, "charte", "Nouvelle charte, version 2.")
    session.commit()
    assert client.get(url).status_code == 404
    actions = session.scalars(select(AuditEvent.action).where(AuditEvent.actor_id == world.eps.id)).all()
    assert "eps.charter.accept" in actions and "eps.seance.read" in actions


def test_referent_presentation_warns_on_the_childs_names(world: World, session: Session, login_as) -> None:  # type: ignore[no-untyped-def]
    seance = _seance(session, world)
    item = services.add_item(session, world.coordinateur, seance, world.child.parcours[0], "orientation")
    session.commit()
    client = login_as(world.referent)
    url = f"/eps/situations/{item.public_id}/presentation"
    token = csrf_token(client, url)
    warned = client.post(url, data={"csrf_token": token, "presentation": "Fatima arrive en retard."})
    assert warned.status_code == 422 and "contient le nom" in warned.get_data(as_text=True)
    assert services.presentation_of(item) == ""
    saved = client.post(url, data={"csrf_token": token, "presentation": "Retards fréquents le matin."})
    assert saved.status_code == 302
    session.refresh(item)
    assert services.presentation_of(item) == "Retards fréquents le matin."
    assert item.presentation is not None and b"Retards" not in item.presentation  # encrypted
    other_item = services.add_item(session, world.coordinateur, seance, world.other_child.parcours[0], "orientation")
    session.commit()
    assert client.get(f"/eps/situations/{other_item.public_id}/presentation").status_code == 404


def test_coordinator_runs_a_seance_through_the_pages(world: World, session: Session, login_as) -> None:  # type: ignore[no-untyped-def]
    client = login_as(world.coordinateur)
    token = csrf_token(client, "/eps/seances")
    day = (date.today() - timedelta(days=1)).isoformat()
    created = client.post("/eps/seances", data={"csrf_token": token, "day": day, "hour": "17:30", "lieu": "Mairie"})
    seance = session.scalars(select(Seance)).one()
    assert created.headers["Location"].endswith(f"/eps/seances/{seance.public_id}")
    base = f"/eps/seances/{seance.public_id}"
    client.post(f"{base}/participants", data={"csrf_token": token, "members": [str(world.eps.id)]})
    parcours = world.child.parcours[0]
    client.post(f"{base}/ordre-du-jour", data={"csrf_token": token, "situation": f"orientation:{parcours.public_id}"})
    session.expire_all()
    [item] = session.get(Seance, seance.id).items  # type: ignore[union-attr]
    prefix = f"d-{item.public_id}-"
    client.post(
        f"/eps/situations/{item.public_id}/decision",
        data={"csrf_token": token, prefix + "outcome": "refuse", prefix + "decided_on": date.today().isoformat()},
    )
    client.post(f"{base}/presences", data={"csrf_token": token, "presents": [str(world.eps.id)]})
    closed = client.post(f"{base}/cloture", data={"csrf_token": token})
    assert closed.status_code == 302
    session.expire_all()
    assert session.get(Seance, seance.id).closed  # type: ignore[union-attr]
    releve = client.get(f"{base}/releve.pdf")
    assert releve.status_code == 200 and releve.data.startswith(b"%PDF")
    child_page = client.get(f"/enfants/{world.child.public_id}").get_data(as_text=True)
    assert "Courrier à la famille" in child_page and "Retour à l'orienteur" in child_page
    letter = session.scalars(select(Letter).where(Letter.child_id == world.child.id)).first()
    assert letter is not None
    assert client.get(f"/eps/courriers/{letter.public_id}.pdf").data.startswith(b"%PDF")
    downloads = session.scalars(select(AuditEvent).where(AuditEvent.action == "eps.letter.download")).all()
    assert [d.target_id for d in downloads] == [letter.public_id]
    other_referent = login_as(world.other_referent)
    assert other_referent.get(f"/eps/courriers/{letter.public_id}.pdf").status_code == 404


def test_the_referent_reads_the_preconisations_on_the_childs_page(world: World, session: Session, login_as) -> None:  # type: ignore[no-untyped-def]
    seance = _seance(session, world)
    item = services.add_item(session, world.coordinateur, seance, world.other_child.parcours[0], "orientation")
    services.decide(
        session,
        world.coordinateur,
        item,
        "accepte",
        date.today(),
        preconisations=["accompagnement_scolaire"],
        note="Soutien en lecture",
    )
    session.commit()
    page = login_as(world.other_referent).get(f"/enfants/{world.other_child.public_id}").get_data(as_text=True)
    assert "préconisations : Accompagnement scolaire" in page and "« Soutien en lecture »" in page


def test_eps_member_of_another_programme_or_account_is_not_invited(world: World, session: Session) -> None:
    seance = _seance(session, world)
    stranger = make_user(session, world.foreign_programme, "eps")
    with pytest.raises(services.EpsError, match="membres de l'EPS"):
        services.set_participants(session, world.coordinateur, seance, [stranger.id], [])
    with pytest.raises(services.EpsError, match="membres de l'EPS"):
        services.set_participants(session, world.coordinateur, seance, [world.referent.id], [])


def test_coordinator_home_shows_next_seance_and_waiting_situations(world: World, session: Session, login_as) -> None:  # type: ignore[no-untyped-def]
    old = make_child(session, world.programme, world.referent, nom="Longueattente", prenom="Ina")
    make_parcours(session, old, date_orientation=date.today() - timedelta(days=45))
    fresh = make_child(session, world.programme, world.referent, nom="Recente", prenom="Ema")
    make_parcours(session, fresh, date_orientation=date.today() - timedelta(days=3))
    seance = services.schedule(session, world.coordinateur, datetime.now() + timedelta(days=7), "Mairie")
    services.add_item(session, world.coordinateur, seance, world.child.parcours[0], "orientation")
    session.commit()
    page = login_as(world.coordinateur).get("/").get_data(as_text=True)
    assert f"/eps/seances/{seance.public_id}" in page and "1 situation à l&#39;ordre du jour" in page.replace(
        "'", "&#39;"
    )
    waiting = page.split("Situations en attente depuis plus de 30 jours")[1].split("<h3")[0]
    assert "Longueattente" in waiting and "Recente" not in waiting and "Ahamada" not in waiting
    # world's other child and the two new ones are not on any agenda yet
    assert "3 situations ne sont encore inscrites à aucun ordre du jour" in page


def test_the_releve_is_in_the_yearly_archive_and_verifies(
    app: Flask, world: World, session: Session, tmp_path: Path
) -> None:
    import zipfile

    from app.archive.export import export_year
    from app.archive.verify import verify_archive

    seance = _seance(session, world)
    item = services.add_item(session, world.coordinateur, seance, world.child.parcours[0], "orientation")
    services.decide(session, world.coordinateur, item, "refuse", date.today())
    services.record_attendance(session, world.coordinateur, seance, {world.eps.id}, set())
    services.close(session, world.coordinateur, seance)
    session.commit()
    output = tmp_path / "archive.zip"
    export_year(session, world.programme, date.today().year, output)
    with zipfile.ZipFile(output) as archive:
        names = [n for n in archive.namelist() if n.startswith("documents/eps/")]
        assert len(names) == 1 and archive.read(names[0]) == seance.releve_pdf
    keys_path, code = app.config["PARCOURS"].keys_path, world.programme.code
    certificates = all_certificates_pem(keys_path, code)
    assert verify_archive(output, lambda programme: certificates if programme == code else None) == []


def test_purge_deletes_letters_presentation_and_preconisation_text(world: World, session: Session) -> None:
    from app.eps.models import AgendaItem
    from app.retention.purge import shred

    seance = _seance(session, world)
    item = services.add_item(session, world.coordinateur, seance, world.child.parcours[0], "orientation")
    services.set_presentation(session, world.referent, item, "Retards fréquents.")
    services.decide(session, world.coordinateur, item, "refuse", date.today(), note="Voir le centre social")
    assert session.scalars(select(Letter).where(Letter.child_id == world.child.id)).all()
    shred(session, [world.child])
    assert session.scalars(select(Letter).where(Letter.child_id == world.child.id)).all() == []
    assert session.get(AgendaItem, item.id).presentation is None  # type: ignore[union-attr]
    [decision] = session.scalars(select(EpsDecision).where(EpsDecision.parcours_id == world.child.parcours[0].id))
    assert decision.note is None and decision.outcome == "refuse"  # codes stay for the indicators


def test_letter_templates_are_per_programme_and_versioned(
    world: World,
    session: Session,
    login_as,
    tmp_path: Path,  # type: ignore[no-untyped-def]
) -> None:
    client = login_as(world.coordinateur)
    token = csrf_token(client, "/eps/textes")
    body = "Bonjour,\nLe {programme} vous écrit au sujet de {prenom} : {decision}.\nCordialement."
    data = {"csrf_token": token, "courrier_famille-kind": "courrier_famille", "courrier_famille-body": body}
    saved = client.post("/eps/textes", data=data)
    assert saved.status_code == 302
    assert "version 1" in client.get("/eps/textes").get_data(as_text=True)
    seance = _seance(session, world)
    item = services.add_item(session, world.coordinateur, seance, world.other_child.parcours[0], "orientation")
    decision = services.decide(session, world.coordinateur, item, "reoriente", date.today(), reorientation="soins")
    family = session.scalars(
        select(Letter).where(Letter.decision_id == decision.id, Letter.kind == "courrier_famille")
    ).one()
    assert family.template_version == 1
    text = _pdf_text(tmp_path, read_letter(family), "famille.pdf")
    assert "Bonjour," in text and "Lucas :" in text and "Soins (CMP, CMPP, CAMSP, libéral)" in text
    assert "CNIL" not in text  # the programme's own template replaced the default one
    # another programme still uses the default template
    assert charter.text_body(session, world.foreign_programme.id, "courrier_famille")[0] == 0
