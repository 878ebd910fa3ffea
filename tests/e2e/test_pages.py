"""Every main page: axe-core, tablet and phone screenshots without horizontal overflow, timings;
visible keyboard focus; form errors announced and linked to their field."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest

from tests.e2e.audit import check_page
from tests.e2e.conftest import ADMIN, COORDINATION, EPS, REFERENT, REFERENT2, RESEAU
from tests.e2e.keyboard import focused, press_button

pytestmark = pytest.mark.e2e


def _first_child(page: Any) -> str:
    page.goto("/enfants/")
    return page.eval_on_selector("table.list tbody a", "a => a.getAttribute('href')")


def _submit_empty(page: Any) -> None:
    with page.expect_navigation():
        page.locator("main form button[type=submit]:visible").last.click()


# name -> (user or None, path, action after loading the path)
MAIN_PAGES: dict[str, tuple[str | None, str, Callable[[Any], None] | None]] = {
    "connexion": (None, "/connexion", None),
    "connexion (erreurs)": (None, "/connexion", _submit_empty),
    "enfants suivis": (REFERENT2, "/enfants/", None),
    "dossier enfant": (REFERENT2, "", None),
    "nouvelle orientation": (REFERENT, "/enfants/nouvelle-orientation", None),
    "nouvelle orientation (erreurs)": (REFERENT, "/enfants/nouvelle-orientation", _submit_empty),
    "séances EPS (membre EPS)": (EPS, "/eps/seances", None),
    "charte EPS (membre EPS)": (EPS, "/eps/charte", None),
    "situations pour l'EPS (coordination)": (COORDINATION, "/eps", None),
    "séances EPS (coordination)": (COORDINATION, "/eps/seances", None),
    "charte et courriers EPS (coordination)": (COORDINATION, "/eps/textes", None),
    "accueil coordination": (COORDINATION, "/", None),
    "accueil référent·e (à faire)": (REFERENT, "/", None),
    "indicateurs": (COORDINATION, "/indicateurs", None),
    "import": (COORDINATION, "/import", None),
    "archives": (COORDINATION, "/archives", None),
    "élimination": (COORDINATION, "/elimination", None),
    "élimination (erreurs)": (COORDINATION, "/elimination", _submit_empty),
    "notice aux familles (coordination)": (COORDINATION, "/notice-familles", None),
    "information des familles (publique)": (None, "/information-familles/DEMO", None),
    "comptes utilisateurs": (ADMIN, "/admin/utilisateurs/", None),
    "certificat de cachet": (ADMIN, "/admin/certificat/", None),
    "journal d'audit": (ADMIN, "/admin/journal/", None),
    "jeu de formulaires": (COORDINATION, "/formulaires/comparer", None),
    "installer un jeu de formulaires": (ADMIN, "/formulaires/installer", None),
    "tableaux du réseau": (RESEAU, f"/reseau?source=instance&annee={date.today().year}", None),
}


@pytest.mark.parametrize("name", list(MAIN_PAGES))
def test_main_page_is_accessible_and_fits_tablets_and_phones(
    name: str, new_context: Callable[..., Any], as_user: Callable[..., Any], axe_source: str
) -> None:
    email, path, action = MAIN_PAGES[name]
    page = as_user(email) if email else new_context().new_page()
    if name == "dossier enfant":
        path = _first_child(page)
    response = page.goto(path)
    assert response is not None and response.ok, f"{path}: {response and response.status}"
    if action is not None:
        action(page)
    check = check_page(page, name, axe_source)
    assert check.problems() == []


def _focus_style(page: Any) -> dict[str, str]:
    return page.evaluate(
        """() => { const s = getComputedStyle(document.activeElement);
                   return {outline: s.outlineStyle, width: s.outlineWidth, shadow: s.boxShadow}; }"""
    )


def _visibly_focused(style: dict[str, str]) -> bool:
    return (style["outline"] != "none" and style["width"] != "0px") or style["shadow"] != "none"


def test_keyboard_focus_is_visible_on_links_buttons_and_fields(as_user: Callable[..., Any]) -> None:
    page = as_user(REFERENT2)
    page.goto("/enfants/")
    seen: dict[str, dict[str, str]] = {}
    for _ in range(12):
        page.keyboard.press("Tab")
        element = focused(page)
        seen.setdefault(element["tag"], _focus_style(page))
        assert _visibly_focused(_focus_style(page)), f"no visible focus on {element}"
    assert {"A", "BUTTON", "INPUT"} <= set(seen), seen


def test_form_errors_are_announced_and_linked_to_their_field(new_context: Callable[..., Any]) -> None:
    page = new_context().new_page()
    page.goto("/connexion")
    with page.expect_navigation():
        press_button(page, "Se connecter")
    summary = page.get_by_role("alert")
    assert "Saisissez votre adresse e-mail." in summary.inner_text()
    summary.get_by_role("link", name="Mot de passe").press("Enter")
    assert page.evaluate("document.activeElement.id") == "password"
    for field in ("email", "password"):
        control = page.locator(f"#{field}")
        assert control.get_attribute("aria-invalid") == "true"
        described = (control.get_attribute("aria-describedby") or "").split()
        errors = [page.locator(f"#{i}").inner_text() for i in described if i.endswith("-error")]
        assert errors and all(errors), f"{field}: error not linked (aria-describedby={described})"


def test_document_form_errors_are_announced_and_linked_to_their_field(as_user: Callable[..., Any]) -> None:
    page = as_user(REFERENT)
    page.goto("/enfants/nouvelle-orientation")
    page.fill("#prenom", "Zoé")
    with page.expect_navigation():
        page.get_by_role("button", name="Enregistrer l'orientation").click()
    summary = page.get_by_role("alert")
    assert "Le formulaire contient des erreurs" in summary.inner_text()
    link = summary.get_by_role("link", name="Nom").first
    assert link.get_attribute("href") == "#nom"
    described = (page.get_attribute("#nom", "aria-describedby") or "").split()
    assert "nom-error" in described and page.inner_text("#nom-error").strip()
    assert page.get_attribute("#nom", "aria-invalid") == "true"
    assert page.input_value("#prenom") == "Zoé", "what was typed is kept"
    link.press("Enter")
    assert page.evaluate("document.activeElement.id") == "nom"


_HIDDEN_BEHIND_ACTIONS = """() => {
  const e = document.activeElement, bar = document.querySelector(".form-actions");
  if (!e || !bar || bar.contains(e) || !e.closest("form.document-form")) return null;
  const r = e.getBoundingClientRect(), b = bar.getBoundingClientRect();
  return r.bottom > b.top + 1 && r.top < b.bottom ? (e.id || e.name) : null;
}"""


@pytest.mark.parametrize("size", ["tablette", "telephone"])
def test_a_focused_field_is_never_hidden_behind_the_save_bar(as_user: Callable[..., Any], size: str) -> None:
    from tests.e2e.audit import VIEWPORTS

    page = as_user(REFERENT, viewport=VIEWPORTS[size])
    page.goto("/enfants/nouvelle-orientation")
    hidden = []
    for _ in range(60):
        page.keyboard.press("Tab")
        name = page.evaluate(_HIDDEN_BEHIND_ACTIONS)
        if name:
            hidden.append(name)
    assert hidden == [], f"focused fields covered by the sticky save bar: {hidden}"
