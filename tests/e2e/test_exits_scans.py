"""Issue 13 in a real browser: an exit closed without the family, the waiting list and a transfer
with a note, a scan uploaded and downloaded as an attachment."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest

from tests.e2e.conftest import COORDINATION, REFERENT, REFERENT2

pytestmark = pytest.mark.e2e
TODAY = date.today()


def _open_child(page: Any, nom: str) -> str:
    page.goto("/enfants/")
    with page.expect_navigation():
        page.get_by_role("link", name=nom, exact=True).click()
    return str(page.url)


def test_the_coordinator_closes_a_parcours_without_the_family(as_user: Callable[..., Any]) -> None:
    page = as_user(COORDINATION)
    _open_child(page, "Faïd")
    with page.expect_navigation():
        page.get_by_role(
            "link", name="Clore sans signature de la famille (perte de contact, déménagement, refus)"
        ).click()
    page.select_option("#motif", "demenagement")
    page.fill("#date_sortie", (TODAY + timedelta(days=3)).isoformat())
    page.fill("#attempts-0-day", (TODAY - timedelta(days=20)).isoformat())
    page.select_option("#attempts-0-means", "telephone")
    page.fill("#attempts-0-detail", "numéro non attribué")
    page.fill("#note", "La famille a déménagé à La Réunion selon l'école.")
    with page.expect_navigation():
        page.get_by_role("button", name="Clore le parcours").click()
    assert "ne peut pas être dans le futur" in page.inner_text(".flashes")
    page.fill("#date_sortie", (TODAY - timedelta(days=5)).isoformat())
    with page.expect_navigation():
        page.get_by_role("button", name="Clore le parcours").click()
    assert "Parcours clos." in page.inner_text(".flashes")
    assert "Déménagement" in page.inner_text("main")
    link = page.get_by_role("link", name="Relevé de clôture sans signature", exact=False)
    with page.expect_download() as download:
        link.click()
    assert download.value.suggested_filename.startswith("cloture-")
    response = page.context.request.get(link.get_attribute("href"))
    assert response.headers["content-disposition"].startswith("attachment;") and response.body().startswith(b"%PDF")


def test_waiting_list_assignment_then_transfer_with_a_note(as_user: Callable[..., Any]) -> None:
    page = as_user(COORDINATION)
    page.goto("/liste-attente")
    row = page.locator("#liste-attente tr", has_text="Sitti Hamada")
    assert "18 jours" in row.inner_text()
    row.locator("select").select_option(label="Karim Abdallah")
    row.locator("input[name=note]").fill("Première rencontre prévue à l'école")
    with page.expect_navigation():
        row.get_by_role("button", name="Attribuer").click()
    assert "Référent·e enregistré·e : Karim Abdallah." in page.inner_text(".flashes")
    child_url = page.url
    page.select_option("#referent_id", label="Inès Moreau")
    page.fill("#referent-note", "Karim part en congé : la famille attend un appel mardi.")
    with page.expect_navigation():
        page.get_by_role("button", name="Enregistrer le ou la référent·e").click()
    assert "Enfant transféré·e à Inès Moreau." in page.inner_text(".flashes")
    page.goto("/liste-attente")
    assert "Sitti Hamada" not in page.inner_text("main")

    new = as_user(REFERENT)
    new.goto(child_url)
    assert "la famille attend un appel mardi" in new.inner_text("#note-transfert")
    assert "Karim Abdallah" in new.inner_text("#note-transfert")
    old = as_user(REFERENT2)
    assert old.goto(child_url).status == 404  # the former référent lost access


def test_a_referent_uploads_a_scan_and_downloads_it_as_an_attachment(as_user: Callable[..., Any]) -> None:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (120, 80), "white").save(buffer, "PNG")
    page = as_user(REFERENT)
    _open_child(page, "Mroudjae")
    assert "Bilan d'un partenaire" in page.inner_text("main")
    page.select_option("#scan-category", "courrier")
    page.set_input_files("#scan-file", {"name": "courrier.txt", "mimeType": "text/plain", "buffer": b"pas un scan"})
    with page.expect_navigation():
        page.get_by_role("button", name="Ajouter la pièce").click()
    assert "ni un PDF, ni une image JPEG ou PNG" in page.inner_text(".flashes")
    page.select_option("#scan-category", "courrier")
    page.set_input_files(
        "#scan-file", {"name": "courrier-mairie.png", "mimeType": "image/png", "buffer": buffer.getvalue()}
    )
    with page.expect_navigation():
        page.get_by_role("button", name="Ajouter la pièce").click()
    assert "Pièce ajoutée au dossier." in page.inner_text(".flashes")
    link = page.get_by_role("link", name="courrier-mairie.png")
    with page.expect_download() as download:
        link.click()
    assert download.value.suggested_filename.endswith(".png")
    assert "courrier-mairie" not in download.value.suggested_filename
    response = page.context.request.get(link.get_attribute("href"))
    assert response.headers["content-disposition"].startswith("attachment;")
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.body() == buffer.getvalue()
