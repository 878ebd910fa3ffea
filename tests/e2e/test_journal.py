"""The référent lands on their to-do, finishes a journal entry from it and moves an action on."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest

from tests.e2e.audit import check_page
from tests.e2e.conftest import REFERENT
from tests.e2e.documents import finalise

pytestmark = pytest.mark.e2e

YESTERDAY = date.today() - timedelta(days=1)


def section(page: Any, anchor: str) -> Any:
    """The table or message that follows the to-do heading `anchor`."""
    return page.locator(f"#{anchor} + *")


def test_a_journal_entry_and_an_action_from_the_to_do(as_user: Callable[..., Any], axe_source: str) -> None:
    page = as_user(REFERENT)
    page.goto("/")
    assert page.get_by_role("heading", level=2, name="À faire").is_visible()
    problems = check_page(page, "accueil référent·e", axe_source).problems()
    drafts = section(page, "todo-brouillons")
    assert "Naïma" in drafts.inner_text() and "Entrée du journal de suivi" in drafts.inner_text()
    waiting = section(page, "todo-actions").inner_text()
    assert "Culture, loisirs, sport" in waiting and "Vacances, séjours" in waiting
    assert "Ylan" in section(page, "todo-eps").inner_text()  # his orientation waits for the EPS

    # The draft entry started earlier is finished from the to-do: what was typed is still there.
    with page.expect_navigation():
        drafts.get_by_role("link", name="Entrée du journal de suivi").first.click()
    assert page.input_value("#faits") == "Appel de la mère :"
    page.fill("#date", YESTERDAY.isoformat())
    page.check('input[name="type"][value="entretien"]')
    page.fill("#faits", "Appel de la mère : Naïma a repris le chemin de l'école après sa varicelle.")
    page.fill("#appreciation", "Inquiétude levée.")
    finalise(page)
    with page.expect_navigation():
        page.get_by_role("link", name="Retour au dossier de l'enfant").click()
    child_url = page.url
    journal = page.locator(".journal-list li")
    assert journal.first.inner_text().startswith(f"{YESTERDAY.strftime('%d/%m/%Y')} · Entretien")
    assert journal.count() == 5

    # A quick new entry keeps what is typed, then the proposed club begins.
    with page.expect_navigation():
        page.get_by_role("button", name="Nouvelle entrée").click()
    page.fill("#faits", "Visite prévue jeudi.")
    page.reload()
    assert page.input_value("#faits") == "Visite prévue jeudi."
    page.goto(child_url)
    with page.expect_navigation():
        page.get_by_role("link", name="Ajouter ou mettre à jour les actions").click()
    problems += check_page(page, "actions du parcours", axe_source).problems()
    club = page.locator("details").filter(has=page.locator("summary", has_text="Culture, loisirs, sport"))
    club.locator("summary").click()
    club.get_by_label("État").select_option("en_cours")
    club.get_by_label("Début").fill(YESTERDAY.isoformat())
    with page.expect_navigation():
        club.get_by_role("button", name="Enregistrer cette action").click()
    assert "Action mise à jour." in page.inner_text(".flashes")
    assert "En cours" in page.locator("#actions").inner_text()

    page.goto("/")
    waiting = section(page, "todo-actions").inner_text()
    assert "Culture" not in waiting and "Vacances, séjours" in waiting
    drafts = section(page, "todo-brouillons").inner_text()
    assert "Entrée du journal de suivi" in drafts  # the new entry, still a draft
    assert problems == []
