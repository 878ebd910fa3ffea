"""Helpers for document pages: start a document, draw a signature, wait for the draft to be saved."""

from __future__ import annotations

import math
import re
from typing import Any

STORAGE_PREFIX = "parcours-brouillon:"
_NOTHING_PENDING = f"""() => !document.querySelector("form[data-autosave]") ||
  !Object.keys(localStorage).some(k => k.startsWith("{STORAGE_PREFIX}"))"""


def start_document(page: Any, title: str) -> None:
    """On a child's page, press « Commencer : <title> » (the draft opens)."""
    with page.expect_navigation():
        page.get_by_role("button", name=f"Commencer : {title}").click()
    assert page.get_by_role("heading", level=1).inner_text().startswith(title)


def wait_saved(page: Any) -> None:
    """Wait until everything typed reached the server (forms.js forgets its local copy then)."""
    try:
        page.wait_for_function(_NOTHING_PENDING)
    except Exception as error:  # the draft page's own message says why
        raise AssertionError(f"draft not saved: {page.inner_text('[data-save-status]')!r}") from error
    assert "Brouillon enregistré" in page.inner_text("[data-save-status]")


def draw_signature(page: Any, field: str) -> None:
    """Sign in the canvas of a signature field with pointer events (mouse down, moves, up)."""
    canvas = page.locator(f'fieldset[data-field="{field}"] canvas')
    canvas.evaluate("e => e.scrollIntoView({block: 'center'})")
    box = canvas.bounding_box()
    assert box is not None and box["width"] > 100
    x, y = box["x"] + 25, box["y"] + box["height"] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    for step in range(1, 40):
        page.mouse.move(x + step * (box["width"] - 60) / 40, y + math.sin(step / 3) * box["height"] / 4, steps=2)
    page.mouse.up()
    image = page.input_value(f'input[name="{field}-image"]')
    assert image.startswith("data:image/png;base64,") and len(image) > 500, "the drawing reached the form"


def finalise(page: Any) -> None:
    wait_saved(page)
    with page.expect_navigation():
        page.get_by_role("button", name="Finaliser le document").click()
    assert page.get_by_role("heading", level=1).is_visible()
    errors = page.locator("[data-error-summary]")
    assert errors.count() == 0, errors.inner_text()
    assert "Document finalisé" in page.inner_text(".flashes")


def check_pdf(page: Any) -> bytes:
    """Download the signed PDF from a finalised document's page; return its bytes."""
    link = page.get_by_role("link", name="Télécharger le PDF signé")
    with page.expect_download() as download:
        link.click()
    pseudonym = page.inner_text("h1 .pseudonym").strip()
    number = re.search(r"Version (\d+) du document", page.inner_text(".document-meta"))
    assert number, "the page names the document's version"
    name = download.value.suggested_filename
    assert re.fullmatch(rf"{re.escape(pseudonym)}-[a-z_]+-v{number.group(1)}-[\w-]+\.pdf", name), name
    response = page.context.request.get(link.get_attribute("href"))
    assert response.status == 200
    assert response.headers["content-type"] == "application/pdf"
    disposition = response.headers["content-disposition"]
    assert re.fullmatch(rf'attachment; filename="?{re.escape(name)}"?', disposition), disposition
    assert response.headers["cache-control"] == "no-store"
    body = response.body()
    assert body.startswith(b"%PDF")
    return body
