"""Pure parsing and validation of an import file (format in INTERFACES.md); no database here.

`parse(data, today)` never raises on any input: it returns the rows it understood and every
problem found, each tied to the physical line of the file (header = line 1) and a column name.
The checks that need the database (referent accounts, children already known) are in `services`.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from app.i18n import _
from app.imports.rows import (
    COLUMNS,
    REQUIRED,
    WHOLE_LINE,
    ImportIssue,
    ImportRow,
    RowFacts,
    check_rows,
    row,
    sort_issues,
)


@dataclass
class ParseResult:
    rows: list[ImportRow]  # empty when there is any issue
    issues: list[ImportIssue]
    rows_read: int = 0  # data rows in the file, valid or not
    warnings: list[str] = field(default_factory=list)  # French, shown in the preview


EXCEL_ENCODING = "cp1252"
SAVE_AS_UTF8 = _(
    "le fichier n'est ni en UTF-8 ni en Windows-1252 (caractère illisible). Dans Excel : Fichier > "
    "Enregistrer sous > type « CSV UTF-8 (délimité par des virgules) » ; dans LibreOffice : Enregistrer "
    "sous > CSV, jeu de caractères « Unicode (UTF-8) »"
)
READ_AS_EXCEL = _(
    "Fichier lu en Windows-1252 (CSV enregistré par Excel) : vérifiez les accents dans l'aperçu. "
    "Pour éviter cette conversion, enregistrez-le en « CSV UTF-8 »."
)


def _decode(data: bytes) -> tuple[str | None, ImportIssue | None, list[str]]:
    """The file's text: UTF-8 (BOM allowed), else Windows-1252 as Excel writes it (with a warning)."""
    try:
        return data.decode("utf-8-sig"), None, []
    except UnicodeDecodeError as error:
        try:
            return data.decode(EXCEL_ENCODING), None, [READ_AS_EXCEL]
        except UnicodeDecodeError:
            line = data[: error.start].count(b"\n") + 1
            return None, ImportIssue(line, WHOLE_LINE, SAVE_AS_UTF8), []


def _delimiter(header_line: str) -> str:
    return ";" if header_line.count(";") >= header_line.count(",") else ","


def _records(text: str, delimiter: str) -> Iterable[tuple[int, list[str]]]:
    """(first physical line, cells) of every record; raises csv.Error on a malformed file."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    previous_end = 0
    for cells in reader:
        yield previous_end + 1, cells
        previous_end = reader.line_num


def _check_header(cells: list[str]) -> tuple[dict[str, int], list[ImportIssue], bool]:
    """Column positions, header issues, and whether the rows can still be read."""
    issues: list[ImportIssue] = []
    positions: dict[str, int] = {}
    usable = True
    for index, raw in enumerate(cells):
        name = raw.strip().lower()
        if name in positions:
            issues.append(ImportIssue(1, name, _("colonne en double dans l'en-tête")))
            usable = False
        elif name in COLUMNS:
            positions[name] = index
        elif name:
            issues.append(ImportIssue(1, raw.strip(), "colonne inconnue (voir le format d'import)"))
    for name in REQUIRED:
        if name not in positions:
            issues.append(ImportIssue(1, name, _("colonne obligatoire absente de l'en-tête")))
            usable = False
    return positions, issues, usable


def parse(data: bytes, today: date | None = None) -> ParseResult:
    """Read and check a whole import file; every problem is reported, nothing raises."""
    today = today or date.today()
    text, issue, warnings = _decode(data)
    if text is None:
        return ParseResult([], [issue] if issue else [])
    if not text.strip():
        return ParseResult([], [ImportIssue(1, WHOLE_LINE, _("fichier vide : une ligne d'en-tête est attendue"))])
    delimiter = _delimiter(text.split("\n", 1)[0])
    rows: list[ImportRow] = []
    issues: list[ImportIssue] = []
    positions: dict[str, int] = {}
    read = 0
    facts: list[RowFacts] = []
    records = _records(text, delimiter)
    try:
        _line, header = next(iter(records))
        positions, header_issues, usable = _check_header(header)
        issues.extend(header_issues)
        if not usable:
            return ParseResult([], issues, read)
        for line, cells in records:
            if not any(cell.strip() for cell in cells):
                continue
            read += 1
            parsed = row(line, cells, len(header), positions, today, issues, facts)
            if parsed is not None:
                rows.append(parsed)
    except csv.Error as error:
        issues.append(
            ImportIssue(_last_line(text), WHOLE_LINE, _("fichier CSV mal formé (%(error)s)") % {"error": error})
        )
        return ParseResult([], issues, read)
    issues.extend(check_rows(facts))
    return ParseResult(rows if not issues else [], sort_issues(issues), read, warnings)


def _last_line(text: str) -> int:
    return text.count("\n") + 1
