"""Programme-level PDFs (bordereau d'élimination, information notice): plain data in, sealed PDF/A out.

Laid out with the same embedded fonts and PDF/A-2b plumbing as the documents, and sealed (PAdES)
with the programme's certificate like every other PDF of Parcours.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from typing import Any
from xml.sax.saxutils import escape

from flask import current_app
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from app.documents.pdfa import FONT, FONT_BOLD, Metadata, make_pdfa, printable, register_fonts
from app.signing.keys import ensure_certificate
from app.signing.sealer import seal_pdf, signer_for
from app.users.models import Programme

MARGIN = 18 * mm
_GREY = colors.Color(0.35, 0.35, 0.35)
_RULE = colors.Color(0.75, 0.75, 0.75)
_SHADE = colors.Color(0.93, 0.93, 0.93)


@dataclass(frozen=True)
class Block:
    """A titled part: paragraphs, then (label, value) facts, then a table with a header row."""

    title: str
    paragraphs: list[str] = field(default_factory=list)
    facts: list[tuple[str, str]] = field(default_factory=list)
    columns: list[str] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)


@dataclass(frozen=True)
class Sheet:
    programme_name: str
    title: str
    subtitle: str
    reference: str  # printed in the footer of every page
    blocks: list[Block] = field(default_factory=list)


def _styles() -> dict[str, ParagraphStyle]:
    base = ParagraphStyle("base", fontName=FONT, fontSize=9.5, leading=12.5)
    return {
        "programme": ParagraphStyle("programme", base, fontName=FONT_BOLD, fontSize=11, leading=14, textColor=_GREY),
        "title": ParagraphStyle("title", base, fontName=FONT_BOLD, fontSize=16, leading=20, spaceAfter=4),
        "meta": ParagraphStyle("meta", base, fontSize=9, leading=12, textColor=_GREY),
        "section": ParagraphStyle("section", base, fontName=FONT_BOLD, fontSize=12, leading=15, spaceBefore=10),
        "body": ParagraphStyle("body", base, spaceAfter=4),
        "label": ParagraphStyle("label", base, fontName=FONT_BOLD),
        "cell": ParagraphStyle("cell", base, fontSize=8.5, leading=11),
        "header": ParagraphStyle("header", base, fontName=FONT_BOLD, fontSize=8.5, leading=11),
    }


def _para(text: str, style: ParagraphStyle) -> Paragraph:
    return Paragraph(escape(printable(text or "")).replace("\n", "<br/>"), style)


def _grid(data: list[list[Any]], widths: list[float], header: bool) -> Table:
    table = Table(data, colWidths=widths, repeatRows=1 if header else 0, hAlign="LEFT")
    style = [
        ("FONTNAME", (0, 0), (-1, -1), FONT),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LINEBELOW", (0, 0), (-1, -1), 0.4, _RULE),
    ]
    if header:
        style.append(("BACKGROUND", (0, 0), (-1, 0), _SHADE))
    table.setStyle(TableStyle(style))
    return table


def _block(block: Block, styles: dict[str, ParagraphStyle], width: float) -> list[Flowable]:
    story: list[Flowable] = [_para(block.title, styles["section"]), Spacer(0, 2 * mm)]
    story += [_para(text, styles["body"]) for text in block.paragraphs]
    if block.facts:
        data = [[_para(label, styles["label"]), _para(value or "—", styles["body"])] for label, value in block.facts]
        story.append(_grid(data, [width * 0.38, width * 0.62], header=False))
    if block.columns:
        data = [[_para(c, styles["header"]) for c in block.columns]]
        data += [[_para(cell, styles["cell"]) for cell in row] for row in block.rows]
        story.append(_grid(data, [width / len(block.columns)] * len(block.columns), header=True))
    return story


class _FooterCanvas(Canvas):
    def __init__(self, *args: Any, footer: str, meta: Metadata, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._footer = footer
        self._meta = meta
        self._pages: list[dict[str, Any]] = []

    def showPage(self) -> None:
        self._pages.append(dict(self.__dict__))
        self._startPage()

    def save(self) -> None:
        total = len(self._pages)
        for number, state in enumerate(self._pages, start=1):
            self.__dict__.update(state)
            self.setFont(FONT, 8)
            self.setFillColor(_GREY)
            self.drawRightString(A4[0] - MARGIN, 10 * mm, printable(f"{self._footer} · page {number}/{total}"))
            super().showPage()
        make_pdfa(self, self._meta)
        super().save()


def render_sheet(sheet: Sheet) -> bytes:
    """Lay the sheet out on A4; a PDF/A-2b file, unsigned."""
    register_fonts()
    styles = _styles()
    out = io.BytesIO()
    template = SimpleDocTemplate(
        out,
        pagesize=A4,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=MARGIN + 4 * mm,
        initialFontName=FONT,
        title=printable(sheet.title),
        author=printable(sheet.programme_name),
        lang="fr-FR",
    )
    width = A4[0] - 2 * MARGIN
    story: list[Flowable] = [
        _para(sheet.programme_name, styles["programme"]),
        _para(sheet.title, styles["title"]),
        _para(sheet.subtitle, styles["meta"]),
    ]
    for block in sheet.blocks:
        story += _block(block, styles, width)
    meta = Metadata(title=sheet.title, author=sheet.programme_name, subject=sheet.reference, created=datetime.now(UTC))
    template.build(story, canvasmaker=partial(_FooterCanvas, footer=sheet.reference, meta=meta))
    return out.getvalue()


def sealed_sheet(programme: Programme, sheet: Sheet, reason: str) -> bytes:
    """Render and seal with the programme's certificate (created on first use)."""
    settings = current_app.config["PARCOURS"]
    ensure_certificate(settings.keys_path, programme.code, programme.name)
    signer = signer_for(settings.keys_path, programme.code)
    tsa_url = settings.extra.get("tsa_url") or None
    return seal_pdf(render_sheet(sheet), signer, name=programme.name, tsa_url=tsa_url, reason=reason)
