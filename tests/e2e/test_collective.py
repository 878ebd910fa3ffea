"""A collective action in a real browser, keyboard only: a référent creates it, adds a session,
records attendance and prints the filled attendance sheet; the coordinator enters the programme's
data and reads the new sections of the dashboard and of the annual report."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.audit import check_page
from tests.e2e.conftest import COORDINATION, REFERENT
from tests.e2e.keyboard import press_button, select_option, tick, type_date, type_into

pytestmark = pytest.mark.e2e


def _pdf_text(page: Any, href: str, path: Path) -> str:
    response = page.request.get(href)
    assert response.ok and response.body().startswith(b"%PDF")
    path.write_bytes(response.body())
    text = subprocess.run(["pdftotext", str(path), "-"], check=True, capture_output=True, text=True).stdout
    return " ".join(text.split())


def test_an_action_its_session_attendance_and_the_report_sections(
    as_user: Callable[..., Any], date_keys: Callable[[date], str], axe_source: str, tmp_path: Path
) -> None:
    problems: list[str] = []
    referent = as_user(REFERENT)
    referent.goto("/actions-collectives")
    problems += check_page(referent, "actions collectives", axe_source).problems()
    type_into(referent, "#title", "Sortie au musée")
    select_option(referent, "action_code", "culture_loisirs_sport")
    select_option(referent, "public", "enfants")
    type_date(referent, "#starts_on", date_keys(date.today()))
    with referent.expect_navigation():
        press_button(referent, "Créer l'action")
    assert "Action créée" in referent.inner_text(".flashes")
    type_date(referent, "#held_on", date_keys(date.today()))
    type_into(referent, "#place", "Musée de Mamoudzou")
    with referent.expect_navigation():
        press_button(referent, "Ajouter la séance")
    assert "Séance ajoutée" in referent.inner_text(".flashes")
    problems += check_page(referent, "action collective", axe_source).problems()
    with referent.expect_navigation():
        press_button(referent, date.today().strftime("%d/%m/%Y"))
    child = referent.eval_on_selector('input[name="children"]', "e => e.value")
    name = referent.inner_text(f'label[for="{referent.eval_on_selector(f"input[value={child!r}]", "e => e.id")}"]')
    tick(referent, "children", child)
    type_into(referent, "#parents", "4")
    with referent.expect_navigation():
        press_button(referent, "Enregistrer les présences")
    assert "Présences enregistrées" in referent.inner_text(".flashes")
    problems += check_page(referent, "séance d'action collective", axe_source).problems()
    filled = referent.get_by_role("link", name="Feuille d'émargement remplie (PDF)").get_attribute("href")
    sheet = _pdf_text(referent, filled, tmp_path / "emargement.pdf")
    assert "Sortie au musée" in sheet and name.strip() in sheet

    coordinator = as_user(COORDINATION)
    coordinator.goto("/donnees-programme")
    problems += check_page(coordinator, "données du programme", axe_source).problems()
    with coordinator.expect_navigation():
        press_button(coordinator, "Enregistrer les données")
    assert "enregistrées" in coordinator.inner_text(".flashes")
    coordinator.goto("/indicateurs")
    main = coordinator.inner_text("main")
    for heading in ("Activité de l'EPS", "Actions collectives", "Résultats des parcours", "Données du programme"):
        assert heading in main
    assert "Aucune évaluation de sortie sur la période." in main or "Objectifs atteints" in main
    year = date.today().year
    report = _pdf_text(coordinator, f"/indicateurs/{year}.pdf", tmp_path / "bilan.pdf")
    assert "Actions, séances et participants" in report and "Séances et situations examinées" in report
    assert "Personnel (équivalents temps plein)" in report
    assert problems == []
