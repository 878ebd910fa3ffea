"""Issue 16, a day without friction, where the user sees it: each finding in Chromium, and
screenshots of the fixed pages at 1280 and 390 pixels (tests/e2e/screenshots/issue16-*)."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest

from tests.e2e import report
from tests.e2e.audit import _file_name
from tests.e2e.conftest import ADMIN, COORDINATION, DEMO_EMAILS, REFERENT
from tests.e2e.documents import wait_saved

pytestmark = pytest.mark.e2e

WIDTHS = {"1280": {"width": 1280, "height": 900}, "390": {"width": 390, "height": 844}}
TODAY = date.today()


def shoot(page: Any, name: str) -> None:
    """Screenshots of the page as it is, at 1280 and 390 pixels wide, without horizontal overflow."""
    report.SCREENSHOTS.mkdir(exist_ok=True)
    before = page.viewport_size
    for label, size in WIDTHS.items():
        page.set_viewport_size(size)
        page.screenshot(path=str(report.SCREENSHOTS / f"issue16-{_file_name(name)}-{label}.png"), full_page=True)
        scroll, inner = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
        assert scroll <= inner, f"{name}: horizontal overflow at {label} px ({scroll} > {inner})"
    page.set_viewport_size(before)


def fill_orientation(page: Any, nom: str, prenom: str, born: date, sexe: str = "F") -> None:
    """A complete fiche d'orientation (pointer and typing; the keyboard path is in test_parcours)."""
    oriented = TODAY - timedelta(days=3)
    page.select_option('select[name="niveau"]', "CE2")  # the school fields follow the class
    page.select_option('select[name="orienteur"]', "education_nationale")
    for name, value in {
        "sexe": sexe,
        "qpv": "oui",
        "responsables-0-autorite_parentale": "oui",
        "rep": "rep",
        "mesures_existantes": "non",
        "famille_accord": "oui",
    }.items():
        page.check(f'input[name="{name}"][value="{value}"]')
    page.check('input[name="difficultes"][value="scolaire"]')
    for selector, value in {
        "#nom": nom,
        "#prenom": prenom,
        "#date_naissance": born.isoformat(),
        "#responsables-0-nom": nom,
        "#responsables-0-prenom": "Awa",
        "#structure": "École du Port",
        "#date_orientation": oriented.isoformat(),
        "#faits_observes": "Arrive en retard chaque matin.",
        "#signature_parent-signer": f"Awa {nom}",
        "#signature_parent-paper_date": oriented.isoformat(),
    }.items():
        page.fill(selector, value)
    page.fill("#date_accord", oriented.isoformat())


def new_orientation(page: Any, nom: str, prenom: str, born: date) -> None:
    page.goto("/enfants/nouvelle-orientation")
    fill_orientation(page, nom, prenom, born)
    with page.expect_navigation():
        page.get_by_role("button", name="Enregistrer l'orientation").click()
    assert "Orientation enregistrée en brouillon" in page.inner_text(".flashes")


def test_demo_login_lists_the_demo_accounts_and_the_favicon_is_served(new_context: Callable[..., Any]) -> None:
    page = new_context().new_page()
    missing: list[str] = []
    page.on("response", lambda r: missing.append(r.url) if r.status == 404 else None)
    page.goto("/connexion")
    accounts = page.get_by_role("table", name=re.compile("Comptes de démonstration")).inner_text()
    assert all(email in accounts for email in DEMO_EMAILS)
    assert "Coordonnateur·rice" in accounts
    icon = page.evaluate("() => fetch('/favicon.ico').then(r => [r.status, r.headers.get('content-type')])")
    assert icon[0] == 200 and "icon" in icon[1]
    assert missing == []
    shoot(page, "connexion démonstration")


def test_the_error_summary_takes_the_focus_after_a_failed_submit(new_context: Callable[..., Any]) -> None:
    page = new_context().new_page()
    page.goto("/connexion")
    with page.expect_navigation():
        page.get_by_role("button", name="Se connecter").click()
    assert page.evaluate("() => document.activeElement.classList.contains('error-summary')")
    assert "Saisissez votre adresse e-mail." in page.evaluate("() => document.activeElement.innerText")


def test_disclosure_widgets_keep_their_marker(as_user: Callable[..., Any]) -> None:
    page = as_user(COORDINATION)
    page.goto("/import")
    summary = page.locator(".import-format summary")
    assert summary.evaluate("e => getComputedStyle(e).display") == "list-item", "the ▸ marker is shown"
    assert summary.evaluate("e => e.getBoundingClientRect().height") >= 44
    summary.click()
    assert page.get_by_role("link", name=re.compile("fichier modèle")).is_visible()
    shoot(page, "import format ouvert")


def test_impossible_dates_are_refused_naming_the_field_and_a_double_click_finalises_once(
    as_user: Callable[..., Any],
) -> None:
    page = as_user(REFERENT)
    new_orientation(page, "Soilihi", "Nassim", TODAY.replace(year=TODAY.year + 3))
    assert "Enfant : Nassim Soilihi" in page.inner_text(".document-child")
    wait_saved(page)
    with page.expect_navigation():
        page.get_by_role("button", name="Finaliser le document").click()
    summary = page.get_by_role("alert")
    assert "Date de naissance : le" in summary.inner_text() and "est dans le futur" in summary.inner_text()
    assert page.evaluate("() => document.activeElement.matches('[data-error-summary]')")
    error = page.inner_text("#date_naissance-error")
    assert error.startswith("Date de naissance : le ") and "dans le futur" in error
    shoot(page, "orientation date future refusee")
    page.fill("#date_naissance", date(TODAY.year - 8, 5, 2).isoformat())
    wait_saved(page)
    seen: list[str] = []
    page.on("request", lambda r: seen.append(r.url) if r.method == "POST" and "finaliser" in r.url else None)
    with page.expect_navigation():
        page.get_by_role("button", name="Finaliser le document").dblclick()
    assert "Document finalisé" in page.inner_text(".flashes")
    assert "ne peut plus être modifié" not in page.inner_text("main")
    assert len(seen) == 1, f"one finalisation sent, not {len(seen)}"
    assert "Enfant : Nassim Soilihi" in page.inner_text("main")
    shoot(page, "document finalise avec le nom de l'enfant")


def test_a_draft_orientation_never_reaches_the_eps(as_user: Callable[..., Any]) -> None:
    referent = as_user(REFERENT)
    new_orientation(referent, "Madi", "Oumi", date(TODAY.year - 7, 1, 9))
    pseudonym = referent.inner_text("h1 .pseudonym").strip()
    coordinator = as_user(COORDINATION)
    coordinator.goto("/eps")
    assert pseudonym not in coordinator.inner_text("main")
    coordinator.goto("/eps/seances")
    assert pseudonym not in coordinator.content()


def test_an_orientation_of_a_known_child_shows_the_differences(as_user: Callable[..., Any]) -> None:
    page = as_user(COORDINATION)
    page.goto("/enfants/")
    page.locator("table.list tbody a").first.click()
    child_url = page.url
    page.goto(child_url + "/nouvelle-orientation")
    known_sex = page.eval_on_selector('input[name="sexe"]:checked', "e => e.value")
    nom, prenom = page.input_value("#nom"), page.input_value("#prenom")
    born = date.fromisoformat(page.input_value("#date_naissance"))
    fill_orientation(page, nom, prenom, born, sexe="M" if known_sex == "F" else "F")
    with page.expect_navigation():
        page.get_by_role("button", name="Enregistrer l'orientation").click()
    assert "Dossier existant retrouvé" in page.inner_text(".flashes")
    differences = page.get_by_role("region", name="Dossier existant retrouvé")
    assert re.search(r"Sexe\s+(Fille\s+Garçon|Garçon\s+Fille)", differences.inner_text())
    shoot(page, "dossier existant retrouve")


def test_an_explicit_save_after_the_session_expired_keeps_the_typing(as_user: Callable[..., Any]) -> None:
    page = as_user(REFERENT)
    new_orientation(page, "Ali", "Zaïna", date(TODAY.year - 10, 6, 1))
    document_url = page.url
    wait_saved(page)
    page.context.clear_cookies()  # the session ended (idle timeout)
    page.fill("#faits_observes", "Tapé après la fin de la session.")
    with page.expect_navigation():
        page.get_by_role("button", name="Enregistrer le brouillon").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Session expirée : votre saisie n'est pas perdue"
    assert "Requête invalide" not in page.inner_text("main")
    shoot(page, "session expiree")
    page.get_by_role("link", name="Se reconnecter et revenir au document").click()
    page.fill("#email", REFERENT)
    page.fill("#password", "demo-parcours")
    with page.expect_navigation():
        page.get_by_role("button", name="Se connecter").click()
    assert page.url.split("?")[0].endswith(document_url.split("/enfants", 1)[1])
    page.wait_for_function("() => document.querySelector('#faits_observes').value.includes('Tapé après')")


def test_audit_log_in_french_with_times_of_the_programme_and_a_reversed_range_refused(
    as_user: Callable[..., Any],
) -> None:
    page = as_user(ADMIN)
    page.goto("/admin/journal/")
    main = page.inner_text("main")
    assert "Les heures sont celles du programme (Europe/Paris)" in main
    actions = page.locator("table.list tbody tr td:nth-child(3)").all_inner_texts()
    objects = page.locator("table.list tbody tr td:nth-child(4)").all_inner_texts()
    assert actions and not [a for a in actions if re.fullmatch(r"[a-z_]+(\.[a-z_:]+)+", a.strip())]
    assert not [o for o in objects if re.match(r"(children|documents|parcours_|users|programmes)\b", o)]
    shoot(page, "journal d'audit")
    page.fill("#du", "2026-03-10")
    page.fill("#au", "2026-03-01")
    with page.expect_navigation():
        page.get_by_role("button", name="Filtrer").click()
    assert "La date « Du » est après la date « Au »" in page.get_by_role("alert").inner_text()
    shoot(page, "journal d'audit periode inversee")


def test_a_duplicate_e_mail_is_said_under_the_e_mail_field_and_the_time_zone_is_set(
    as_user: Callable[..., Any],
) -> None:
    page = as_user(ADMIN)
    page.goto("/admin/utilisateurs/")
    page.fill("#name", "Doublon")
    page.fill("#email", REFERENT)
    with page.expect_navigation():
        page.get_by_role("button", name="Créer le compte").click()
    described = (page.get_attribute("#email", "aria-describedby") or "").split()
    assert "email-error" in described and "Un compte existe déjà" in page.inner_text("#email-error")
    shoot(page, "comptes email en double")
    assert page.input_value("#timezone") == "Europe/Paris"


def test_french_plurals_on_the_dashboard_and_the_caseload(as_user: Callable[..., Any]) -> None:
    page = as_user(COORDINATION)
    page.goto("/indicateurs")
    captions = " ".join(page.locator("caption").all_inner_texts())
    assert "nombre d'orientations" in captions and "nombre d'enfants" in captions
    assert "nombre de orientations" not in captions and "nombre de enfants" not in captions
    page.goto("/enfants/")
    caption = page.inner_text("table.list caption")
    count = int(caption.split()[0])
    assert caption == (f"{count} enfant" if count < 2 else f"{count} enfants")


def test_excel_csv_preview_and_an_empty_year_archive(as_user: Callable[..., Any]) -> None:
    page = as_user(COORDINATION)
    page.goto("/import")
    template = page.context.request.get("/static/modele-import.csv").body().decode("utf-8-sig")
    excel = template.replace("ENF-001", "ENF-E2E").replace("Camille", "Anaïs").encode("cp1252")
    page.set_input_files("#file", files=[{"name": "excel.csv", "mimeType": "text/csv", "buffer": excel}])
    with page.expect_navigation():
        page.get_by_role("button", name=re.compile("Vérifier")).click()
    assert "Fichier lu en Windows-1252" in page.inner_text("main")
    assert "Anaïs" in page.get_by_role("table", name=re.compile("Premières lignes")).inner_text()
    shoot(page, "import excel apercu")
    page.goto("/archives")
    page.fill("#year", "2019")
    with page.expect_navigation():
        page.get_by_role("button", name="Lancer l'export").click()
    assert "Aucun document pour 2019" in page.inner_text("main")
    shoot(page, "archive annee vide")


def test_the_paper_signer_is_named_on_the_page(as_user: Callable[..., Any]) -> None:
    page = as_user(REFERENT)
    new_orientation(page, "Bacar", "Ismaël", date(TODAY.year - 6, 2, 2))
    wait_saved(page)
    with page.expect_navigation():
        page.get_by_role("button", name="Finaliser le document").click()
    assert "Signé sur papier par Awa Bacar le" in page.inner_text("main")
