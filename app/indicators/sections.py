"""The report's and the dashboard's sections beyond the individual parcours: EPS activity,
collective actions, outcomes of the exit evaluations and the programme's data of the year.

Each section is a heading, blocks (a table of rows, drawn as a chart too) and notes. Works on the
result dict of `compute` (and the previous period's, for year-on-year); nothing reads records.
The outcomes read `evaluation.progression` and `evaluation.suite` when the result has them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from app.i18n import _
from app.indicators.summary import Row, is_count, value_at
from app.nomenclature import nomenclature
from app.programme_data.queries import LABELS

PROGRESSION = ("non_atteint", "en_partie", "atteint", "depasse")
REACHED = ("atteint", "depasse")
NO_EVALUATION = _("Aucune évaluation de sortie sur la période.")
NOT_ENTERED = _("Données du programme non saisies pour cette année.")
PROGRAMME_TITLES = {
    "effectifs_etp": _("Personnel (équivalents temps plein)"),
    "financements": _("Budget et cofinancements (euros)"),
    "partenaires": _("Partenaires par type"),
    "etablissements": _("Établissements scolaires couverts"),
}
DECIMAL_KEYS = ("effectifs_etp", "financements")


@dataclass(frozen=True)
class Block:
    slug: str
    title: str
    rows: list[Row]
    decimal: bool = False


@dataclass(frozen=True)
class Section:
    slug: str
    heading: str
    blocks: list[Block] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


# Labels of the exit evaluation's codes, for a form set whose nomenclature does not list them yet.
FALLBACK_LABELS = {
    "progression": {
        "non_atteint": _("Non atteint"),
        "en_partie": _("Atteint en partie"),
        "atteint": _("Atteint"),
        "depasse": _("Dépassé"),
    },
    "suite": {
        "droit_commun": _("Droit commun (école, centre social, associations)"),
        "soins_specialises": _("Soins ou accompagnement spécialisés"),
        "protection_enfance": _("Protection de l'enfance"),
        "autre_dispositif": _("Autre dispositif"),
        "aucune": _("Aucune orientation"),
    },
}


def label_of_code(dimension: str, code: str) -> str:
    dimensions = nomenclature().dimensions
    if dimension in dimensions:
        return dimensions[dimension].label_of(code)
    return FALLBACK_LABELS.get(dimension, {}).get(code, code)


def _rows(result: Mapping[str, Any], previous: Mapping[str, Any] | None, paths: Sequence[tuple[str, str]]) -> list[Row]:
    return [
        Row(path, label, value_at(result, path), value_at(previous, path) if previous else None)
        for path, label in paths
    ]


def _coded(
    result: Mapping[str, Any], previous: Mapping[str, Any] | None, path: str, labels: Mapping[str, str]
) -> list[Row]:
    current = value_at(result, path) or {}
    before = (value_at(previous, path) if previous else None) or {}
    codes = [*labels, *(code for code in {**before, **current} if code not in labels)]
    return [Row(code, labels.get(code, code), current.get(code, 0), before.get(code)) for code in codes]


def _eps(result: Mapping[str, Any], previous: Mapping[str, Any] | None) -> Section:
    counts = _rows(
        result,
        previous,
        [
            ("eps.seances", _("Séances de l'EPS tenues")),
            ("eps.situations_examinees", _("Situations examinées (décision rendue)")),
        ],
    )
    delays = _rows(
        result,
        previous,
        [
            ("eps.delai_orientation_decision_jours.moyenne", _("Délai moyen (jours)")),
            ("eps.delai_orientation_decision_jours.mediane", _("Délai médian (jours)")),
        ],
    )
    return Section(
        "activite-eps",
        _("Activité de l'EPS"),
        [
            Block("eps-activite", _("Séances et situations examinées"), counts),
            Block("eps-delais", _("Délai entre orientation et décision"), delays, decimal=True),
        ],
    )


def _collective(result: Mapping[str, Any], previous: Mapping[str, Any] | None) -> Section:
    rows = _rows(
        result,
        previous,
        [
            ("actions_collectives.actions", _("Actions collectives menées")),
            ("actions_collectives.seances", _("Séances")),
            ("actions_collectives.enfants_en_parcours", _("Enfants en parcours présents")),
            ("actions_collectives.autres_enfants", _("Autres enfants (présences cumulées)")),
            ("actions_collectives.parents", _("Parents (présences cumulées)")),
        ],
    )
    return Section(
        "actions-collectives",
        _("Actions collectives"),
        [Block("actions-collectives-chiffres", _("Actions, séances et participants"), rows)],
    )


def share_reached(progression: Mapping[str, Any] | None) -> float | None:
    """Share of objectives reached or exceeded, in %, rounded half-up to 0.1; None when there is
    none or a count is masked."""
    if not progression or not all(is_count(progression.get(code, 0)) for code in PROGRESSION):
        return None
    total = sum(progression.get(code, 0) for code in PROGRESSION)
    if not total:
        return None
    reached = Decimal(sum(progression.get(code, 0) for code in REACHED)) * 100 / total
    return float(reached.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def has_evaluations(result: Mapping[str, Any]) -> bool:
    progression = value_at(result, "evaluation.progression") or {}
    suite = value_at(result, "evaluation.suite") or {}
    return any(value != 0 for value in [*progression.values(), *suite.values()])


def _outcomes(result: Mapping[str, Any], previous: Mapping[str, Any] | None) -> Section:
    heading = _("Résultats des parcours")
    if not has_evaluations(result):
        return Section("resultats", heading, notes=[NO_EVALUATION])
    labels = {code: label_of_code("progression", code) for code in PROGRESSION}
    progression = _coded(result, previous, "evaluation.progression", labels)
    dimensions = nomenclature().dimensions
    suite_codes = list(dimensions["suite"].codes) if "suite" in dimensions else list(FALLBACK_LABELS["suite"])
    suite = _coded(result, previous, "evaluation.suite", {code: label_of_code("suite", code) for code in suite_codes})
    share = Row(
        "part_atteints",
        _("Objectifs atteints ou dépassés (%)"),
        share_reached(value_at(result, "evaluation.progression")),
        share_reached(value_at(previous, "evaluation.progression")) if previous else None,
    )
    return Section(
        "resultats",
        heading,
        [
            Block("resultats-progression", _("Objectifs évalués à la sortie, par niveau atteint"), progression),
            Block("resultats-part", _("Part des objectifs atteints"), [share], decimal=True),
            Block("resultats-suite", _("Suite du parcours après la sortie"), suite),
        ],
    )


def _programme(result: Mapping[str, Any], previous: Mapping[str, Any] | None) -> Section:
    heading = _("Données du programme")
    data = result.get("donnees_programme")
    if not data or not data.get("renseignees"):
        return Section("donnees-programme", heading, notes=[NOT_ENTERED])
    blocks = [
        Block(
            f"programme-{key.replace('_', '-')}",
            title,
            _coded(result, previous, f"donnees_programme.{key}", LABELS[key]),
            decimal=key in DECIMAL_KEYS,
        )
        for key, title in PROGRAMME_TITLES.items()
    ]
    qpv = data.get("qpv_couverts") or []
    notes = [_("Quartiers prioritaires couverts : %(names)s.") % {"names": ", ".join(qpv)}] if qpv else []
    return Section("donnees-programme", heading, blocks, notes)


def sections(result: Mapping[str, Any], previous: Mapping[str, Any] | None) -> list[Section]:
    """The four sections, in the report's order."""
    return [
        _eps(result, previous),
        _collective(result, previous),
        _outcomes(result, previous),
        _programme(result, previous),
    ]
