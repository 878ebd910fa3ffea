"""The département table as JSON, CSV (one column per PRE and the total) and PDF report with charts."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Mapping
from typing import Any

from reportlab.platypus import Flowable

from app.i18n import _
from app.indicators.export import cell, indicator_rows, neutralise
from app.indicators.report import build_report, figure_table, paragraph
from app.indicators.summary import KEY_FIGURES, format_number, value_at
from app.network.consolidate import TOTAL

MASKING_NOTE = _(
    "Diffusion externe : « < 5 » remplace un effectif de 1 à 4 ; « secret » masque un autre effectif "
    "pour qu'aucun petit effectif ne puisse être retrouvé par soustraction (dans une ventilation ou entre "
    "programmes)."
)


def _value(result: Mapping[str, Any], path: str, code: str) -> Any:
    node = value_at(result, path)
    if code and isinstance(node, Mapping):
        return node.get(code)
    return None if code else node


def to_json(consolidated: Mapping[str, Any]) -> str:
    return json.dumps(consolidated, ensure_ascii=False, indent=2) + "\n"


def to_csv(consolidated: Mapping[str, Any]) -> str:
    """`indicateur;code;<PRE 1>;…;total`, UTF-8 with BOM, formula-safe like the programme's CSV."""
    codes = list(consolidated["programmes"])
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(["indicateur", "code", *(neutralise(code) for code in codes), TOTAL])
    total = consolidated[TOTAL]
    for path, code, value in indicator_rows(total):
        if path in {"annee", "programme"} or path.startswith("periode"):
            continue
        parts = [_value(consolidated["par_programme"][p], path, code) for p in codes]
        writer.writerow([neutralise(path), neutralise(code), *(neutralise(cell(v)) for v in [*parts, value])])
    return "\ufeff" + buffer.getvalue()


def _programme_table(consolidated: Mapping[str, Any]) -> list[Flowable]:
    codes = list(consolidated["programmes"])
    header = [_("Indicateur"), *codes, _("Total")]
    rows = []
    for figure in KEY_FIGURES:
        values = [value_at(consolidated["par_programme"][code], figure.path) for code in codes]
        rows.append([figure.label, *(format_number(v) for v in [*values, value_at(consolidated[TOTAL], figure.path)])])
    story: list[Flowable] = [paragraph(_("Chiffres clés par programme"), "h2"), figure_table(header, rows)]
    if consolidated.get("diffusion") == "externe":
        story.append(paragraph(MASKING_NOTE, "note"))
    return story


def to_pdf(consolidated: Mapping[str, Any], name: str) -> bytes:
    """The network's report: key figures by programme, then the report of the total with its charts."""
    form_set = consolidated.get("form_set") or {}
    title = f"{name} — {form_set.get('name', '')} v{form_set.get('version', '')}"
    return build_report(consolidated[TOTAL], None, title, extra=_programme_table(consolidated))
