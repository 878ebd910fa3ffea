"""The département table (INTERFACES.md "Share file and département table") from programmes' indicators.

`table(parts, year, form_set)` takes each programme's exact indicators (read from verified share
files, or computed from one instance's own programmes) and returns
`{"annee", "periode", "form_set", "programmes", "par_programme", "total"}`: every count of `total`
is the sum of the programmes' counts and the mean duration is recomputed from `jours_total`.
`external(table)` is the version for diffusion outside the programmes (see `suppression`).
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping, Sequence
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from app.indicators import suppression
from app.indicators.services import NETWORK, ExportError, mean_months, named_period
from app.network.share import Share, ShareError
from app.programme_data.queries import KEY as PROGRAMME_DATA
from app.programme_data.queries import merge_programme_data, programme_data_block

TOTAL = "total"


def period(year: str) -> dict[str, str]:
    """The period of `2025` (calendar year) or `2025-2026` (school year, 1 September to 31 August)."""
    try:
        named = named_period(year)
    except ExportError as error:
        raise ShareError(str(error)) from error
    return {"debut": named.start.isoformat(), "fin": named.end.isoformat()}


def check_shares(shares: Sequence[Share], year: str) -> dict[str, Any]:
    """Refuse (ShareError naming the file) a wrong period, a different form set, a programme twice;
    returns the common form set."""
    expected = period(year)
    seen: dict[str, str] = {}
    form_set: tuple[str, int] | None = None
    for share in shares:
        indicators = share.indicators
        shown = indicators.get("periode") or period(str(indicators.get("annee")))
        if str(indicators.get("annee")) != year or shown != expected:
            raise ShareError(
                f"{share.name} : indicateurs de la période {indicators.get('annee')} "
                f"({shown.get('debut')} au {shown.get('fin')}), pas de {year}."
            )
        if form_set is None:
            form_set = share.form_set
        elif share.form_set != form_set:
            raise ShareError(
                f"{share.name} : jeu de formulaires « {share.form_set[0]} » v{share.form_set[1]}, différent de "
                f"« {form_set[0]} » v{form_set[1]} des autres partages ; les chiffres ne sont pas comparables."
            )
        if share.programme in seen:
            raise ShareError(
                f"{share.name} : le programme {share.programme} est déjà fourni par {seen[share.programme]}."
            )
        seen[share.programme] = share.name
    if form_set is None:
        raise ShareError("Aucun fichier de partage.")
    return {"name": form_set[0], "version": form_set[1]}


def _add(total: dict[str, Any], part: Mapping[str, Any]) -> None:
    for key, value in part.items():
        if isinstance(value, Mapping):
            _add(total.setdefault(key, {}), value)
        elif isinstance(value, int) and not isinstance(value, bool) and key != "annee":
            total[key] = total.get(key, 0) + value


def _zero(node: Mapping[str, Any]) -> dict[str, Any]:
    return {
        key: _zero(value) if isinstance(value, Mapping) else 0 if isinstance(value, int) and key != "annee" else value
        for key, value in node.items()
    }


def _delay(parts: Iterable[Mapping[str, Any]]) -> dict[str, float | None]:
    """The network's orientation-to-decision delay: the programmes' means weighted by their situations
    examined; the median of all situations cannot be recovered from the programmes' medians."""
    weighted, count = Decimal(0), 0
    for part in parts:
        eps = part.get("eps", {})
        mean = eps.get("delai_orientation_decision_jours", {}).get("moyenne")
        situations = eps.get("situations_examinees")
        if mean is not None and situations:
            weighted += Decimal(str(mean)) * situations
            count += situations
    if not count:
        return {"moyenne": None, "mediane": None}
    return {"moyenne": float((weighted / count).quantize(Decimal("0.1"), ROUND_HALF_UP)), "mediane": None}


def table(parts: Mapping[str, Mapping[str, Any]], year: str, form_set: Mapping[str, Any]) -> dict[str, Any]:
    """The département table of the programmes' indicators `parts` (code → indicators)."""
    par_programme = {
        code: {key: value for key, value in indicators.items() if key not in {"form_set", "programmes"}}
        for code, indicators in sorted(parts.items())
    }
    first = next(iter(par_programme.values()))
    total = _zero(first)
    for indicators in par_programme.values():
        _add(total, indicators)
    total["programme"] = NETWORK
    duree = total["sorties"]["duree"]
    duree["moyenne_mois"] = mean_months(duree.get("jours_total", 0), total["parcours"]["sortis"])
    if "eps" in total:
        total["eps"]["delai_orientation_decision_jours"] = _delay(par_programme.values())
    if PROGRAMME_DATA in total:  # sums of FTE and euros, the union of the QPV
        block = programme_data_block()
        for indicators in par_programme.values():
            merge_programme_data(block, indicators[PROGRAMME_DATA])
        total[PROGRAMME_DATA] = block
    return {
        "annee": first.get("annee", year),
        "periode": first.get("periode") or period(year),
        "form_set": dict(form_set),
        "programmes": list(par_programme),
        "par_programme": par_programme,
        TOTAL: total,
    }


def external(consolidated: Mapping[str, Any]) -> dict[str, Any]:
    """The table for diffusion outside the programmes: small counts and complements masked."""
    columns = {**consolidated["par_programme"], TOTAL: consolidated[TOTAL]}
    marks = suppression.suppressed_cells(columns, TOTAL)
    masked = copy.deepcopy(dict(consolidated))
    masked["par_programme"] = {
        code: suppression.apply(indicators, code, marks) for code, indicators in consolidated["par_programme"].items()
    }
    masked[TOTAL] = suppression.apply(consolidated[TOTAL], TOTAL, marks)
    masked["diffusion"] = "externe"
    return masked
