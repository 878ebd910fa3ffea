"""The one A4 layout of Parcours' PDFs: styles, paragraphs, grids, and the page template whose
footer reads « … · page n/N » and whose file is PDF/A-2b (`app.documents.pdfa`).

Documents (`rendering`), programme sheets (`app.retention.pdf`) and every other PDF build their
story from these pieces, so they look alike and are PDF/A by the same code.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from functools import partial
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, Paragraph, SimpleDocTemplate, Table, TableStyle

from app.documents.pdfa import FONT, FONT_BOLD, Metadata, make_pdfa, printable, register_fonts

MARGIN = 18 * mm
WIDTH = A4[0] - 2 * MARGIN  # the text width
GREY = colors.Color(0.35, 0.35, 0.35)
RULE = colors.Color(0.75, 0.75, 0.75)
SHADE = colors.Color(0.93, 0.93, 0.93)


@dataclass(frozen=True)
class Styles:
    programme: ParagraphStyle
    title: ParagraphStyle
    meta: ParagraphStyle
    section: ParagraphStyle
    label: ParagraphStyle
    value: ParagraphStyle
    body: ParagraphStyle
    cell: ParagraphStyle
    header: ParagraphStyle
    small: ParagraphStyle


def styles() -> Styles:
    base = ParagraphStyle("base", fontName=FONT, fontSize=9.5, leading=12.5, textColor=colors.black)
    return Styles(
        programme=ParagraphStyle("programme", base, fontName=FONT_BOLD, fontSize=11, leading=14, textColor=GREY),
        title=ParagraphStyle("title", base, fontName=FONT_BOLD, fontSize=16, leading=20, spaceBefore=2, spaceAfter=4),
        meta=ParagraphStyle("meta", base, fontSize=9, leading=12, textColor=GREY),
        section=ParagraphStyle("section", base, fontName=FONT_BOLD, fontSize=12, leading=15, spaceBefore=10),
        label=ParagraphStyle("label", base, fontName=FONT_BOLD),
        value=base,
        body=ParagraphStyle("body", base, spaceAfter=4),
        cell=ParagraphStyle("cell", base, fontSize=8.5, leading=11),
        header=ParagraphStyle("header", base, fontName=FONT_BOLD, fontSize=8.5, leading=11),
        small=ParagraphStyle("small", base, fontSize=8.5, leading=11, textColor=GREY),
    )


def para(value: str, style: ParagraphStyle) -> Paragraph:
    """A paragraph of plain text: escaped, line breaks kept, undrawable glyphs replaced."""
    return Paragraph(escape(printable(value or "")).replace("\n", "<br/>"), style)


def grid(data: list[list[Any]], widths: list[float], header: bool) -> Table:
    """A ruled table, its first row shaded and repeated on each page when `header`."""
    table = Table(data, colWidths=widths, repeatRows=1 if header else 0, hAlign="LEFT")
    style = [
        ("FONTNAME", (0, 0), (-1, -1), FONT),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LINEBELOW", (0, 0), (-1, -1), 0.4, RULE),
        ("LEFTPADDING", (0, 0), (-1, -1), 3),
        ("RIGHTPADDING", (0, 0), (-1, -1), 3),
    ]
    if header:
        style += [("BACKGROUND", (0, 0), (-1, 0), SHADE), ("FONTNAME", (0, 0), (-1, 0), FONT_BOLD)]
    table.setStyle(TableStyle(style))
    return table


def facts(rows: list[tuple[str, str]], style: Styles) -> Table:
    """(label, value) pairs as a two-column grid; an empty value reads « — »."""
    data = [[para(label, style.label), para(value or "—", style.value)] for label, value in rows]
    return grid(data, [WIDTH * 0.38, WIDTH * 0.62], header=False)


class _FooterCanvas(Canvas):
    """Draws « footer · page n/N » once the page count is known, then makes the file PDF/A."""

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
            self.setFillColor(GREY)
            self.drawRightString(A4[0] - MARGIN, 10 * mm, printable(f"{self._footer} · page {number}/{total}"))
            super().showPage()
        make_pdfa(self, self._meta)
        super().save()


def build_pdf(story: list[Flowable], meta: Metadata, footer: str) -> bytes:
    """Lay `story` out on A4 pages with the footer; a PDF/A-2b file, unsigned."""
    register_fonts()
    out = io.BytesIO()
    template = SimpleDocTemplate(
        out,
        pagesize=A4,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=MARGIN + 4 * mm,
        initialFontName=FONT,
        title=printable(meta.title),
        author=printable(meta.author),
        lang="fr-FR",
    )
    template.build(story, canvasmaker=partial(_FooterCanvas, footer=footer, meta=meta))
    return out.getvalue()
