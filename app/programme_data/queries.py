"""The programme's data of a year as the indicators' `donnees_programme` block (one query)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.programme_data.codes import KEY as KEY
from app.programme_data.codes import QPV, SECTIONS
from app.programme_data.models import ProgrammeYearFigure

# key of the indicators block -> code -> French label
LABELS = {key: codes for key, codes, _whole in SECTIONS.values()}


def programme_data_block() -> dict[str, Any]:
    """Nothing entered: every code at 0, no QPV. (The year is the period's first calendar year.)"""
    block: dict[str, Any] = {"renseignees": False}
    for key, codes, whole in SECTIONS.values():
        block[key] = dict.fromkeys(codes, 0 if whole else 0.0)
    block["effectifs_etp_total"] = 0.0
    block["budget_total"] = 0.0
    block["qpv_couverts"] = []
    return block


def _totals(block: dict[str, Any]) -> None:
    block["effectifs_etp_total"] = round(sum(block["effectifs_etp"].values()), 2)
    block["budget_total"] = round(sum(block["financements"].values()), 2)


def data_of_year(session: Session, programme_id: int, year: int) -> dict[str, Any]:
    """What the coordinator entered for `year` (zeros and no QPV when nothing was entered)."""
    block = programme_data_block()
    query = select(ProgrammeYearFigure.section, ProgrammeYearFigure.code, ProgrammeYearFigure.value).where(
        ProgrammeYearFigure.programme_id == programme_id, ProgrammeYearFigure.year == year
    )
    for section, code, value in session.execute(query):
        block["renseignees"] = True
        if section == QPV:
            block["qpv_couverts"].append(code)
        elif section in SECTIONS:
            key, codes, whole = SECTIONS[section]
            if code in codes:
                block[key][code] = int(value) if whole else float(value)
    block["qpv_couverts"].sort(key=str.casefold)
    _totals(block)
    return block


def merge_programme_data(total: dict[str, Any], part: dict[str, Any]) -> None:
    """Add a programme's block to a network's (sums, and the union of the QPV)."""
    total["renseignees"] = total["renseignees"] or part["renseignees"]
    for key, _codes, whole in SECTIONS.values():
        for code, value in part[key].items():
            total[key][code] = total[key][code] + value if whole else round(total[key][code] + value, 2)
    total["qpv_couverts"] = sorted(set(total["qpv_couverts"]) | set(part["qpv_couverts"]), key=str.casefold)
    _totals(total)
