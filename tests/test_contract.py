"""Form set version 3: contract and avenants, signatures on corrections, the attestation, the exit
evaluation's codes and the `evaluation` indicators; documents of version 1 keep working."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from app.children.models import Parcours
from app.documents import services
from app.documents.models import Document
from app.documents.sealing import read_sealed_pdf
from app.documents.services import DocumentError, InvalidAnswers
from app.formengine import form_set
from app.indicators.compute import compute
from app.users.models import User
from tests import documents_helpers as data
from tests.factories import World, make_parcours

UNSIGNED = {"image": "", "signer": "", "paper_date": ""}


def _admitted(session: Session, world: World) -> Parcours:
    """Admitted by the EPS on 15 October 2025, no entry date yet (the contract gives it)."""
    return make_parcours(
        session,
        world.child,
        date_orientation=date(2025, 10, 1),
        decision_eps="accepte",
        date_decision=date(2025, 10, 15),
    )


def _finalise(session: Session, actor: User, document: Document, raw: dict[str, Any]) -> Document:
    return services.finalise(session, actor, document, raw, document.lock_version)


def _signed_contract(session: Session, world: World, parcours: Parcours, **overrides: Any) -> Document:
    contract = services.start_document(session, world.referent, parcours, "contrat")
    return _finalise(session, world.referent, contract, data.contrat(**overrides))


def pdf_text(pdf: bytes, tmp_path: Path) -> str:
    path = tmp_path / "doc.pdf"
    path.write_bytes(pdf)
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True, text=True).stdout


def test_the_entry_date_is_the_last_required_signature_of_the_contract(session: Session, world: World) -> None:
    parcours = _admitted(session, world)
    assert parcours.date_entree is None
    _signed_contract(session, world, parcours)
    # Référent 20/10, parent 21/10, coordinator 22/10 (the child's optional signature is absent).
    assert parcours.date_entree == date(2025, 10, 22)
    assert (parcours.date_fin_prevue, parcours.date_revision_prevue) == (date(2026, 10, 21), date(2026, 4, 22))
    assert compute(session, world.programme.id, 2025)["parcours"]["entres"] == 1


def test_a_contract_needs_every_required_signature_and_named_paper_signers(session: Session, world: World) -> None:
    parcours = _admitted(session, world)
    contract = services.start_document(session, world.referent, parcours, "contrat")
    unnamed = {"image": "", "signer": "", "paper_date": "2025-10-21"}
    with pytest.raises(InvalidAnswers) as refused:
        _finalise(
            session, world.referent, contract, data.contrat(signature_coordination=UNSIGNED, signature_parent=unnamed)
        )
    assert set(refused.value.errors) == {"signature_coordination", "signature_parent"}
    with pytest.raises(InvalidAnswers) as refused:
        _finalise(session, world.referent, contract, data.contrat(date_fin_prevue="2025-10-01"))
    assert "22/10/2025" in refused.value.errors["date_fin_prevue"][0]
    assert parcours.date_entree is None


def test_a_contract_signed_before_the_orientation_is_refused(session: Session, world: World) -> None:
    parcours = _admitted(session, world)
    contract = services.start_document(session, world.referent, parcours, "contrat")
    early = {"image": "", "signer": "Sophie Zidane", "paper_date": "2025-09-01"}
    raw = data.contrat(
        signature_parent=early, signature_referent=early, signature_coordination=early, date_debut="2025-09-01"
    )
    with pytest.raises(InvalidAnswers, match="avant l'orientation"):
        _finalise(session, world.referent, contract, raw)


def test_a_correction_is_unsigned_until_signed_again_and_the_pdf_names_each_version(
    session: Session, world: World, tmp_path: Path
) -> None:
    parcours = _admitted(session, world)
    contract = _signed_contract(session, world, parcours)
    first = pdf_text(read_sealed_pdf(contract), tmp_path)
    assert "signature de la version 1 de ce document" in first
    assert "Contrat d'accompagnement (formulaire version 1)" in first and "contrat v1" not in first
    correction = services.correct(session, world.referent, contract)
    answers = services.read_answers(correction)
    assert not [key for key in answers if key.startswith("signature_")]  # nothing carried over
    assert answers["objectifs"] == services.read_answers(contract)["objectifs"]
    unsigned = data.contrat(signature_parent=UNSIGNED, signature_referent=UNSIGNED, signature_coordination=UNSIGNED)
    with pytest.raises(InvalidAnswers) as refused:
        _finalise(session, world.referent, correction, unsigned)
    assert set(refused.value.errors) == {"signature_parent", "signature_referent", "signature_coordination"}
    resigned = {"image": "", "signer": "Sophie Zidane", "paper_date": "2025-11-03"}
    _finalise(
        session, world.referent, correction, data.contrat(engagement_pre="Aide aux devoirs.", signature_parent=resigned)
    )
    text = pdf_text(read_sealed_pdf(correction), tmp_path)
    assert "Version 2 de ce document (correction de la version 1)" in text
    assert "signature de la version 2 de ce document" in text and "version 1 de ce document ·" not in text
    assert "Signé sur papier par Sophie Zidane le 03/11/2025" in text
    assert parcours.date_entree == date(2025, 10, 22)  # a correction does not move the entry date


def test_an_avenant_amends_the_signed_contract_with_its_own_signatures(session: Session, world: World) -> None:
    parcours = _admitted(session, world)
    with pytest.raises(DocumentError, match="contrat signé"):
        services.start_document(session, world.referent, parcours, "avenant")
    contract = _signed_contract(session, world, parcours)
    avenant = services.start_document(session, world.referent, parcours, "avenant")
    assert avenant.amends_id == contract.id and services.read_answers(avenant) == {}
    with pytest.raises(InvalidAnswers) as refused:
        _finalise(session, world.referent, avenant, data.avenant(signature_parent=UNSIGNED))
    assert set(refused.value.errors) == {"signature_parent"}
    _finalise(session, world.referent, avenant, data.avenant())
    assert parcours.date_fin_prevue == date(2027, 1, 31) and parcours.date_revision_prevue == date(2026, 4, 22)
    assert parcours.date_entree == date(2025, 10, 22)
    second = services.start_document(session, world.referent, parcours, "avenant")
    assert second.id != avenant.id and second.amends_id == contract.id
    # The exit evaluation lists the contract's objectives, then the avenant's.
    sortie = services.start_document(session, world.referent, parcours, "sortie_evaluation")
    objectives = [row["objectif"] for row in services.read_answers(sortie)["evaluations"]]
    assert objectives == ["Retrouver le goût de la lecture", "Venir à l'école le lundi", "Parler en classe"]


def test_admitted_without_a_signed_contract_shows_contrat_a_signer(
    session: Session, world: World, login_as: Callable[[User], FlaskClient]
) -> None:
    parcours = _admitted(session, world)
    session.commit()
    client = login_as(world.referent)
    child_page = f"/enfants/{world.child.public_id}"
    assert "admis·e, contrat à signer" in client.get(child_page).get_data(as_text=True)
    assert "Admis·e, contrat à signer depuis le 15/10/2025" in client.get("/enfants/").get_data(as_text=True)
    _signed_contract(session, world, parcours)
    session.commit()
    assert "contrat à signer" not in client.get(child_page).get_data(as_text=True)
    assert "Accompagné·e depuis le 22/10/2025" in client.get("/enfants/").get_data(as_text=True)


def test_the_attestation_reads_as_one_with_the_parcours_entry_date(
    session: Session, world: World, tmp_path: Path
) -> None:
    parcours = _admitted(session, world)
    _signed_contract(session, world, parcours)
    fin = services.start_document(session, world.referent, parcours, "fin_prise_en_charge")
    assert fin.form_version == 2 and services.read_answers(fin) == {}
    _finalise(session, world.coordinateur, fin, data.fin())
    assert (parcours.date_entree, parcours.date_sortie, parcours.motif_sortie) == (
        date(2025, 10, 22),
        date(2026, 1, 15),
        "objectifs_atteints",
    )
    text = " ".join(pdf_text(read_sealed_pdf(fin), tmp_path).split())
    assert "atteste que Fatima Ahamada a été accompagné·e par le programme du 22/10/2025 au 15/01/2026" in text
    assert "fin_prise_en_charge" not in text


def test_version_1_documents_still_render_and_count(session: Session, world: World, tmp_path: Path) -> None:
    parcours = _admitted(session, world)
    parcours.date_entree = date(2025, 10, 20)
    old = form_set().get("fin_prise_en_charge", 1)
    fin = services._new_document(session, world.coordinateur, parcours, old, {})
    _finalise(session, world.coordinateur, fin, data.fin())
    assert fin.form_version == 1 and parcours.date_sortie == date(2026, 1, 15)
    text = pdf_text(read_sealed_pdf(fin), tmp_path)
    assert "Accueil au centre social le mercredi." in text and "20/10/2025" in text
    sortie = services._new_document(session, world.referent, parcours, form_set().get("sortie_evaluation", 1), {})
    _finalise(
        session, world.referent, sortie, data.sortie(evaluations=[{"objectif": "Lecture", "progression": "nette"}])
    )
    assert "Progression nette" in pdf_text(read_sealed_pdf(sortie), tmp_path)
    result = compute(session, world.programme.id, 2026)
    assert result["parcours"]["sortis"] == 1 and result["sorties"]["par_motif"]["objectifs_atteints"] == 1
    # A version-1 evaluation has no coded progression: it is not counted by level.
    assert sum(result["evaluation"]["progression"].values()) == 0


def test_evaluation_progression_counts_objectives_of_the_latest_version(session: Session, world: World) -> None:
    parcours = _admitted(session, world)
    _signed_contract(session, world, parcours)
    sortie = services.start_document(session, world.referent, parcours, "sortie_evaluation")
    rows = [
        {"objectif": "Lecture", "progression": "atteint"},
        {"objectif": "Lundi", "progression": "en_partie"},
        {"objectif": "Parler", "progression": "atteint"},
    ]
    _finalise(session, world.referent, sortie, data.sortie(evaluations=rows, orientation_suite="soins_specialises"))
    year = sortie.finalised_at.year if sortie.finalised_at else 0
    block = compute(session, world.programme.id, year)["evaluation"]
    assert block == {
        "progression": {"non_atteint": 0, "en_partie": 1, "atteint": 2, "depasse": 0},
        "suite": {
            "droit_commun": 0,
            "soins_specialises": 1,
            "protection_enfance": 0,
            "autre_dispositif": 0,
            "aucune": 0,
        },
    }
    correction = services.correct(session, world.referent, sortie)
    _finalise(
        session,
        world.referent,
        correction,
        data.sortie(evaluations=[*rows[:1], {"objectif": "x", "progression": "depasse"}]),
    )
    block = compute(session, world.programme.id, year)["evaluation"]
    assert block["progression"] == {"non_atteint": 0, "en_partie": 0, "atteint": 1, "depasse": 1}
    assert block["suite"]["droit_commun"] == 1 and sum(block["suite"].values()) == 1
    assert compute(session, world.programme.id, year - 1)["evaluation"]["progression"]["atteint"] == 0


def test_a_child_out_of_school_is_not_asked_for_rep(session: Session, world: World) -> None:
    raw = data.orientation(niveau="NON_SCOLARISE", rep="", etablissement="")
    document = services.start_orientation(session, world.referent, raw)
    _finalise(session, world.referent, document, raw)
    assert (document.parcours.cycle, document.parcours.rep) == ("non_scolarise", "sans_objet")
    in_school = services.start_orientation(session, world.referent, data.orientation(nom="Autre", niveau="TPS", rep=""))
    with pytest.raises(InvalidAnswers) as refused:
        _finalise(session, world.referent, in_school, data.orientation(nom="Autre", niveau="TPS", rep=""))
    assert set(refused.value.errors) == {"rep"}
