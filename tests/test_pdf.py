"""The PDF of a finalised document: layout in French, PDF/A-2b structure (checked, not assumed)."""

from __future__ import annotations

import io
import subprocess
from datetime import date, datetime
from pathlib import Path

import pikepdf
import pikepdf.pdfa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image, ImageDraw
from sqlalchemy.orm import Session

from app.children.models import Child
from app.documents.models import Document
from app.documents.rendering import Item, RenderableDocument, Section, SignatureItem, Table, render_pdf
from app.documents.sealing import seal_finalised
from tests import factories

MARKER = "Zyxwquartz"


def signature_png() -> bytes:
    image = Image.new("RGBA", (300, 100), (0, 0, 0, 0))
    ImageDraw.Draw(image).line([(10, 80), (100, 20), (200, 70), (290, 10)], fill=(0, 0, 90, 255), width=4)
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def sample_renderable(
    document_id: str = "DOC-TEST", child_label: str = "Fatima Ahamada", **kw: object
) -> RenderableDocument:
    values: dict[str, object] = {
        "programme_name": "PRE de Mamoudzou",
        "form_set_name": "Documents harmonisés des PRE",
        "form_set_version": "1",
        "form_title": "Fiche de suivi",
        "form_id": "suivi",
        "form_version": 1,
        "document_id": document_id,
        "child_label": child_label,
        "finalised_at": datetime(2025, 6, 2, 9, 30),
        "sections": [
            Section(
                "Situation",
                [Item("Établissement", "Collège « Les Œillets »"), Item("Observations", "Ligne 1\nLigne 2 & <b>")],
            ),
            Section(
                "Actions",
                [Table(["Action", "Date", "Commentaire"], [["Soutien scolaire", "01/02/2025", "x " * 120]] * 30)],
            ),
            Section("Groupe vide", [Table(["Intervenant"], [])]),
            Section(
                "Signatures",
                [
                    SignatureItem("Responsable légal", "Sophie Martin", datetime(2025, 6, 1, 17, 5), signature_png()),
                    SignatureItem("Référent·e", "Jean Dupont", None, None, date(2025, 5, 30)),
                    SignatureItem("Coordination", "", None, None, None),
                ],
            ),
        ],
    }
    values.update(kw)
    return RenderableDocument(**values)  # type: ignore[arg-type]


def renderable_for(document: Document) -> RenderableDocument:
    return sample_renderable(document.public_id, form_id=document.form_id, form_version=document.form_version)


def make_finalised_document(
    session: Session,
    child: Child,
    *,
    form_id: str = "suivi",
    finalised_at: datetime = datetime(2025, 6, 2, 9, 30),
    seal: bool = True,
    child_label: str | None = None,
) -> Document:
    """A finalised document with encrypted answers, sealed unless `seal` is False."""
    parcours = child.parcours[0] if child.parcours else factories.make_parcours(session, child)
    document = factories.make_document(
        session, parcours, form_id=form_id, answers={"observations": "ok"}, at=finalised_at
    )
    if seal:
        renderable = renderable_for(document)
        if child_label is not None:
            renderable = sample_renderable(document.public_id, child_label=child_label, form_id=form_id)
        seal_finalised(session, document, renderable)
    return document


def pdfa_findings(pdf: bytes) -> list[str]:
    report = pikepdf.pdfa.validate_written(io.BytesIO(pdf), "2b")
    return [str(finding) for finding in report.findings]


def fonts_of(pdf: pikepdf.Pdf) -> list[pikepdf.Dictionary]:
    fonts = []
    for page in pdf.pages:
        resources = page.obj.get("/Resources", {})
        for font in resources.get("/Font", {}).values():
            fonts.append(font)
    return fonts


def pdf_text(pdf: bytes, tmp_path: Path) -> str:
    path = tmp_path / "doc.pdf"
    path.write_bytes(pdf)
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True, text=True).stdout


def test_document_pdf_passes_the_pdfa_2b_validator() -> None:
    assert pdfa_findings(render_pdf(sample_renderable())) == []


def test_every_font_is_an_embedded_truetype_and_never_helvetica() -> None:
    with pikepdf.open(io.BytesIO(render_pdf(sample_renderable()))) as pdf:
        fonts = fonts_of(pdf)
        assert fonts
        for font in fonts:
            assert font.Subtype == "/TrueType"
            assert "Helvetica" not in str(font.BaseFont)
            assert "/FontFile2" in font.FontDescriptor
        raw = b"".join(page.Contents.read_bytes() for page in pdf.pages)
    assert b"Helvetica" not in raw


def test_xmp_declares_pdfa_2b_and_an_srgb_output_intent_is_embedded() -> None:
    with pikepdf.open(io.BytesIO(render_pdf(sample_renderable()))) as pdf:
        meta = pdf.open_metadata()
        assert meta["pdfaid:part"] == "2"
        assert meta["pdfaid:conformance"] == "B"
        assert "/Filter" not in pdf.Root.Metadata
        [intent] = list(pdf.Root.OutputIntents)
        assert intent.S == "/GTS_PDFA1"
        profile = intent.DestOutputProfile
        assert profile.N == 3
        assert profile.read_bytes()[36:40] == b"acsp"  # an ICC profile
        assert profile.read_bytes()[16:20] == b"RGB "


def test_layout_shows_header_sections_tables_signatures_and_numbered_footer(tmp_path: Path) -> None:
    text = pdf_text(render_pdf(sample_renderable("DOC-42")), tmp_path)
    for expected in (
        "PRE de Mamoudzou",
        "Fiche de suivi",
        "Enfant : Fatima Ahamada",
        "Collège « Les Œillets »",
        "Soutien scolaire",
        "Aucune ligne.",
        "Signé par Sophie Martin le 01/06/2025 à 17:05",
        "Signé sur papier par Jean Dupont le 30/05/2025",
        "Non signé",
        "Document DOC-42 · Fiche de suivi (formulaire version 1) · page 1/4",
        "signature de la version 1 de ce document",
        "page 4/4",
    ):
        assert expected in text, expected


def test_drawn_signature_is_an_opaque_image() -> None:
    with pikepdf.open(io.BytesIO(render_pdf(sample_renderable()))) as pdf:
        images = [x for page in pdf.pages for x in page.get_images().values()]
        assert len(images) == 1
        assert "/SMask" not in images[0]


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(min_size=1, max_size=60))
def test_any_answer_text_keeps_the_file_pdfa(value: str) -> None:
    doc = sample_renderable(sections=[Section("Réponses", [Item(value, value), Table([value], [[value]])])])
    assert pdfa_findings(render_pdf(doc)) == []


def test_sealed_pdf_stays_pdfa_and_is_stored_encrypted(session: Session, world: factories.World) -> None:
    child = factories.make_child(session, world.programme, world.referent, nom=MARKER)
    document = make_finalised_document(session, child, child_label=f"{MARKER} Léa")
    stored = document.content.pdf
    assert stored is not None and MARKER.encode() not in stored
    from app.documents.sealing import read_sealed_pdf

    sealed = read_sealed_pdf(document)
    assert sealed.startswith(b"%PDF-")
    with pikepdf.open(io.BytesIO(sealed)) as pdf:
        assert pdf.open_metadata()["pdfaid:part"] == "2"
        text = b"".join(page.Contents.read_bytes() for page in pdf.pages)
    assert text  # the content survived the incremental update
    # The only finding left is the validator declining to vouch for the signature form field.
    remaining = [f for f in pdfa_findings(sealed) if "/AcroForm" not in f]
    assert remaining == []
