"""Drafts are never lost: reload, closing the page, another device, a network cut mid-save."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest

from tests.e2e.conftest import REFERENT2, login
from tests.e2e.documents import wait_saved

pytestmark = pytest.mark.e2e

JOURNAL = "Entrée du journal de suivi"
DAY = (date.today() - timedelta(days=10)).isoformat()
# A whole journal entry: every kind of control it has (date, choice, short and long texts).
TEXTS = {
    "#date": DAY,
    "#participants": "La mère, Naïma et son enseignante",
    "#lieu": "École Kawéni 2",
    "#faits": "Arrive à l'heure chaque matin.\nA rendu tous ses devoirs cette semaine.",
    "#appreciation": "La mère se dit soulagée ; à confirmer sur la durée.",
    "#ajustement": "Ajouter un atelier de lecture le mercredi.",
}
CHOICES: dict[str, str] = {}
CHECKED = ['input[name="type"][value="reunion_ecole"]']


def open_new_suivi(page: Any, which: int) -> str:
    """Open a new journal entry (« Nouvelle entrée ») of an accepted child of the caseload; its URL."""
    page.goto("/enfants/")
    children = page.eval_on_selector_all("table.list tbody a", "links => links.map(a => a.getAttribute('href'))")
    followed = []
    for href in children:
        page.goto(href)
        if page.get_by_role("button", name="Nouvelle entrée").count():
            followed.append(href)
            if len(followed) > which:
                break
    assert len(followed) > which, "the demo caseload has accepted children"
    page.goto(followed[which])
    with page.expect_navigation():
        page.get_by_role("button", name="Nouvelle entrée").first.click()
    assert page.get_by_role("heading", level=1).inner_text().startswith(JOURNAL)
    return page.url


def fill_long_form(page: Any) -> None:
    for selector, value in TEXTS.items():
        if "\n" in value:
            page.locator(selector).press_sequentially(value.replace("\n", " / "), delay=0)
            page.fill(selector, value)
        else:
            page.fill(selector, value)
    for selector, value in CHOICES.items():
        page.select_option(selector, value)
    for selector in CHECKED:
        page.check(selector)


def assert_every_value(page: Any) -> None:
    found = {selector: page.input_value(selector) for selector in TEXTS}
    assert found == TEXTS
    assert {selector: page.input_value(selector) for selector in CHOICES} == CHOICES
    assert all(page.is_checked(selector) for selector in CHECKED)


def another_device(new_context: Callable[..., Any], context: Any) -> Any:
    """A page of a new context with the same login but nothing kept in the browser's storage."""
    state = context.storage_state()
    return new_context(storage_state={"cookies": state["cookies"], "origins": []}).new_page()


def test_a_long_draft_survives_reload_closing_and_another_device(
    as_user: Callable[..., Any], new_context: Callable[..., Any]
) -> None:
    page = as_user(REFERENT2)
    page.on("dialog", lambda dialog: dialog.accept())  # « leave the page? » — yes, as a hurried user would
    url = open_new_suivi(page, 0)
    fill_long_form(page)
    page.reload()  # at once: the autosave (1.5 s after the last key) has not even started
    assert_every_value(page)

    wait_saved(page)
    context = page.context
    page.close()
    reopened = context.new_page()
    reopened.goto(url)
    assert_every_value(reopened)

    other_device = another_device(new_context, context)
    other_device.goto(url)
    assert other_device.evaluate("localStorage.length") == 0
    assert_every_value(other_device)


def test_a_network_cut_mid_save_keeps_the_value_and_says_so(
    as_user: Callable[..., Any], new_context: Callable[..., Any]
) -> None:
    page = as_user(REFERENT2)
    url = open_new_suivi(page, 1)
    page.fill("#faits", "Premier bilan avec la famille.")
    wait_saved(page)

    page.context.set_offline(True)
    page.locator("#appreciation").press_sequentially("Progrès visibles, à confirmer.")
    status = page.locator("[data-save-status]")
    status.filter(has_text="Connexion perdue").wait_for()
    assert "vos saisies sont gardées sur cet appareil" in status.inner_text()
    assert page.input_value("#appreciation") == "Progrès visibles, à confirmer."
    page.wait_for_function("Object.keys(localStorage).some(k => k.startsWith('parcours-brouillon:'))")
    assert "Progrès visibles" not in page.evaluate("JSON.stringify(Object.assign({}, localStorage))")

    page.context.set_offline(False)
    wait_saved(page)
    assert page.input_value("#appreciation") == "Progrès visibles, à confirmer."

    other_device = another_device(new_context, page.context)
    other_device.goto(url)
    assert other_device.input_value("#appreciation") == "Progrès visibles, à confirmer."
    assert other_device.input_value("#faits") == "Premier bilan avec la famille."


def test_typing_after_the_session_expired_is_kept_until_the_user_logs_in_again(
    as_user: Callable[..., Any], new_context: Callable[..., Any]
) -> None:
    page = as_user(REFERENT2)
    open_new_suivi(page, 2)
    page.fill("#faits", "Bilan commencé avant la pause.")
    wait_saved(page)

    page.context.clear_cookies()  # as after 30 minutes without activity: the server no longer knows this browser
    page.locator("#appreciation").press_sequentially("Écrit après l'expiration.")
    status = page.locator("[data-save-status]")
    status.filter(has_text="Votre session a expiré").wait_for()
    assert "Vos saisies sont gardées sur cet appareil" in status.inner_text()
    # SECURITY 32: the copy kept on this device is encrypted; the typed text is nowhere in clear.
    page.wait_for_function("Object.keys(localStorage).some(k => k.startsWith('parcours-brouillon:'))")
    stored = page.evaluate("JSON.stringify(Object.assign({}, localStorage))")
    assert "parcours-brouillon:" in stored
    assert "expiration" not in stored and "Bilan commenc" not in stored
    key_given = "fetch('/compte/cle-brouillons', {redirect: 'manual'}).then(r => r.ok)"
    assert not page.evaluate(key_given)  # logged out: no key, the copy cannot be read here

    again = page.context.new_page()
    login(again, REFERENT2)
    again.close()
    page.reload()
    assert page.input_value("#appreciation") == "Écrit après l'expiration."
    assert "restaurées" in status.inner_text()
    wait_saved(page)
    other_device = another_device(new_context, page.context)
    other_device.goto(page.url)
    assert other_device.input_value("#appreciation") == "Écrit après l'expiration."


def test_finalising_right_after_typing_leaves_no_copy_on_the_device(as_user: Callable[..., Any]) -> None:
    """« Finaliser » pressed before the autosave ran: the typing is in the finalised document, and the
    device keeps no copy of it (a shared tablet must not keep a family's answers)."""
    page = as_user(REFERENT2)
    open_new_suivi(page, 1)
    fill_long_form(page)
    page.wait_for_function("Object.keys(localStorage).some(k => k.startsWith('parcours-brouillon:'))")
    with page.expect_navigation():
        page.get_by_role("button", name="Finaliser le document").click()
    assert "Document finalisé" in page.inner_text(".flashes")
    assert "Ajouter un atelier de lecture le mercredi." in page.inner_text("main")
    assert page.evaluate("Object.keys(localStorage).filter(k => k.startsWith('parcours-brouillon:'))") == []
