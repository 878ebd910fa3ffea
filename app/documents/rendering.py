"""The PDF of a finalised document: plain data in, PDF/A-2b bytes out (no request, no session).

The caller (the form engine) turns a document and its form definition into a
`RenderableDocument`; this module only lays it out, in French, on A4.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, Image, KeepTogether, Paragraph, SimpleDocTemplate, Spacer, TableStyle
from reportlab.platypus import Table as RLTable

from app.dates import format_date, format_time
from app.documents.pdfa import FONT, FONT_BOLD, Metadata, flatten_png, make_pdfa, printable, register_fonts
from app.formengine.printable import Item, Printable, SignatureItem, Table
from app.i18n import _


@dataclass(frozen=True)
class Section:
    title: str
    items: list[Printable] = field(default_factory=list)


@dataclass(frozen=True)
class RenderableDocument:
    programme_name: str
    form_set_name: str
    form_set_version: str
    form_title: str
    form_id: str
    form_version: int
    document_id: str
    child_label: str
    finalised_at: datetime | None
    sections: list[Section] = field(default_factory=list)
    subject_label: str = "Enfant"  # what `child_label` names (a séance for the EPS relevé)
    statement: str = ""  # an attestation's sentence, filled in
    document_version: int = 1  # 1 for the first version, 2 for its correction...


MARGIN = 18 * mm
_GREY = colors.Color(0.35, 0.35, 0.35)
_RULE = colors.Color(0.75, 0.75, 0.75)
_SHADE = colors.Color(0.93, 0.93, 0.93)


@dataclass(frozen=True)
class _Styles:
    programme: ParagraphStyle
    title: ParagraphStyle
    meta: ParagraphStyle
    section: ParagraphStyle
    label: ParagraphStyle
    value: ParagraphStyle
    cell: ParagraphStyle
    header: ParagraphStyle
    small: ParagraphStyle


def _styles() -> _Styles:
    base = ParagraphStyle("base", fontName=FONT, fontSize=9.5, leading=12.5, textColor=colors.black)
    return _Styles(
        programme=ParagraphStyle("programme", base, fontName=FONT_BOLD, fontSize=11, leading=14, textColor=_GREY),
        title=ParagraphStyle("title", base, fontName=FONT_BOLD, fontSize=16, leading=20, spaceBefore=2, spaceAfter=4),
        meta=ParagraphStyle("meta", base, fontSize=9, leading=12, textColor=_GREY),
        section=ParagraphStyle("section", base, fontName=FONT_BOLD, fontSize=12, leading=15, spaceBefore=10),
        label=ParagraphStyle("label", base, fontName=FONT_BOLD),
        value=base,
        cell=ParagraphStyle("cell", base, fontSize=8.5, leading=11),
        header=ParagraphStyle("header", base, fontName=FONT_BOLD, fontSize=8.5, leading=11),
        small=ParagraphStyle("small", base, fontSize=8.5, leading=11, textColor=_GREY),
    )


def _text(value: str) -> str:
    """Paragraph markup for plain text: escaped, line breaks kept, undrawable glyphs replaced."""
    return escape(printable(value or "")).replace("\n", "<br/>")


def _para(value: str, style: ParagraphStyle) -> Paragraph:
    return Paragraph(_text(value), style)


def _when(moment: datetime | None) -> str:
    if moment is None:
        return ""
    return _("%(date)s à %(time)s (UTC)") % {"date": format_date(moment), "time": format_time(moment)}


def _grid(data: list[list[Any]], widths: list[float], header: bool) -> RLTable:
    table = RLTable(data, colWidths=widths, repeatRows=1 if header else 0, hAlign="LEFT")
    style = [
        ("FONTNAME", (0, 0), (-1, -1), FONT),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LINEBELOW", (0, 0), (-1, -1), 0.4, _RULE),
        ("LEFTPADDING", (0, 0), (-1, -1), 3),
        ("RIGHTPADDING", (0, 0), (-1, -1), 3),
    ]
    if header:
        style += [("BACKGROUND", (0, 0), (-1, 0), _SHADE), ("FONTNAME", (0, 0), (-1, 0), FONT_BOLD)]
    table.setStyle(TableStyle(style))
    return table


def _items(items: list[Item], styles: _Styles, width: float) -> RLTable:
    data = [[_para(item.label, styles.label), _para(item.value or "—", styles.value)] for item in items]
    return _grid(data, [width * 0.38, width * 0.62], header=False)


def _repeatable(table: Table, styles: _Styles, width: float) -> Flowable:
    if not table.columns:
        return Spacer(0, 0)
    columns = len(table.columns)
    data: list[list[Any]] = [[_para(c, styles.header) for c in table.columns]]
    for row in table.rows:
        cells = [*row, *[""] * columns][:columns]
        data.append([_para(cell, styles.cell) for cell in cells])
    if not table.rows:
        data.append([_para("Aucune ligne.", styles.small), *[""] * (columns - 1)])
    return _grid(data, [width / columns] * columns, header=True)


def _signature(item: SignatureItem, styles: _Styles, width: float, version: int) -> Flowable:
    parts: list[Flowable] = [_para(item.role, styles.label)]
    if item.png:
        image = Image(flatten_png(item.png))
        scale = min(60 * mm / image.imageWidth, 25 * mm / image.imageHeight, 1.0)
        image.drawWidth, image.drawHeight = image.imageWidth * scale, image.imageHeight * scale
        image.hAlign = "LEFT"
        parts.append(image)
    if item.signed_at is not None:
        line = _("Signé par %(name)s le %(moment)s") % {"name": item.signer_name, "moment": _when(item.signed_at)}
    elif item.paper_signed_on is not None:
        line = _("Signé sur papier par %(name)s le %(date)s") % {
            "name": item.signer_name,
            "date": format_date(item.paper_signed_on),
        }
    else:
        line = _("Non signé (%(name)s)") % {"name": item.signer_name} if item.signer_name else _("Non signé")
    if item.signed_at is not None or item.paper_signed_on is not None:
        # A correction starts unsigned: every signature shown was given on this version.
        line += " · " + _("signature de la version %(number)s de ce document") % {"number": version}
    parts.append(_para(line, styles.small))
    box = RLTable([[parts]], colWidths=[width], hAlign="LEFT")
    box.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), FONT),
                ("BOX", (0, 0), (-1, -1), 0.5, _RULE),
                ("TOPPADDING", (0, 0), (-1, -1), 4),
            ]
        )
    )
    return KeepTogether([box, Spacer(0, 3 * mm)])


def _section(section: Section, styles: _Styles, width: float, version: int) -> list[Flowable]:
    story: list[Flowable] = [_para(section.title, styles.section), Spacer(0, 2 * mm)]
    pending: list[Item] = []
    for item in [*section.items, None]:
        if isinstance(item, Item):
            pending.append(item)
            continue
        if pending:
            story.append(_items(pending, styles, width))
            pending = []
        if isinstance(item, Table):
            story += [_repeatable(item, styles, width), Spacer(0, 2 * mm)]
        elif isinstance(item, SignatureItem):
            story.append(_signature(item, styles, width, version))
    return story


def _header(doc: RenderableDocument, styles: _Styles) -> list[Flowable]:
    meta = f"{doc.form_set_name} (version {doc.form_set_version}) · {doc.subject_label} : {doc.child_label}"
    if doc.finalised_at is not None:
        meta += " · " + _("Finalisé le %(moment)s") % {"moment": _when(doc.finalised_at)}
    if doc.document_version > 1:
        meta += " · " + _("Version %(number)s de ce document (correction de la version %(previous)s)") % {
            "number": doc.document_version,
            "previous": doc.document_version - 1,
        }
    story = [_para(doc.programme_name, styles.programme), _para(doc.form_title, styles.title), _para(meta, styles.meta)]
    if doc.statement:
        story += [Spacer(0, 3 * mm), _para(doc.statement, styles.value)]
    return story


class _FooterCanvas(Canvas):
    """Draws « Document … · page n/N » once the page count is known, then makes the file PDF/A."""

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


def render_pdf(doc: RenderableDocument) -> bytes:
    """Lay the document out on A4 and return a PDF/A-2b file (unsigned)."""
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
        title=printable(doc.form_title),
        author=printable(doc.programme_name),
        lang="fr-FR",
    )
    width = A4[0] - 2 * MARGIN
    story = [*_header(doc, styles), Spacer(0, 4 * mm)]
    for section in doc.sections:
        story += _section(section, styles, width, doc.document_version)
    footer = f"Document {doc.document_id} · {doc.form_title} (formulaire version {doc.form_version})"
    meta = Metadata(
        title=f"{doc.form_title} — document {doc.document_id}",
        author=doc.programme_name,
        subject=f"{doc.form_title}, version {doc.form_version}",
        created=datetime.now(UTC),
    )
    template.build(story, canvasmaker=partial(_FooterCanvas, footer=footer, meta=meta))
    return out.getvalue()
