"""Server-side SVG bar charts for the dashboard: no JavaScript, no external service.

Each chart is a horizontal bar chart whose category label sits above its bar, so that long French
labels stay readable on a tablet held upright. The current year is a solid bar with its value; the
previous year, when given, is a thin grey bar below it. The SVG is `role="img"` with a `<title>` and
a `<desc>` listing every value; the page also shows the same numbers in a table beside the chart.
"""

from __future__ import annotations

from collections.abc import Sequence
from xml.sax.saxutils import escape

from markupsafe import Markup

from app.indicators.summary import Row, format_number

WIDTH = 480
VALUE_SPACE = 64  # room after the longest bar for its value
LABEL_HEIGHT = 20
BAR_HEIGHT = 18
PREVIOUS_HEIGHT = 8
ROW_GAP = 14
LEGEND_HEIGHT = 30
CURRENT_COLOUR = "#1d4ed8"  # --accent: 6.7:1 on white
PREVIOUS_COLOUR = "#6b7080"  # 4.9:1 on white
TEXT_COLOUR = "#1b1b1f"


def _text(
    x: float, y: float, content: str, *, size: int = 15, weight: str | None = None, fill: str = TEXT_COLOUR
) -> str:
    bold = ' font-weight="700"' if weight else ""
    return f'<text x="{x:g}" y="{y:g}" font-size="{size}" fill="{fill}"{bold}>{escape(content)}</text>'


def _rect(x: float, y: float, width: float, height: float, fill: str) -> str:
    return f'<rect x="{x:g}" y="{y:g}" width="{width:.2f}" height="{height:g}" fill="{fill}"/>'


def _legend(year: int | str, previous_year: int | str | None) -> list[str]:
    parts = [_rect(0, 6, 16, 16, CURRENT_COLOUR), _text(22, 20, str(year), size=14)]
    if previous_year is not None:
        x = 40 + 9 * len(str(year))  # after the current period's label (a school year is longer)
        parts += [_rect(x, 10, 16, PREVIOUS_HEIGHT, PREVIOUS_COLOUR), _text(x + 22, 20, str(previous_year), size=14)]
    return parts


def _description(rows: Sequence[Row], year: int | str, previous_year: int | str | None) -> str:
    items = []
    for row in rows:
        item = f"{row.label} : {format_number(row.value)}"
        if previous_year is not None:
            item += f" ({previous_year} : {format_number(row.previous)})"
        items.append(item)
    return f"{year}. " + " ; ".join(items) + "."


def _number(value: int | float | str | None) -> float:
    """The length a value gives its bar: nothing for no value or a masked small count."""
    return value if isinstance(value, int | float) else 0


def bar_chart(
    chart_id: str, title: str, rows: Sequence[Row], year: int | str, previous_year: int | str | None = None
) -> Markup:
    """An accessible SVG bar chart of `rows` (values of `year`, and of `previous_year` when given)."""
    show_previous = previous_year is not None
    row_height = LABEL_HEIGHT + BAR_HEIGHT + (PREVIOUS_HEIGHT + 2 if show_previous else 0) + ROW_GAP
    height = LEGEND_HEIGHT + row_height * len(rows)
    largest = max([_number(row.value) for row in rows] + [_number(row.previous) for row in rows if show_previous] + [0])
    scale = (WIDTH - VALUE_SPACE) / largest if largest else 0.0

    parts = _legend(year, previous_year)
    y = float(LEGEND_HEIGHT)
    for row in rows:
        parts.append(_text(0, y + 15, row.label))
        bar_top = y + LABEL_HEIGHT
        length = _number(row.value) * scale
        parts.append(_rect(0, bar_top, length, BAR_HEIGHT, CURRENT_COLOUR))
        parts.append(_text(length + 6, bar_top + 14, format_number(row.value), weight="bold"))
        if show_previous:
            previous_top = bar_top + BAR_HEIGHT + 2
            previous_length = _number(row.previous) * scale
            parts.append(_rect(0, previous_top, previous_length, PREVIOUS_HEIGHT, PREVIOUS_COLOUR))
            parts.append(
                _text(previous_length + 6, previous_top + 8, format_number(row.previous), size=12, fill=PREVIOUS_COLOUR)
            )
        y += row_height

    safe_id = escape(chart_id, {'"': "&quot;"})
    title_id, desc_id = f"{safe_id}-titre", f"{safe_id}-desc"
    svg = (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {WIDTH} {height:g}" '
        f'role="img" aria-labelledby="{title_id} {desc_id}" focusable="false" font-family="DejaVu Sans, sans-serif">'
        f'<title id="{title_id}">{escape(title)}</title>'
        f'<desc id="{desc_id}">{escape(_description(rows, year, previous_year))}</desc>' + "".join(parts) + "</svg>"
    )
    return Markup(svg)  # noqa: S704  (every text above went through `escape`)
