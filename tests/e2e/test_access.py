"""Who sees what, in a real browser: keyboard login, caseload, refusals, pseudonymised EPS agenda."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest

from app.demo import DEMO_USERS, FAMILIES, GUARDIAN_FIRST_NAMES, STREETS
from tests.e2e.conftest import COORDINATION, DEMO_EMAILS, EPS, REFERENT, REFERENT2, login

pytestmark = pytest.mark.e2e

HOME_OF = {
    "referent@demo.parcours": "/",  # their to-do
    "referent2@demo.parcours": "/",
    "coordination@demo.parcours": "/",
    "eps@demo.parcours": "/eps/seances",
    "admin@demo.parcours": "/admin/utilisateurs/",
}
USER_NAMES = {email: name for email, name, _role in DEMO_USERS}


def caseload(page: Any) -> list[dict[str, str]]:
    """Rows of the children list: the link to the child's page, the name and the référent."""
    page.goto("/enfants/")
    return page.eval_on_selector_all(
        "table.list tbody tr",
        """rows => rows.map(r => ({href: r.querySelector("a").getAttribute("href"),
                                  nom: r.cells[0].innerText, referent: r.cells[r.cells.length - 1].innerText}))""",
    )


@pytest.mark.parametrize("email", DEMO_EMAILS)
def test_every_demo_user_logs_in_with_the_keyboard_alone(new_context: Callable[..., Any], email: str) -> None:
    page = new_context().new_page()
    login(page, email)
    assert page.url.endswith(HOME_OF[email])
    assert USER_NAMES[email] in page.inner_text("header")
    with page.expect_navigation():
        page.get_by_role("button", name="Se déconnecter").press("Enter")
    assert page.url.endswith("/connexion")
    assert page.get_by_role("status").inner_text() == "Vous êtes déconnecté·e."


def test_a_wrong_password_is_announced(new_context: Callable[..., Any]) -> None:
    page = new_context().new_page()
    page.goto("/connexion")
    page.fill("#email", REFERENT)
    page.fill("#password", "pas-le-bon-mot-de-passe")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "incorrect" in page.get_by_role("alert").inner_text()


def test_a_referent_sees_their_caseload_and_not_another_referents_child(as_user: Callable[..., Any]) -> None:
    everyone = caseload(as_user(COORDINATION))
    referents = [REFERENT, REFERENT2]
    rows_of = {email: [row for row in everyone if row["referent"] == USER_NAMES[email]] for email in referents}
    assert any(rows_of.values()), "the demo has children followed by the référents"
    for email in referents:
        other = REFERENT2 if email == REFERENT else REFERENT
        page = as_user(email)
        own = caseload(page)
        assert sorted(row["href"] for row in own) == sorted(row["href"] for row in rows_of[email])
        if own:
            page.get_by_role("link", name=own[0]["nom"]).first.click()
            assert page.url.endswith(own[0]["href"])
            assert page.get_by_role("heading", level=2, name="Parcours").is_visible()
        if rows_of[other]:
            response = page.goto(rows_of[other][0]["href"])
            assert response is not None and response.status == 404
            assert page.get_by_role("heading", level=1).inner_text() == "Page introuvable"
            assert rows_of[other][0]["nom"] not in page.inner_text("main")


def demo_names() -> set[str]:
    names = {name for family, first_names in FAMILIES for name in (family, *first_names)}
    return names | set(GUARDIAN_FIRST_NAMES) | {street.split(" ", 1)[1] for street in STREETS} | {"Mamoudzou"}


def test_an_eps_member_sees_the_agenda_with_pseudonyms_and_no_names(as_user: Callable[..., Any]) -> None:
    page = as_user(EPS)
    assert page.url.endswith("/eps/seances")
    with page.expect_navigation():
        page.locator("table.list tbody a").first.click()  # the next séance, newest first
    pseudonyms = page.locator("article.eps-item h3").all_inner_texts()
    assert pseudonyms, "the demo's next séance has situations on its agenda"
    # The page names its reader in the header ("Dr Anli Madi"), and Madi is also a demo family.
    text = page.inner_text("body").replace(USER_NAMES[EPS], "")
    leaked = sorted(name for name in demo_names() if re.search(rf"\b{re.escape(name)}\b", text))
    assert leaked == [], f"names on the EPS agenda: {leaked}"
    assert [
        link for link in page.eval_on_selector_all("a[href]", "a => a.map(e => e.pathname)") if "/enfants" in link
    ] == []
    assert page.goto("/enfants/").status == 404
