"""The référent's day in a real browser: one child's whole parcours, by the demo users.

Orientation typed by the référent with the keyboard alone; EPS decision by the coordinator;
contract signed on the screen (pointer events) and on paper; a review; end of support; exit
evaluation; signed PDFs downloaded. Each document page is also checked like every main page.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest

from tests.e2e.audit import check_page
from tests.e2e.conftest import COORDINATION, EPS, REFERENT
from tests.e2e.documents import check_pdf, draw_signature, finalise, start_document, wait_saved
from tests.e2e.keyboard import choose_radio, press_button, select_option, tick, type_date, type_into

pytestmark = pytest.mark.e2e

TODAY = date.today()
ORIENTED = TODAY - timedelta(days=40)
DECIDED = TODAY - timedelta(days=30)
NOM, PRENOM = "Rakotobe", "Vanille"
PARENT = "Mariama Rakotobe"


def _audit(page: Any, name: str, axe_source: str, problems: list[str]) -> None:
    page.goto(page.url)  # a plain GET, so that the timing is the page's own (not the POST before it)
    problems.extend(check_page(page, name, axe_source).problems())


def enter_orientation_with_the_keyboard(page: Any, keys: Callable[[date], str]) -> None:
    """Every control reached with Tab, typed, chosen with arrows and Space, saved with Enter."""
    press_button(page, "Saisir une fiche d'orientation")
    page.wait_for_url("**/enfants/nouvelle-orientation")
    type_into(page, "#nom", NOM)
    type_into(page, "#prenom", PRENOM)
    type_date(page, "#date_naissance", keys(date(TODAY.year - 9, 3, 14)))
    choose_radio(page, "sexe", "F")
    type_into(page, "#adresse", "4 rue des Baobabs, 97600 Mamoudzou")
    choose_radio(page, "qpv", "oui")
    type_into(page, "#ref_famille", "FAM-E2E")
    type_into(page, "#responsables-0-nom", "Rakotobe")
    type_into(page, "#responsables-0-prenom", "Mariama")
    type_into(page, "#responsables-0-lien", "mère")
    type_into(page, "#responsables-0-telephone", "06 39 00 11 22")
    choose_radio(page, "responsables-0-autorite_parentale", "oui")
    select_option(page, "niveau", "CE2")  # the school and REP are asked only of a child at school
    type_into(page, "#etablissement", "École du Stade")
    choose_radio(page, "rep", "rep_plus")
    select_option(page, "orienteur", "education_nationale")
    type_into(page, "#structure", "École du Stade")
    type_into(page, "#personne", "Mme Hamada")
    type_into(page, "#fonction", "Directrice")
    type_date(page, "#date_orientation", keys(ORIENTED))
    tick(page, "difficultes", "scolaire")
    tick(page, "difficultes", "langage")
    type_into(page, "#faits_observes", "Absente un jour sur trois depuis la rentrée.")
    page.keyboard.press("Enter")
    page.keyboard.type("Ne lit pas encore seule les consignes.")
    choose_radio(page, "mesures_existantes", "non")
    choose_radio(page, "famille_accord", "oui")
    type_date(page, "#date_accord", keys(ORIENTED))
    type_into(page, "#signature_parent-signer", PARENT)
    type_date(page, "#signature_parent-paper_date", keys(ORIENTED))
    with page.expect_navigation():
        press_button(page, "Enregistrer l'orientation")
    assert "Orientation enregistrée en brouillon" in page.inner_text(".flashes")
    assert page.input_value("#faits_observes").splitlines() == [
        "Absente un jour sur trois depuis la rentrée.",
        "Ne lit pas encore seule les consignes.",
    ]
    assert page.input_value("#date_naissance") == date(TODAY.year - 9, 3, 14).isoformat()


def decide_at_the_eps(page: Any, pseudonym: str) -> None:
    """The coordinator programmes a séance, puts the situation on its agenda and records the admission."""
    page.goto("/eps/seances")
    page.fill("#day", TODAY.isoformat())
    page.fill("#hour", "10:00")
    page.fill("#lieu", "Mairie")
    with page.expect_navigation():
        page.get_by_role("button", name="Programmer la séance").click()
    page.locator('input[name="members"]').first.check()
    with page.expect_navigation():
        page.get_by_role("button", name="Enregistrer les participants").click()
    option = page.locator('select[name="situation"] option', has_text=pseudonym).get_attribute("value")
    page.select_option('select[name="situation"]', option)
    with page.expect_navigation():
        page.get_by_role("button", name="Inscrire à l'ordre du jour").click()
    item = page.locator("article.eps-item").filter(has=page.get_by_role("heading", name=re.compile(pseudonym)))
    assert item.count() == 1, f"{pseudonym} is on the agenda"
    assert NOM not in item.inner_text() and PRENOM not in item.inner_text()
    item.get_by_label("Décision", exact=True).select_option("accepte")
    item.get_by_label("Date de la décision", exact=True).fill(DECIDED.isoformat())
    item.get_by_label("Référent·e", exact=True).select_option(label="Inès Moreau")
    item.get_by_label("Date d'entrée", exact=True).fill(DECIDED.isoformat())
    with page.expect_navigation():
        item.get_by_role("button", name=re.compile("Enregistrer la décision")).click()
    assert f"Décision enregistrée pour {pseudonym}" in page.inner_text(".flashes")


def fill_journal_entry(page: Any) -> None:
    page.fill("#date", (TODAY - timedelta(days=3)).isoformat())
    page.check('input[name="type"][value="entretien"]')
    page.fill("#participants", "La mère, l'enfant")
    page.fill("#lieu", "Bureau du PRE")
    page.fill("#faits", "Présente tous les jours depuis trois semaines.")
    page.fill("#appreciation", "La famille est rassurée ; l'enfant prend confiance.")
    page.fill("#ajustement", "Poursuivre l'aide aux devoirs jusqu'en juin.")
    wait_saved(page)


def fill_fin(page: Any) -> None:
    # The attestation takes the entry date from the parcours; the next step is on the exit sheet.
    assert page.locator("#date_entree").count() == 0 and page.locator("#suite").count() == 0
    page.fill("#date_sortie", TODAY.isoformat())
    page.select_option("#motif_sortie", "objectifs_atteints")
    draw_signature(page, "signature_coordination")
    page.fill("#signature_coordination-signer", "Claire Dupuis")
    page.fill("#signature_parent-signer", PARENT)
    page.fill("#signature_parent-paper_date", TODAY.isoformat())


def fill_sortie(page: Any) -> None:
    page.fill("#evaluations-0-objectif", "Lire seule les consignes en classe")
    page.locator('[data-group="evaluations"]').get_by_role("button", name="Ajouter une ligne").click()
    page.fill("#evaluations-1-objectif", "Venir à l'école chaque jour")
    for row, progress in enumerate(["en_partie", "atteint"]):
        page.check(f'input[name="evaluations-{row}-progression"][value="{progress}"]')
        page.fill(f"#evaluations-{row}-avis_famille", "Contente des progrès.")
        page.fill(f"#evaluations-{row}-avis_professionnels", "Progrès nets en classe.")
    page.check('input[name="orientation_suite"][value="droit_commun"]')
    page.fill("#commentaire", "Parcours mené à son terme avec la famille.")


def test_the_whole_parcours_of_one_child(
    as_user: Callable[..., Any], date_keys: Callable[[date], str], axe_source: str
) -> None:
    problems: list[str] = []
    referent = as_user(REFERENT)
    enter_orientation_with_the_keyboard(referent, date_keys)
    _audit(referent, "fiche d'orientation (brouillon)", axe_source, problems)
    pseudonym = referent.inner_text("h1 .pseudonym")
    child_url = referent.get_by_role("link", name="Retour au dossier de l'enfant").get_attribute("href")
    with referent.expect_navigation():
        press_button(referent, "Finaliser le document")
    assert "Document finalisé" in referent.inner_text(".flashes")

    eps = as_user(EPS)  # sees only the séances they are invited to (tests/e2e/test_seance.py)
    assert NOM not in eps.inner_text("main") and pseudonym not in eps.inner_text("main")

    coordinator = as_user(COORDINATION)
    coordinator.goto("/eps")
    _audit(coordinator, "situations pour l'EPS (avant décision)", axe_source, problems)
    decide_at_the_eps(coordinator, pseudonym)

    referent.goto(child_url)
    assert "Admission" in referent.inner_text(".parcours-card")
    with referent.expect_navigation():
        referent.get_by_role("button", name="Nouvelle entrée").click()
    fill_journal_entry(referent)
    _audit(referent, "entrée du journal (brouillon)", axe_source, problems)
    finalise(referent)
    facts = referent.inner_text("main")
    assert "Poursuivre l'aide aux devoirs jusqu'en juin." in facts
    _audit(referent, "document finalisé", axe_source, problems)
    check_pdf(referent)
    referent.goto(child_url)
    journal = referent.inner_text(".journal-list")
    assert f"{(TODAY - timedelta(days=3)).strftime('%d/%m/%Y')} · Entretien" in journal

    coordinator.goto(child_url)
    start_document(coordinator, "Attestation de fin de prise en charge")
    fill_fin(coordinator)
    _audit(coordinator, "fin de prise en charge (brouillon)", axe_source, problems)
    finalise(coordinator)
    check_pdf(coordinator)

    referent.goto(child_url)
    assert TODAY.strftime("%d/%m/%Y") in referent.inner_text(".parcours-card")
    start_document(referent, "Fiche de sortie et d'évaluation")
    fill_sortie(referent)
    _audit(referent, "sortie et évaluation (brouillon)", axe_source, problems)
    finalise(referent)
    check_pdf(referent)

    referent.goto(child_url)
    _audit(referent, "dossier enfant (parcours complet)", axe_source, problems)
    statuses = referent.locator(".parcours-card tbody tr").all_inner_texts()
    # Orientation, attestation, evaluation (the journal entry is listed in the journal).
    assert len(statuses) == 3 and all("Finalisé" in line for line in statuses), statuses
    assert problems == []
