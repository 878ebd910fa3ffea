"""A whole EPS séance in a real browser, keyboard only: programme it, invite, build and order the
agenda, the EPS member reads it without names, decide, record attendance, close, sealed relevé."""

from __future__ import annotations

import re
import subprocess
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.audit import check_page
from tests.e2e.conftest import COORDINATION, EPS
from tests.e2e.keyboard import press_button, select_option, tick, type_date, type_into
from tests.e2e.test_access import USER_NAMES, demo_names

pytestmark = pytest.mark.e2e


def _audit(page: Any, name: str, axe_source: str, problems: list[str]) -> None:
    page.goto(page.url)
    problems.extend(check_page(page, name, axe_source).problems())


def _type_time(page: Any, selector: str, hours: str, minutes: str) -> None:
    """Chromium's time input: 24-hour clocks take HHMM; 12-hour ones also want the AM/PM segment."""
    type_into(page, selector, hours + minutes)
    if not page.input_value(selector):
        page.keyboard.type("A")
    assert page.input_value(selector) == f"{hours}:{minutes}"


def _situations(page: Any) -> list[str]:
    return [re.sub(r"^\d+\. ", "", t) for t in page.locator("article.eps-item h3").all_inner_texts()]


def test_a_whole_seance_from_preparation_to_the_sealed_releve(
    as_user: Callable[..., Any], date_keys: Callable[[date], str], axe_source: str, tmp_path: Path
) -> None:
    problems: list[str] = []
    coordinator = as_user(COORDINATION)
    coordinator.goto("/eps/seances")
    _audit(coordinator, "séances EPS (liste)", axe_source, problems)
    type_date(coordinator, "#day", date_keys(date.today()))
    _type_time(coordinator, "#hour", "09", "30")
    type_into(coordinator, "#lieu", "Salle polyvalente, école du Stade")
    with coordinator.expect_navigation():
        press_button(coordinator, "Programmer la séance")
    assert "Séance programmée" in coordinator.inner_text(".flashes")
    seance_url = coordinator.url.split("#")[0]

    member = coordinator.eval_on_selector('input[name="members"]', "e => e.value")
    tick(coordinator, "members", member)
    type_into(coordinator, "#externals", "Mme Zaharia ; Collège de Kawéni")
    with coordinator.expect_navigation():
        press_button(coordinator, "Enregistrer les participants")
    assert "Participants enregistrés" in coordinator.inner_text(".flashes")

    for _ in range(2):
        first = coordinator.eval_on_selector('select[name="situation"] option[value^="orientation:"]', "o => o.value")
        select_option(coordinator, "situation", first)
        with coordinator.expect_navigation():
            press_button(coordinator, "Inscrire à l'ordre du jour")
        assert "Situation inscrite" in coordinator.inner_text(".flashes")
    before = _situations(coordinator)
    assert len(before) == 2
    coordinator.focus("h1")
    with coordinator.expect_navigation():
        press_button(coordinator, "Descendre")
    assert _situations(coordinator) == list(reversed(before))
    _audit(coordinator, "séance EPS (préparation)", axe_source, problems)

    # the EPS member (charter accepted in the demo) reads the agenda: pseudonyms, no names
    eps = as_user(EPS)
    eps.goto(seance_url)
    assert _situations(eps) == list(reversed(before))
    text = eps.inner_text("main")
    leaked = sorted(name for name in demo_names() if re.search(rf"\b{re.escape(name)}\b", text))
    assert leaked == [] and "Enregistrer la décision" not in text
    _audit(eps, "séance EPS (membre EPS)", axe_source, problems)

    # decisions, attendance, closing: keyboard only
    items = coordinator.eval_on_selector_all("article.eps-item", "a => a.map(e => e.id.slice(2))")
    coordinator.focus("h1")
    select_option(coordinator, f"d-{items[0]}-outcome", "refuse")
    tick(coordinator, f"d-{items[0]}-preconisations", "accompagnement_scolaire")
    with coordinator.expect_navigation():
        press_button(coordinator, "Enregistrer la décision")
    assert "Décision enregistrée" in coordinator.inner_text(".flashes")
    coordinator.focus("h1")
    select_option(coordinator, f"d-{items[1]}-outcome", "ajourne")
    select_option(coordinator, f"d-{items[1]}-manque", "rencontre_famille")
    with coordinator.expect_navigation():
        press_button(coordinator, "Enregistrer la décision")
    assert "Décision enregistrée" in coordinator.inner_text(".flashes")
    coordinator.focus("h1")
    tick(coordinator, "presents", member)
    with coordinator.expect_navigation():
        press_button(coordinator, "Enregistrer les présences")
    with coordinator.expect_navigation():
        press_button(coordinator, "Clore la séance et sceller le relevé")
    assert "relevé de décisions est scellé" in coordinator.inner_text(".flashes")
    _audit(coordinator, "séance EPS (close)", axe_source, problems)

    href = coordinator.get_by_role("link", name=re.compile("relevé de décisions")).get_attribute("href")
    response = coordinator.request.get(href)
    assert response.ok and response.body().startswith(b"%PDF")
    (tmp_path / "releve.pdf").write_bytes(response.body())
    releve = subprocess.run(
        ["pdftotext", str(tmp_path / "releve.pdf"), "-"], check=True, capture_output=True, text=True
    ).stdout
    assert "Relevé de décisions" in releve and "Mme Zaharia (Collège de Kawéni)" in releve
    assert all(pseudonym.split(" — ")[0] in releve for pseudonym in before)
    assert "Non-admission" in releve and "Ajournement" in releve
    attendees = releve.replace(USER_NAMES[EPS], "")  # the member's name ("Dr Anli Madi") is not a child's
    leaked = sorted(name for name in demo_names() if re.search(rf"\b{re.escape(name)}\b", attendees))
    assert leaked == []
    assert problems == []
