"""The French label of every figure of the indicators JSON, for « Données des indicateurs (CSV) »."""

from __future__ import annotations

from app.i18n import _
from app.indicators.summary import BREAKDOWNS, KEY_FIGURES

LABELS = {
    "annee": _("Période"),
    "periode.debut": _("Début de la période"),
    "periode.fin": _("Fin de la période"),
    "programme": _("Programme"),
    "programmes": _("Programmes"),
    "diffusion": _("Diffusion"),
    "sorties.duree.jours_total": _("Durée totale des parcours terminés (jours)"),
    "actions_collectives.actions": _("Actions collectives menées"),
    "actions_collectives.seances": _("Séances d'actions collectives"),
    "actions_collectives.enfants_en_parcours": _("Enfants en parcours présents aux actions collectives"),
    "actions_collectives.autres_enfants": _("Autres enfants présents (présences cumulées)"),
    "actions_collectives.parents": _("Parents présents (présences cumulées)"),
    "evaluation.progression": _("Objectifs évalués à la sortie, par niveau atteint"),
    "evaluation.suite": _("Suite du parcours après la sortie"),
    "donnees_programme.renseignees": _("Données du programme saisies"),
    "donnees_programme.effectifs_etp": _("Personnel (équivalents temps plein)"),
    "donnees_programme.effectifs_etp_total": _("Personnel, total (équivalents temps plein)"),
    "donnees_programme.financements": _("Budget et cofinancements (euros)"),
    "donnees_programme.budget_total": _("Budget total (euros)"),
    "donnees_programme.partenaires": _("Partenaires par type"),
    "donnees_programme.etablissements": _("Établissements scolaires couverts"),
    "donnees_programme.qpv_couverts": _("Quartiers prioritaires couverts"),
}
LABELS |= {item.path: item.title for item in BREAKDOWNS}
LABELS |= {figure.path: figure.label for figure in KEY_FIGURES}


def indicator_label(path: str) -> str:
    """The label of a figure's path; the path itself for a figure without one."""
    return LABELS.get(path, path)
