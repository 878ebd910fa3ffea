"""Contract and avenant in a real browser, on the demo child who has both (Naïma Bacar).

A correction of the signed contract opens unsigned; every party signs again on the screen (pointer
events) or on paper; the PDF says which version of the document each signature belongs to. A new
avenant is then signed by all parties.
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import REFERENT
from tests.e2e.documents import check_pdf, draw_signature, finalise, start_document, wait_saved

pytestmark = pytest.mark.e2e

CONTRACT = "Contrat d'accompagnement"
AVENANT = "Avenant au contrat d'accompagnement"
PARENT = "Zaharia Bacar"


def _pdf_text(pdf: bytes, tmp_path: Path) -> str:
    path = tmp_path / "document.pdf"
    path.write_bytes(pdf)
    out = subprocess.run(["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True, text=True)
    return " ".join(out.stdout.split())


def _open_naima(page: Any) -> str:
    page.goto("/enfants/")
    with page.expect_navigation():
        page.get_by_role("link", name="Bacar").first.click()
    assert "Naïma" in page.inner_text("main")
    return str(page.url)


def _sign_all(page: Any) -> None:
    """The parent and the coordinator sign on the screen, the référent on paper.

    The last value typed is a date, whose change is sent at once (a text field's change event waits
    for the field to lose focus)."""
    draw_signature(page, "signature_parent")
    page.fill("#signature_parent-signer", PARENT)
    draw_signature(page, "signature_coordination")
    page.fill("#signature_coordination-signer", "Claire Dupuis")
    page.fill("#signature_referent-signer", "Inès Moreau")
    page.fill("#signature_referent-paper_date", date.today().isoformat())


def test_a_corrected_contract_is_signed_again_and_an_avenant_gets_its_own_signatures(
    as_user: Callable[..., Any], tmp_path: Path
) -> None:
    referent = as_user(REFERENT)
    child_url = _open_naima(referent)
    with referent.expect_navigation():
        referent.locator(".parcours-card").get_by_role("link", name=CONTRACT).first.click()
    with referent.expect_navigation():
        referent.get_by_role("button", name="Corriger (nouvelle version)").click()
    assert "Version 2 du document" in referent.inner_text(".document-meta")
    # Nothing signed carried over: every signature of the correction is empty.
    for field in ("signature_parent", "signature_enfant", "signature_referent", "signature_coordination"):
        assert referent.input_value(f'input[name="{field}-image"]') == "", field
        assert referent.input_value(f"#{field}-signer") == "", field
    referent.fill("#engagement_pre", "Trouver une place au CLAS ; accompagner la famille à la médiathèque.")
    _sign_all(referent)
    wait_saved(referent)
    finalise(referent)
    text = _pdf_text(check_pdf(referent), tmp_path)
    assert "Version 2 de ce document (correction de la version 1)" in text
    assert text.count("signature de la version 2 de ce document") == 3
    assert "accompagner la famille à la médiathèque" in text

    referent.goto(child_url)
    start_document(referent, AVENANT)
    referent.fill("#changements", "Ajout d'un temps de lecture à la maison avec la médiathèque.")
    if referent.locator("#objectifs-0-objectif").count() == 0:
        referent.locator('[data-group="objectifs"]').get_by_role("button", name="Ajouter une ligne").click()
    referent.fill("#objectifs-0-objectif", "Emprunter un livre chaque semaine")
    referent.fill("#date_fin_prevue", (date.today() + timedelta(days=300)).isoformat())
    _sign_all(referent)
    wait_saved(referent)
    finalise(referent)
    facts = referent.inner_text("main")
    assert f"Signé par {PARENT} le" in facts and "Signé par Claire Dupuis le" in facts
    text = _pdf_text(check_pdf(referent), tmp_path)
    assert AVENANT in text and "Emprunter un livre chaque semaine" in text
    assert text.count("signature de la version 1 de ce document") == 3

    referent.goto(child_url)
    assert "contrat à signer" not in referent.inner_text(".parcours-card")
    assert referent.locator(".parcours-card").get_by_role("link", name=AVENANT).count() == 2
