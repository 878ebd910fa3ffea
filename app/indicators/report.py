"""The annual report (bilan annuel) as a PDF in French, built with ReportLab from a result dict.

Plain data in, bytes out: no request, no database. Every text uses the Bitstream Vera TrueType
fonts shipped with ReportLab, registered here and embedded (subset) in the PDF; no standard
Type 1 font (Helvetica...) is ever referenced, not even as the canvas' initial font.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from datetime import date
from functools import cache
from io import BytesIO
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import reportlab
from reportlab.graphics.charts.barcharts import HorizontalBarChart
from reportlab.graphics.charts.legends import Legend
from reportlab.graphics.shapes import Drawing
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import cm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    Flowable,
    KeepTogether,
    PageBreak,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from app.dates import format_date
from app.i18n import _
from app.indicators.sections import sections
from app.indicators.summary import (
    BREAKDOWNS,
    COUNTING_RULES,
    MASKED_NOTE,
    SECTIONS,
    SMALL_COUNTS_NOTE,
    Breakdown,
    Row,
    breakdown_rows,
    format_difference,
    format_number,
    key_figure_rows,
    reading,
)
from app.nomenclature import nomenclature

FONT_DIR = Path(reportlab.__file__).resolve().parent / "fonts"
FONTS = {"Vera": "Vera.ttf", "Vera-Bold": "VeraBd.ttf", "Vera-Italic": "VeraIt.ttf", "Vera-BoldItalic": "VeraBI.ttf"}
BODY, BOLD = "Vera", "Vera-Bold"
ACCENT = colors.HexColor("#1d4ed8")
PREVIOUS = colors.HexColor("#8b8fa3")
TINT = colors.HexColor("#f3f4f8")
LINE = colors.HexColor("#c9cbd6")
CONTENT_WIDTH = A4[0] - 4 * cm


@cache
def register_fonts() -> None:
    for name, filename in FONTS.items():
        pdfmetrics.registerFont(TTFont(name, str(FONT_DIR / filename)))
    pdfmetrics.registerFontFamily(BODY, normal=BODY, bold=BOLD, italic="Vera-Italic", boldItalic="Vera-BoldItalic")


@cache
def _styles() -> dict[str, ParagraphStyle]:
    body = ParagraphStyle("body", fontName=BODY, bulletFontName=BODY, fontSize=10, leading=14, spaceAfter=4)
    return {
        "title": ParagraphStyle("title", body, fontName=BOLD, fontSize=24, leading=30, spaceAfter=8),
        "subtitle": ParagraphStyle("subtitle", body, fontSize=14, leading=19, spaceAfter=4),
        "h2": ParagraphStyle(
            "h2", body, fontName=BOLD, fontSize=15, leading=20, spaceBefore=14, spaceAfter=6, keepWithNext=1
        ),
        "h3": ParagraphStyle(
            "h3", body, fontName=BOLD, fontSize=11.5, leading=15, spaceBefore=10, spaceAfter=4, keepWithNext=1
        ),
        "body": body,
        "bullet": ParagraphStyle("bullet", body, leftIndent=12, bulletIndent=0),
        "note": ParagraphStyle("note", body, fontName="Vera-Italic", fontSize=9, leading=12),
        "cell": ParagraphStyle("cell", body, fontSize=9, leading=11, spaceAfter=0),
        "head": ParagraphStyle("head", body, fontName=BOLD, fontSize=9, leading=11, spaceAfter=0),
        "number": ParagraphStyle("number", body, fontSize=9, leading=11, spaceAfter=0, alignment=TA_CENTER),
    }


def _p(text: str, style: str) -> Paragraph:
    return Paragraph(escape(text), _styles()[style])


def paragraph(text: str, style: str) -> Paragraph:
    """A paragraph of the report's styles (`h2`, `body`, `note`...), escaped."""
    register_fonts()
    return _p(text, style)


def _table(header: Sequence[str], rows: Sequence[Row], first_width: float) -> Table:
    number_width = (CONTENT_WIDTH - first_width) / 3
    data: list[list[Any]] = [[_p(header[0], "head")] + [_p(text, "head") for text in header[1:]]]
    for row in rows:
        data.append(
            [
                _p(row.label, "cell"),
                _p(format_number(row.value), "number"),
                _p(format_number(row.previous), "number"),
                _p(format_difference(row.difference), "number"),
            ]
        )
    table = Table(data, colWidths=[first_width] + [number_width] * 3, repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), BODY),
                ("BACKGROUND", (0, 0), (-1, 0), TINT),
                ("LINEBELOW", (0, 0), (-1, -1), 0.5, LINE),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("TOPPADDING", (0, 0), (-1, -1), 3),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
            ]
        )
    )
    return table


def figure_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> Table:
    """A plain table of figures: a label column, then one number column per header entry."""
    first_width = 5 * cm
    width = (CONTENT_WIDTH - first_width) / max(1, len(header) - 1)
    data = [[_p(text, "head") for text in header]]
    data += [[_p(row[0], "cell"), *(_p(text, "number") for text in row[1:])] for row in rows]
    table = Table(data, colWidths=[first_width] + [width] * (len(header) - 1), repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), BODY),
                ("BACKGROUND", (0, 0), (-1, 0), TINT),
                ("LINEBELOW", (0, 0), (-1, -1), 0.5, LINE),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ]
        )
    )
    return table


def _header(year: int | str, previous_year: int | str | None, first: str) -> list[str]:
    return [first, str(year), str(previous_year) if previous_year else "—", _("Évolution")]


def _value_axis(largest: float) -> tuple[float, float]:
    step = max(1, math.ceil(largest / 5))
    return step, step * max(1, math.ceil(largest / step))


def _chart(rows: Sequence[Row], year: int | str, previous_year: int | str | None) -> Drawing:
    """Horizontal bars, the first category on top; the previous year as a grey bar under each."""
    # Within a category, series 0 is drawn lowest: the previous year first puts the current one on top.
    shown = [[row.value for row in reversed(rows)]]
    if previous_year is not None:
        shown.insert(0, [row.previous for row in reversed(rows)])
    # A masked small count (« < 5 ») is drawn as an empty bar labelled as in the table.
    series = [[value if isinstance(value, int | float) else 0 for value in values] for values in shown]
    per_category = 9 * len(series) + 8
    height = per_category * len(rows) + 40
    drawing = Drawing(CONTENT_WIDTH, height)
    drawing.initialFontName = BODY  # the graphics state default would otherwise reference Helvetica
    chart = HorizontalBarChart()
    chart.x, chart.y = 5.2 * cm, 22
    chart.width, chart.height = CONTENT_WIDTH - 5.2 * cm - 30, height - 30
    chart.data = series
    chart.categoryAxis.categoryNames = [row.label for row in reversed(rows)]
    chart.categoryAxis.labels.fontName = BODY
    chart.categoryAxis.labels.fontSize = 8
    chart.categoryAxis.labels.boxAnchor = "e"
    chart.categoryAxis.labels.dx = -4
    step, top = _value_axis(max([value for values in series for value in values] + [0]))
    chart.valueAxis.valueMin, chart.valueAxis.valueMax, chart.valueAxis.valueStep = 0, top, step
    chart.valueAxis.labels.fontName = BODY
    chart.valueAxis.labels.fontSize = 7
    chart.valueAxis.labelTextFormat = "%d"
    chart.barLabelFormat = "values"
    chart.barLabelArray = [[format_number(value if value is not None else 0) for value in values] for values in shown]
    chart.barLabels.fontName = BODY
    chart.barLabels.fontSize = 7
    chart.barLabels.boxAnchor = "w"
    chart.barLabels.dx = 3
    chart.barSpacing = 1
    for index, colour in enumerate([PREVIOUS, ACCENT] if previous_year is not None else [ACCENT]):
        chart.bars[index].fillColor = colour
        chart.bars[index].strokeColor = None
    drawing.add(chart)
    legend = Legend()
    legend.fontName = BODY
    legend.fontSize = 8
    legend.x, legend.y = 5.2 * cm, 8
    legend.alignment = "right"
    legend.columnMaximum = 1
    legend.colorNamePairs = [(ACCENT, str(year))] + ([(PREVIOUS, str(previous_year))] if previous_year else [])
    drawing.add(legend)
    return drawing


def _breakdown(
    item: Breakdown, result: Mapping[str, Any], previous: Mapping[str, Any] | None, heading: list[Flowable]
) -> Flowable:
    year = result["annee"]
    previous_year = previous["annee"] if previous else None
    rows = breakdown_rows(result, previous, item)
    return KeepTogether(
        [
            *heading,
            _p(item.title, "h3"),
            _table(_header(year, previous_year, _("Catégorie")), rows, 7 * cm),
            Spacer(1, 6),
            _chart(rows, year, previous_year),
        ]
    )


def _extra_sections(result: Mapping[str, Any], previous: Mapping[str, Any] | None) -> list[Flowable]:
    """EPS activity, collective actions, outcomes and programme data: a table and a chart per block."""
    year = result["annee"]
    previous_year = previous["annee"] if previous else None
    story: list[Flowable] = []
    for section in sections(result, previous):
        heading: list[Flowable] = [_p(section.heading, "h2")]
        notes = [_p(note, "body") for note in section.notes]
        if not section.blocks:
            story.append(KeepTogether([*heading, *notes]))
            continue
        for index, block in enumerate(section.blocks):
            parts = [
                *(heading if index == 0 else []),
                _p(block.title, "h3"),
                _table(_header(year, previous_year, _("Indicateur")), block.rows, 7 * cm),
                Spacer(1, 6),
                _chart(block.rows, year, previous_year),
            ]
            story.append(KeepTogether(parts))
        story += notes
    return story


def _front(result: Mapping[str, Any], previous: Mapping[str, Any] | None, programme_name: str) -> list[Flowable]:
    year = result["annee"]
    previous_year = previous["annee"] if previous else None
    story: list[Flowable] = [
        _p(_("Bilan annuel %(year)s") % {"year": year}, "title"),
        _p(programme_name, "subtitle"),
        _p(_("Programme de Réussite Éducative · période %(year)s") % {"year": year}, "body"),
        _p(_("Document produit par Parcours le %(date)s.") % {"date": format_date(date.today())}, "note"),
        _p(_("Chiffres clés"), "h2"),
        _table(_header(year, previous_year, _("Indicateur")), key_figure_rows(result, previous), 8 * cm),
        _p(_("Lecture des évolutions"), "h2"),
    ]
    if previous_year is not None:
        story.append(_p(_("Comparaison avec l'année %(year)s.") % {"year": previous_year}, "body"))
    story += [
        Paragraph(escape(sentence), _styles()["bullet"], bulletText="•") for sentence in reading(result, previous)
    ]
    return story


def _annex(masked: bool) -> list[Flowable]:
    story: list[Flowable] = [PageBreak(), _p(_("Annexe — Règles de comptage"), "h2")]
    for title, text in COUNTING_RULES:
        story.append(Paragraph(f"<b>{escape(title)}.</b> {escape(text)}", _styles()["body"]))
    story.append(_p(_("Nomenclature des codes : version %(version)d.") % {"version": nomenclature().version}, "body"))
    story += [Spacer(1, 8), _p(MASKED_NOTE if masked else SMALL_COUNTS_NOTE, "note")]
    return story


def _footer(programme_name: str, year: int | str) -> Callable[[Canvas, Any], None]:
    def draw(canvas: Canvas, doc: Any) -> None:
        canvas.saveState()
        canvas.setFont(BODY, 8)
        canvas.setFillColor(colors.HexColor("#4a4a55"))
        text = _("Parcours · %(programme)s · bilan %(year)s · page %(page)d") % {
            "programme": programme_name,
            "year": year,
            "page": doc.page,
        }
        canvas.drawCentredString(A4[0] / 2, 1.2 * cm, text)
        canvas.restoreState()

    return draw


def build_report(
    result: Mapping[str, Any],
    previous: Mapping[str, Any] | None,
    programme_name: str,
    extra: Sequence[Flowable] = (),
) -> bytes:
    """The PDF of the annual report of `result`, compared with `previous` (the year before) when given;
    `extra` flowables (a network's table by programme) follow the key figures."""
    register_fonts()
    year = result["annee"]
    buffer = BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=2 * cm,
        rightMargin=2 * cm,
        topMargin=2 * cm,
        bottomMargin=2 * cm,
        title=_("Bilan annuel %(year)s — %(programme)s") % {"year": year, "programme": programme_name},
        author=programme_name,
        subject=_("Indicateurs annuels du Programme de Réussite Éducative"),
        creator="Parcours",
        lang="fr-FR",
        initialFontName=BODY,
    )
    story = [*_front(result, previous, programme_name), *extra]
    for heading, section in SECTIONS:
        items = [item for item in BREAKDOWNS if item.path.startswith(section + ".")]
        # The section heading travels with its first table, never alone at the foot of a page.
        story += [
            _breakdown(item, result, previous, [_p(heading, "h2")] if index == 0 else [])
            for index, item in enumerate(items)
        ]
    story += _extra_sections(result, previous)
    story += _annex(result.get("diffusion") == "externe")
    footer = _footer(programme_name, year)
    document.build(story, onFirstPage=footer, onLaterPages=footer)
    return buffer.getvalue()
