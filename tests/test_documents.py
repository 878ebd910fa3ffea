"""Documents through their services: orientation, finalisation, clear columns, corrections,
encryption, versioning of the form set."""

from __future__ import annotations

import shutil
from datetime import date, timedelta
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from app.children.models import Child, Parcours
from app.children.services import read_identity
from app.documents import queries, services
from app.documents.models import DRAFT, FINAL, Document
from app.documents.sealing import read_sealed_pdf
from app.documents.services import DocumentError, InvalidAnswers, LockedDocument, StaleDocument
from app.formengine import EXTENSION, form_set, load_form_set
from app.formengine.loader import publish
from app.nomenclature import FORMS_DIR
from tests import documents_helpers as data
from tests.factories import World, make_parcours


def _oriented(session: Session, world: World, **overrides: object) -> Document:
    return services.start_orientation(session, world.referent, data.orientation(**overrides))


def _accepted(session: Session, world: World) -> Parcours:
    return make_parcours(
        session,
        world.child,
        date_orientation=date(2025, 10, 1),
        decision_eps="accepte",
        date_decision=date(2025, 10, 15),
        date_entree=date(2025, 10, 20),
    )


def test_orientation_creates_the_child_in_the_referents_caseload(session: Session, world: World) -> None:
    document = _oriented(session, world)
    child = document.child
    assert child.referent_id == world.referent.id
    assert read_identity(child).prenom == "Lina" and read_identity(child).responsables[0].prenom == "Sophie"
    assert document.status == DRAFT and document.form_id == "orientation" and document.form_version == 2
    assert document.parcours.decision_eps == "en_attente"
    assert document.parcours.date_orientation == date(2025, 10, 1)


def test_orientation_needs_identity_referrer_and_family_agreement(session: Session, world: World) -> None:
    with pytest.raises(InvalidAnswers) as refused:
        services.start_orientation(session, world.referent, data.orientation(nom="", famille_accord="non"))
    assert set(refused.value.errors) == {"nom", "famille_accord"}


def test_a_known_child_gets_a_new_parcours_not_a_new_record(session: Session, world: World) -> None:
    first = _oriented(session, world)
    again = _oriented(session, world, nom="ZIDANE", date_orientation="2026-01-05")
    assert again.child_id == first.child_id and again.parcours_id != first.parcours_id
    count = session.scalar(select(text("count(*)")).select_from(Child).where(Child.programme_id == world.programme.id))
    assert count == 3  # the world's two children and Lina


def test_finalising_locks_writes_clear_columns_and_seals(session: Session, world: World) -> None:
    document = _oriented(session, world)
    services.finalise(session, world.referent, document, data.orientation(niveau="6E"), document.lock_version)
    parcours = document.parcours
    assert document.status == FINAL and document.finalised_by == world.referent.id
    assert (parcours.orienteur, parcours.niveau, parcours.cycle, parcours.qpv, parcours.rep) == (
        "education_nationale",
        "6E",
        "college",
        "oui",
        "rep_plus",
    )
    assert parcours.codes_of("difficulte") == ["langage", "scolaire"]
    assert read_sealed_pdf(document).startswith(b"%PDF")
    with pytest.raises(LockedDocument):
        services.save_draft(session, world.referent, document, data.orientation(), document.lock_version)


def test_finalising_refuses_missing_required_values_and_changes_nothing(session: Session, world: World) -> None:
    document = _oriented(session, world)
    incomplete = data.orientation(niveau="", signature_parent={"image": "", "signer": "", "paper_date": ""})
    with pytest.raises(InvalidAnswers) as refused:
        services.finalise(session, world.referent, document, incomplete, document.lock_version)
    assert set(refused.value.errors) == {"niveau", "signature_parent"}


def test_suivi_writes_action_codes_and_fin_closes_the_parcours(session: Session, world: World) -> None:
    parcours = _accepted(session, world)
    suivi = data.start_suivi_v1(session, world.referent, parcours)
    services.finalise(session, world.referent, suivi, data.suivi(), suivi.lock_version)
    assert parcours.codes_of("action") == ["accompagnement_scolaire", "parentalite"]
    fin = services.start_document(session, world.referent, parcours, "fin_prise_en_charge")
    assert "date_entree" not in services.read_answers(fin)  # version 2 reads it from the parcours
    services.finalise(session, world.referent, fin, data.fin(), fin.lock_version)
    assert (parcours.date_entree, parcours.date_sortie) == (date(2025, 10, 20), date(2026, 1, 15))
    assert parcours.motif_sortie == "objectifs_atteints"
    sortie = services.start_document(session, world.referent, parcours, "sortie_evaluation")
    objectives = [row["objectif"] for row in services.read_answers(sortie)["evaluations"]]
    assert objectives == ["Retrouver le goût de la lecture", "Venir à l'école le lundi"]


def test_fin_checks_the_entry_date_against_the_parcours(session: Session, world: World) -> None:
    """A version-1 attestation (it asked the entry date) still checks it against the parcours."""
    parcours = _accepted(session, world)
    fin = services._new_document(session, world.referent, parcours, form_set().get("fin_prise_en_charge", 1), {})
    with pytest.raises(InvalidAnswers) as refused:
        services.finalise(session, world.referent, fin, data.fin(date_entree="2025-10-21"), fin.lock_version)
    assert "20/10/2025" in refused.value.errors["date_entree"][0]
    with pytest.raises(InvalidAnswers) as refused:
        services.finalise(session, world.referent, fin, data.fin(date_sortie="2025-10-01"), fin.lock_version)
    assert "date_sortie" in refused.value.errors


def test_end_documents_only_for_an_accepted_parcours(session: Session, world: World) -> None:
    pending = world.child.parcours[0]
    for form_id in ("fin_prise_en_charge", "sortie_evaluation"):
        with pytest.raises(DocumentError, match="accepté"):
            services.start_document(session, world.referent, pending, form_id)


def test_correction_is_a_new_version_and_keeps_the_finalised_one(session: Session, world: World) -> None:
    document = _oriented(session, world)
    services.finalise(session, world.referent, document, data.orientation(), document.lock_version)
    correction = services.correct(session, world.referent, document)
    assert correction.previous_id == document.id and correction.status == DRAFT
    assert services.correct(session, world.referent, document) is correction  # one open correction
    signed = services.read_answers(document)
    assert signed["signature_parent"]["signer"] == "Sophie Zidane"
    # Never a signature under content its signer has not seen: the correction starts unsigned.
    assert services.read_answers(correction) == {k: v for k, v in signed.items() if k != "signature_parent"}
    with pytest.raises(InvalidAnswers) as unsigned:
        raw = data.orientation(niveau="CM2", signature_parent={"image": "", "signer": "", "paper_date": ""})
        services.finalise(session, world.referent, correction, raw, correction.lock_version)
    assert set(unsigned.value.errors) == {"signature_parent"}
    services.finalise(session, world.referent, correction, data.orientation(niveau="CM2"), correction.lock_version)
    assert document.status == FINAL and services.read_answers(document)["niveau"] == "CE2"
    assert document.parcours.niveau == "CM2"
    lines = queries.documents_of(session, document.child)[document.parcours_id]
    assert [(line.number, line.superseded) for line in lines] == [(1, True), (2, False)]


def test_a_stale_lock_version_is_a_conflict(session: Session, world: World) -> None:
    document = _oriented(session, world)
    version = document.lock_version
    services.save_draft(session, world.referent, document, data.orientation(adresse="1"), version)
    with pytest.raises(StaleDocument):
        services.save_draft(session, world.referent, document, data.orientation(adresse="2"), version)
    assert services.read_answers(document)["adresse"] == "1"


def test_answers_are_encrypted(session: Session, world: World) -> None:
    marker = "MARQUEUR-7Q2X-faits"
    document = _oriented(session, world, faits_observes=marker, prenom="Zoé-MARQUEUR")
    session.flush()
    raw = session.execute(
        text("SELECT answers FROM document_contents WHERE document_id = :id"), {"id": document.id}
    ).scalar_one()
    assert marker.encode() not in bytes(raw) and b"MARQUEUR" not in bytes(raw)
    assert services.read_answers(document)["faits_observes"] == marker


def test_a_new_version_of_a_form_leaves_old_documents_intact(
    app: Flask, session: Session, world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    parcours = _accepted(session, world)
    old = data.start_suivi_v1(session, world.referent, parcours)
    services.save_draft(session, world.referent, old, data.suivi(), old.lock_version)

    forms = Path(shutil.copytree(FORMS_DIR, tmp_path / "forms"))
    v3 = (forms / "suivi" / "v1.yaml").read_text(encoding="utf-8").replace("version: 1", "version: 3")
    v3 = v3.replace(
        "      - {id: date_contrat,",
        "      - {id: lieu_contrat, type: text, label: Lieu du contrat}\n      - {id: date_contrat,",
    )
    (forms / "suivi" / "v3.yaml").write_text(v3, encoding="utf-8")
    publish(forms)
    monkeypatch.setitem(app.extensions, EXTENSION, load_form_set(forms))

    assert services.definition_of(old).version == 1
    assert services.definition_of(old).field("lieu_contrat") is None
    assert old.form_hash == load_form_set(FORMS_DIR).get("suivi", 1).sha256
    other = _accepted(session, world)
    new = services.start_document(session, world.referent, other, "suivi")
    assert (new.form_version, new.form_hash) == (3, load_form_set(forms).get("suivi", 3).sha256)
    services.finalise(session, world.referent, old, data.suivi(), old.lock_version)
    assert old.form_version == 1 and services.read_answers(old)["objectifs"][0]["objectif"]


def test_observed_facts_for_the_eps(session: Session, world: World) -> None:
    document = _oriented(session, world)
    assert queries.observed_facts(session, document.parcours) == "Absences répétées le lundi."


def test_demo_children_reach_every_step_with_sealed_documents(session: Session, world: World) -> None:
    from app.documents.demo import create_documented_children

    create_documented_children(session, world.referent, world.coordinateur)
    documents = session.scalars(select(Document).where(Document.programme_id == world.programme.id)).all()
    finalised = {d.form_id for d in documents if d.status == FINAL and d.finalised_at.year == date.today().year}
    assert finalised == {"orientation", "contrat", "avenant", "suivi", "fin_prise_en_charge", "sortie_evaluation"}
    (avenant,) = [d for d in documents if d.form_id == "avenant"]
    contract = session.get(Document, avenant.amends_id)
    assert contract is not None and contract.form_id == "contrat" and contract.parcours_id == avenant.parcours_id
    # The entry date is the day the family signed the contract (on paper), 20 days after the orientation.
    assert avenant.parcours.date_entree == avenant.parcours.date_orientation + timedelta(days=20)
    assert all(read_sealed_pdf(d).startswith(b"%PDF") for d in documents if d.status == FINAL)
    assert any(d.status == DRAFT and d.form_id == "orientation" for d in documents)
    steps = {(p.decision_eps, p.date_sortie is not None) for d in documents for p in [d.parcours]}
    assert steps == {("en_attente", False), ("accepte", False), ("accepte", True)}
