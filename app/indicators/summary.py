"""Presentation of an indicators result: labels, ordered breakdowns, key figures, reading of changes.

Shared by the dashboard, the PDF report and the CSV export so that all three say the same thing.
Everything here works on the result dict of `compute` (INTERFACES.md shape); nothing reads records.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from app.i18n import _, ngettext
from app.indicators import suppression
from app.nomenclature import nomenclature

NON_RENSEIGNE = "non_renseigne"
DUREE_LABELS = {
    "moins_de_6_mois": _("Moins de 6 mois"),
    "6_12_mois": _("6 à 12 mois"),
    "12_24_mois": _("12 à 24 mois"),
    "24_mois_et_plus": _("24 mois et plus"),
}


@dataclass(frozen=True)
class Breakdown:
    """One distribution of the result: where it is, which dimension labels it, its title."""

    path: str
    dimension: str
    title: str
    unit: str

    @property
    def slug(self) -> str:
        return self.path.replace(".", "-").replace("_", "-")


BREAKDOWNS = [
    Breakdown("orientations.par_orienteur", "orienteur", _("Orientations par structure qui oriente"), "orientations"),
    Breakdown("orientations.par_decision", "decision_eps", _("Orientations par décision de l'EPS"), "orientations"),
    Breakdown("enfants_suivis.par_sexe", "sexe", _("Enfants suivis par sexe"), "enfants"),
    Breakdown("enfants_suivis.par_tranche_age", "tranche_age", _("Enfants suivis par âge au 31 décembre"), "enfants"),
    Breakdown("enfants_suivis.par_cycle", "cycle", _("Enfants suivis par cycle scolaire"), "enfants"),
    Breakdown("enfants_suivis.qpv", "qpv", _("Enfants suivis résidant en QPV"), "enfants"),
    Breakdown("enfants_suivis.rep", "rep", _("Enfants suivis par éducation prioritaire"), "enfants"),
    Breakdown("enfants_suivis.par_difficulte", "difficulte", _("Enfants suivis par domaine de difficulté"), "enfants"),
    Breakdown("enfants_suivis.par_action", "action", _("Enfants suivis par type d'action"), "enfants"),
    Breakdown("sorties.par_motif", "motif_sortie", _("Parcours terminés par motif de sortie"), "parcours"),
    Breakdown("sorties.duree.par_tranche", "duree", _("Parcours terminés par durée"), "parcours"),
]

SECTIONS = [
    (_("Orientations"), "orientations"),
    (_("Enfants suivis"), "enfants_suivis"),
    (_("Sorties"), "sorties"),
]


@dataclass(frozen=True)
class KeyFigure:
    path: str
    label: str
    subject: str  # start of a French sentence: « Le nombre d'enfants suivis »
    decimal: bool = False


KEY_FIGURES = [
    KeyFigure("enfants_suivis.total", _("Enfants suivis"), _("Le nombre d'enfants suivis")),
    KeyFigure("familles_aidees", _("Familles aidées"), _("Le nombre de familles aidées")),
    KeyFigure("orientations.total", _("Orientations reçues"), _("Le nombre d'orientations reçues")),
    KeyFigure("parcours.entres", _("Parcours commencés"), _("Le nombre de parcours commencés")),
    KeyFigure("parcours.sortis", _("Parcours terminés"), _("Le nombre de parcours terminés")),
    KeyFigure(
        "parcours.en_cours_au_31_12",
        _("Parcours en cours au 31 décembre"),
        _("Le nombre de parcours en cours au 31 décembre"),
    ),
    KeyFigure(
        "sorties.duree.moyenne_mois",
        _("Durée moyenne des parcours terminés (mois)"),
        _("La durée moyenne des parcours terminés"),
        decimal=True,
    ),
    KeyFigure("eps.seances", _("Séances de l'EPS tenues"), _("Le nombre de séances de l'EPS")),
    KeyFigure("eps.situations_examinees", _("Situations examinées par l'EPS"), _("Le nombre de situations examinées")),
    KeyFigure(
        "eps.delai_orientation_decision_jours.moyenne",
        _("Délai moyen entre orientation et décision (jours)"),
        _("Le délai moyen entre orientation et décision"),
        decimal=True,
    ),
    KeyFigure(
        "eps.delai_orientation_decision_jours.mediane",
        _("Délai médian entre orientation et décision (jours)"),
        _("Le délai médian entre orientation et décision"),
        decimal=True,
    ),
]

COUNTING_RULES = [
    (
        _("Période"),
        _("L'année civile, du 1er janvier au 31 décembre inclus."),
    ),
    (
        _("Parcours actif"),
        _(
            "Un parcours est actif dans l'année lorsque l'EPS l'a accepté, qu'il a commencé au plus tard le "
            "31 décembre et qu'il n'est pas terminé ou s'est terminé le 1er janvier ou après."
        ),
    ),
    (
        _("Orientations"),
        _(
            "Parcours dont la date d'orientation est dans l'année, par structure qui oriente et par décision "
            "actuelle de l'EPS (sans décision : en attente)."
        ),
    ),
    (
        _("Enfants suivis"),
        _(
            "Enfants distincts ayant au moins un parcours actif dans l'année ; par sexe et par âge en années "
            "révolues au 31 décembre. Cycle, QPV et éducation prioritaire : valeur du dernier parcours actif "
            "(date d'entrée la plus récente) ; « Non renseigné » quand la valeur manque."
        ),
    ),
    (
        _("Difficultés et actions"),
        _(
            "Enfants ayant le code sur au moins un de leurs parcours actifs ; un enfant compte une fois par "
            "code, et peut compter pour plusieurs codes."
        ),
    ),
    (
        _("Familles aidées"),
        _(
            "Références de famille distinctes parmi les enfants suivis ; un enfant sans référence de famille "
            "compte pour une famille."
        ),
    ),
    (
        _("Parcours commencés, terminés, en cours"),
        _(
            "Commencés : parcours acceptés dont la date d'entrée est dans l'année. Terminés : parcours dont la "
            "date de sortie est dans l'année. En cours au 31 décembre : parcours actifs sans date de sortie ou "
            "sortis après le 31 décembre."
        ),
    ),
    (
        _("Durées"),
        _(
            "Durée d'un parcours terminé = date de sortie − date d'entrée, en jours : moins de 6 mois "
            "(< 183 j), 6 à 12 mois (183 à 365 j), 12 à 24 mois (366 à 730 j), 24 mois et plus (≥ 731 j). "
            "Durée moyenne en mois = moyenne des durées en jours / 30,4375, arrondie au dixième le plus proche "
            "(demi vers le haut)."
        ),
    ),
    (
        _("Source"),
        _(
            "Calcul exact à partir des codes et des dates des parcours enregistrés dans Parcours, sans lecture "
            "des dossiers nominatifs. Chaque code de la nomenclature figure, avec 0 quand rien ne correspond."
        ),
    ),
]

SMALL_COUNT = 5  # counts from 1 to SMALL_COUNT - 1 are masked when shared outside the programme
MASKED = "< 5"
MASKED_NOTE = _(
    "Version pour diffusion hors du programme : les effectifs de 1 à 4 sont masqués (« < 5 ») pour "
    "qu'aucun enfant ne puisse être reconnu, et d'autres cases (« secret ») quand la soustraction au total "
    "permettrait de les retrouver ; la durée moyenne est masquée quand moins de 5 parcours sont sortis. "
    "Les totaux restent exacts."
)
SMALL_COUNTS_NOTE = _(
    "Ce document donne les effectifs exacts, y compris les petits nombres. Il est destiné au programme et à "
    "son comité de pilotage : avant toute diffusion plus large, masquez les effectifs inférieurs à 5 pour "
    "qu'aucun enfant ne puisse être reconnu."
)


def mask_small_counts(result: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of `result` for sharing outside the programme: breakdown counts from 1 to 4 become
    « < 5 »; where the breakdown's total would give a masked count back by subtraction, another cell
    of the breakdown is masked too (« secret », see `suppression`). The mean duration and the total
    days are hidden when fewer than 5 parcours ended. Totals stay exact."""
    breakdowns = {tuple(item.path.split(".")) for item in BREAKDOWNS}
    marks = suppression.suppressed_cells({"programme": result}, None, lambda cell: cell[0][:-1] in breakdowns)
    masked = suppression.apply(result, "programme", marks)
    duree = masked["sorties"]["duree"]
    if 0 < (value_at(result, "parcours.sortis") or 0) < SMALL_COUNT:
        duree["moyenne_mois"] = MASKED
        duree["jours_total"] = MASKED
    _mask_activity(masked, result)
    masked["diffusion"] = "externe"
    return masked


# Counts added with the EPS séances, collective actions and exit evaluations: every one from 1 to 4
# is masked; the delays are hidden when fewer than 5 situations were examined.
ACTIVITY_BLOCKS = ("eps", "actions_collectives", "evaluation")


def _mask_activity(masked: dict[str, Any], result: Mapping[str, Any]) -> None:
    def walk(node: dict[str, Any]) -> None:
        for key, value in node.items():
            if isinstance(value, dict):
                walk(value)
            elif is_count(value) and isinstance(value, int) and 0 < value < SMALL_COUNT:
                node[key] = MASKED

    for block in ACTIVITY_BLOCKS:
        if isinstance(masked.get(block), dict):
            walk(masked[block])
    examined = value_at(result, "eps.situations_examinees")
    delays = value_at(masked, "eps.delai_orientation_decision_jours")
    if isinstance(delays, dict) and is_count(examined) and 0 < examined < SMALL_COUNT:
        delays.update(moyenne=MASKED, mediane=MASKED)


def is_count(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def value_at(result: Mapping[str, Any], path: str) -> Any:
    node: Any = result
    for part in path.split("."):
        if not isinstance(node, Mapping) or part not in node:
            return None
        node = node[part]
    return node


def code_label(dimension: str, code: str) -> str:
    if code == NON_RENSEIGNE:
        return _("Non renseigné")
    if dimension == "duree":
        return DUREE_LABELS.get(code, code)
    return nomenclature().label(dimension, code)


def ordered_codes(dimension: str, present: Mapping[str, Any]) -> list[str]:
    """Codes in nomenclature order, then `non_renseigne`, then any code the nomenclature lacks."""
    known = list(DUREE_LABELS) if dimension == "duree" else nomenclature().codes(dimension)
    codes = [code for code in known if code in present]
    codes += [code for code in present if code not in known and code != NON_RENSEIGNE]
    if NON_RENSEIGNE in present:
        codes.append(NON_RENSEIGNE)
    return codes


@dataclass(frozen=True)
class Row:
    code: str
    label: str
    value: int | float | str | None  # a str is a masked small count (« < 5 »)
    previous: int | float | str | None

    @property
    def difference(self) -> int | float | None:
        if not isinstance(self.value, int | float) or not isinstance(self.previous, int | float):
            return None
        return _round1(self.value - self.previous) if isinstance(self.value, float) else self.value - self.previous


def breakdown_rows(result: Mapping[str, Any], previous: Mapping[str, Any] | None, item: Breakdown) -> list[Row]:
    current = value_at(result, item.path) or {}
    before = (value_at(previous, item.path) if previous else None) or {}
    codes = ordered_codes(item.dimension, {**before, **current})
    return [Row(code, code_label(item.dimension, code), current.get(code, 0), before.get(code)) for code in codes]


def key_figure_rows(result: Mapping[str, Any], previous: Mapping[str, Any] | None) -> list[Row]:
    return [
        Row(
            figure.path,
            figure.label,
            value_at(result, figure.path),
            value_at(previous, figure.path) if previous else None,
        )
        for figure in KEY_FIGURES
    ]


def _round1(value: float) -> float:
    return float(Decimal(str(value)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def format_number(value: int | float | str | None) -> str:
    """French display: `1 234`, `12,2`, `—` for no value, « < 5 » for a masked small count."""
    if value is None:
        return "—"
    if isinstance(value, str):
        return value
    if isinstance(value, float):
        return f"{value:.1f}".replace(".", ",")
    return f"{value:,}".replace(",", "\u00a0")


def format_difference(value: int | float | None) -> str:
    if value is None:
        return "—"
    if value == 0:
        return "="
    sign = "+" if value > 0 else "−"
    return sign + format_number(abs(value))


def percent_change(before: int, after: int) -> int:
    return int((Decimal(abs(after - before)) * 100 / Decimal(before)).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _count_sentence(subject: str, before: int, after: int) -> str:
    if before == after:
        return _("%(subject)s est stable (%(value)s).") % {"subject": subject, "value": format_number(after)}
    if before == 0:
        return _("%(subject)s passe de 0 à %(after)s.") % {"subject": subject, "after": format_number(after)}
    verb = _("augmente") if after > before else _("diminue")
    return _("%(subject)s %(verb)s de %(percent)d %% (de %(before)s à %(after)s).") % {
        "subject": subject,
        "verb": verb,
        "percent": percent_change(before, after),
        "before": format_number(before),
        "after": format_number(after),
    }


def _mean_sentence(subject: str, before: float, after: float) -> str:
    if before == after:
        return _("%(subject)s est stable (%(value)s mois).") % {"subject": subject, "value": format_number(after)}
    return _("%(subject)s passe de %(before)s à %(after)s mois.") % {
        "subject": subject,
        "before": format_number(before),
        "after": format_number(after),
    }


def _most_frequent(result: Mapping[str, Any], path: str, dimension: str, template: str) -> str | None:
    counts = {code: value for code, value in (value_at(result, path) or {}).items() if is_count(value)}
    if not counts or max(counts.values()) == 0:
        return None
    best = max(ordered_codes(dimension, counts), key=lambda code: counts[code])
    children = ngettext("%(num)s enfant", "%(num)s enfants", counts[best]) % {"num": format_number(counts[best])}
    return template % {"label": code_label(dimension, best), "count": children}


def reading(result: Mapping[str, Any], previous: Mapping[str, Any] | None) -> list[str]:
    """A short automatic reading of the year, compared with the previous one when given."""
    sentences = []
    if previous is not None:
        for figure in KEY_FIGURES:
            before, after = value_at(previous, figure.path), value_at(result, figure.path)
            if not is_count(before) or not is_count(after):
                continue
            if figure.decimal:
                sentences.append(_mean_sentence(figure.subject, float(before), float(after)))
            else:
                sentences.append(_count_sentence(figure.subject, int(before), int(after)))
    for path, dimension, template in (
        (
            "enfants_suivis.par_difficulte",
            "difficulte",
            _("Le domaine de difficulté le plus fréquent est « %(label)s » (%(count)s)."),
        ),
        (
            "enfants_suivis.par_action",
            "action",
            _("L'action la plus fréquente est « %(label)s » (%(count)s)."),
        ),
    ):
        sentence = _most_frequent(result, path, dimension, template)
        if sentence:
            sentences.append(sentence)
    return sentences
