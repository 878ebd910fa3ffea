"""Exports of an indicators result: « Données des indicateurs (CSV) », PDF annual report.

CSV: UTF-8 with BOM, `;` separator (what French spreadsheets open directly), header
`indicateur;libelle;code;libelle_code;valeur`, one row per figure
(`orientations.total;Orientations reçues;;;24`, `enfants_suivis.par_sexe;Enfants suivis par sexe;F;Fille;8`),
decimals with a comma, empty value for "no value"; with a questionnaire mapping installed (see
`questionnaire`), a last column `ligne_questionnaire`. Any cell starting with `=`, `+`, `-`, `@`, a tab
or a carriage return is prefixed with `'` so that no spreadsheet evaluates it as a formula.

Counts are exact: small counts are not suppressed here (the export is for the programme and the
State's questionnaire). Sharing outside the programme needs suppression first (see SMALL_COUNTS_NOTE).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Mapping
from typing import Any

from app.indicators.labels import indicator_label
from app.indicators.questionnaire import QuestionnaireMapping
from app.indicators.report import build_report
from app.indicators.sections import label_of_code
from app.indicators.summary import BREAKDOWNS, NON_RENSEIGNE, code_label, ordered_codes
from app.nomenclature import nomenclature
from app.programme_data.queries import LABELS as PROGRAMME_LABELS

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# The order of INTERFACES.md; keys not listed follow in their own order.
ORDER = (
    "annee",
    "periode",
    "programme",
    "orientations",
    "orientations.total",
    "orientations.par_orienteur",
    "orientations.par_decision",
    "enfants_suivis",
    "enfants_suivis.total",
    "enfants_suivis.par_sexe",
    "enfants_suivis.par_tranche_age",
    "enfants_suivis.par_cycle",
    "enfants_suivis.qpv",
    "enfants_suivis.rep",
    "enfants_suivis.par_difficulte",
    "enfants_suivis.par_action",
    "familles_aidees",
    "parcours",
    "parcours.entres",
    "parcours.sortis",
    "parcours.en_cours_au_31_12",
    "sorties",
    "sorties.par_motif",
    "sorties.duree",
    "sorties.duree.moyenne_mois",
    "sorties.duree.jours_total",
    "sorties.duree.par_tranche",
)
CODE_MAPS = {item.path: item.dimension for item in BREAKDOWNS}
CODE_MAPS |= {"evaluation.progression": "progression", "evaluation.suite": "suite"}
PROGRAMME_CODED = {f"donnees_programme.{key}" for key in PROGRAMME_LABELS}
HEADER = ["indicateur", "libelle", "code", "libelle_code", "valeur"]
QUESTIONNAIRE_COLUMN = "ligne_questionnaire"


def neutralise(cell: str) -> str:
    """A cell a spreadsheet will show as text, never evaluate."""
    return "'" + cell if cell.startswith(FORMULA_STARTS) else cell


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "oui" if value else "non"
    if isinstance(value, float):
        return f"{value:.1f}".replace(".", ",")
    return str(value)


def _ordered_keys(node: Mapping[str, Any], prefix: str) -> list[str]:
    rank = {path: index for index, path in enumerate(ORDER)}
    return sorted(node, key=lambda key: rank.get(f"{prefix}{key}", len(ORDER)))


def _rows(node: Mapping[str, Any], prefix: str = "") -> Iterator[tuple[str, str, Any]]:
    for key in _ordered_keys(node, prefix):
        path = f"{prefix}{key}"
        value = node[key]
        if path in PROGRAMME_CODED and isinstance(value, Mapping):
            for code in value:
                yield path, code, value[code]
        elif path in CODE_MAPS and isinstance(value, Mapping):
            dimension = CODE_MAPS[path]
            known = dimension == "duree" or dimension in nomenclature().dimensions
            for code in ordered_codes(dimension, value) if known else list(value):
                yield path, code, value[code]
        elif isinstance(value, Mapping):
            yield from _rows(value, f"{path}.")
        elif isinstance(value, list):
            for index, item in enumerate(value):
                yield path, str(index), item
        else:
            yield path, "", value


def indicator_rows(result: Mapping[str, Any]) -> Iterator[tuple[str, str, Any]]:
    """Every figure of `result` as (indicator path, code, value), in the order of INTERFACES.md."""
    return _rows(result)


def cell(value: Any) -> str:
    """A value as a French CSV cell (decimal comma, empty for no value)."""
    return _cell(value)


def _code_label(path: str, code: str) -> str:
    if not code:
        return ""
    if path in CODE_MAPS:
        dimension = CODE_MAPS[path]
        known = dimension == "duree" or dimension in nomenclature().dimensions or code == NON_RENSEIGNE
        return code_label(dimension, code) if known else label_of_code(dimension, code)
    block = path.removeprefix("donnees_programme.")
    return PROGRAMME_LABELS.get(block, {}).get(code, code if block != "qpv_couverts" else "")


def to_csv(result: Mapping[str, Any], mapping: QuestionnaireMapping | None = None) -> str:
    """« Données des indicateurs (CSV) »: one row per figure with its French labels, starting with a BOM."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(HEADER + ([QUESTIONNAIRE_COLUMN] if mapping else []))
    for path, code, value in _rows(result):
        row = [path, indicator_label(path), code, _code_label(path, code), _cell(value)]
        if mapping:
            row.append(mapping.line_of(path, code))
        writer.writerow([neutralise(text) for text in row])
    return "\ufeff" + buffer.getvalue()


def to_pdf(result: Mapping[str, Any], previous: Mapping[str, Any] | None, programme_name: str | None = None) -> bytes:
    """The annual report (PDF, French); `programme_name` defaults to `result["programme_nom"]` or its code."""
    name = programme_name or str(result.get("programme_nom") or result.get("programme") or "")
    return build_report(result, previous, name)
