"""The annual report's sections beyond individual parcours, its CSV labels and the questionnaire mapping."""

from __future__ import annotations

import copy
import csv
import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from app.indicators.export import to_csv, to_pdf
from app.indicators.questionnaire import MappingError, parse
from app.indicators.sections import share_reached
from app.indicators.summary import mask_small_counts
from tests.factories import World
from tests.test_report import fixture, pdf_text

EXAMPLE = Path(__file__).resolve().parent.parent / "forms" / "questionnaire.exemple.yaml"


def with_activity(year: int, evaluations: bool = True) -> dict[str, Any]:
    """The fixture of `year` with séances, collective actions, exit evaluations and programme data,
    as the indicators dict gives them."""
    result = copy.deepcopy(fixture(year))
    result["eps"] = {
        "seances": 13,
        "situations_examinees": 40,
        "delai_orientation_decision_jours": {"moyenne": 21.5, "mediane": 19.0},
    }
    result["actions_collectives"] = {
        "actions": 2,
        "seances": 11,
        "enfants_en_parcours": 9,
        "autres_enfants": 17,
        "parents": 23,
    }
    if evaluations:
        result["evaluation"] = {
            "progression": {"non_atteint": 3, "en_partie": 7, "atteint": 12, "depasse": 2},
            "suite": {"droit_commun": 8, "soins_specialises": 2, "aucune": 1},
        }
    result["donnees_programme"] = {
        "renseignees": True,
        "effectifs_etp": {
            "coordination": 1.0,
            "referents": 3.5,
            "intervenants": 0.0,
            "administratif": 0.5,
            "autre": 0.0,
        },
        "effectifs_etp_total": 5.0,
        "financements": {
            "etat_anct": 180000.0,
            "commune_epci": 95000.0,
            "caf": 12000.0,
            "departement": 0.0,
            "region": 0.0,
            "ars": 0.0,
            "autre": 0.0,
        },
        "budget_total": 287000.0,
        "partenaires": {
            "education_nationale": 14,
            "sante": 3,
            "social": 5,
            "associations": 9,
            "culture_sport": 4,
            "autre": 0,
        },
        "etablissements": {"ecole_maternelle": 4, "ecole_elementaire": 6, "college": 2, "lycee": 1, "autre": 0},
        "qpv_couverts": ["Kawéni", "Majicavo"],
    }
    return result


def test_the_report_shows_eps_activity_collective_actions_outcomes_and_programme_data(tmp_path: Path) -> None:
    text = pdf_text(to_pdf(with_activity(2025), with_activity(2024), "PRE de Test"), tmp_path)
    for heading in ("Activité de l'EPS", "Actions collectives", "Résultats des parcours", "Données du programme"):
        assert heading in text
    assert "Séances de l'EPS tenues 13 13 =" in text
    assert "Parents (présences cumulées) 23 23 =" in text
    assert "Objectifs atteints ou dépassés (%) 58,3 58,3 =" in text  # (12 + 2) / 24
    assert "Personnel (équivalents temps plein)" in text and "Référent·es de parcours 3,5" in text
    assert "Quartiers prioritaires couverts : Kawéni, Majicavo." in text
    assert "Atteint en partie 7 7 =" in text and "Droit commun (école, centre social, associations) 8" in text


def test_outcomes_say_when_no_exit_evaluation_was_made(tmp_path: Path) -> None:
    text = pdf_text(to_pdf(with_activity(2025, evaluations=False), None, "PRE de Test"), tmp_path)
    assert "Aucune évaluation de sortie sur la période." in text
    zeros = with_activity(2025)
    zeros["evaluation"] = {"progression": dict.fromkeys(zeros["evaluation"]["progression"], 0), "suite": {}}
    assert "Aucune évaluation de sortie sur la période." in pdf_text(to_pdf(zeros, None, "PRE"), tmp_path)


def test_share_reached_counts_reached_and_exceeded_objectives() -> None:
    assert share_reached({"non_atteint": 1, "en_partie": 1, "atteint": 1, "depasse": 0}) == 33.3
    assert share_reached({"non_atteint": 0, "en_partie": 0, "atteint": 0, "depasse": 0}) is None
    assert share_reached({"non_atteint": "< 5", "en_partie": 7, "atteint": 12, "depasse": 2}) is None


def test_the_external_version_masks_every_new_small_count(tmp_path: Path) -> None:
    result = with_activity(2025)
    result["eps"]["situations_examinees"] = 3
    masked = mask_small_counts(result)
    assert masked["actions_collectives"]["actions"] == "< 5"
    assert masked["actions_collectives"]["parents"] == 23
    assert masked["evaluation"]["progression"] == {
        "non_atteint": "< 5",
        "en_partie": 7,
        "atteint": 12,
        "depasse": "< 5",
    }
    assert masked["evaluation"]["suite"]["aucune"] == "< 5"
    assert masked["eps"]["delai_orientation_decision_jours"] == {"moyenne": "< 5", "mediane": "< 5"}
    assert masked["donnees_programme"]["partenaires"]["sante"] == 3  # about the programme, not children
    text = pdf_text(to_pdf(masked, mask_small_counts(with_activity(2024)), "PRE de Test"), tmp_path)
    assert "Actions collectives menées <5" in text.replace("< 5", "<5")


def _rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=";"))


def test_the_csv_labels_every_new_figure_and_names_questionnaire_lines_when_mapped() -> None:
    result = with_activity(2025)
    rows = _rows(to_csv(result))
    assert rows[0] == ["indicateur", "libelle", "code", "libelle_code", "valeur"]
    assert ["actions_collectives.parents", "Parents présents (présences cumulées)", "", "", "23"] in rows
    assert ["donnees_programme.financements", "Budget et cofinancements (euros)", "caf", "CAF", "12000,0"] in rows
    mapping = parse(EXAMPLE.read_text(encoding="utf-8"), EXAMPLE.name)
    mapped = _rows(to_csv(result, mapping))
    assert mapped[0][-1] == "ligne_questionnaire"
    assert ["enfants_suivis.par_sexe", "Enfants suivis par sexe", "F", "Fille", "8", "EX-2.F"] in mapped
    assert ["actions_collectives.parents", "Parents présents (présences cumulées)", "", "", "23", "EX-8"] in mapped
    assert all(len(row) == 6 for row in mapped)


def test_the_example_mapping_says_it_is_an_example() -> None:
    text = EXAMPLE.read_text(encoding="utf-8")
    assert text.startswith("# EXEMPLE") and "fictif" in parse(text, "x").name


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "lignes:\n  - ligne: A\n    indicateur: enfants_suivis.totale\n",
            "indicateur « enfants_suivis.totale » inconnu",
        ),
        ("lignes:\n  - ligne: A\n    indicateur: enfants_suivis.par_sexe\n    code: X\n", "code « X » inconnu"),
        ("lignes:\n  - indicateur: familles_aidees\n", "« ligne » et « indicateur » sont obligatoires"),
        ("lignes: [\n", "YAML illisible"),
    ],
)
def test_a_wrong_mapping_names_the_entry_and_the_problem(text: str, message: str) -> None:
    with pytest.raises(MappingError, match=message):
        parse(text, "questionnaire.yaml")


def test_an_installed_mapping_adds_the_questionnaire_column_to_the_download(
    app: Flask, world: World, login_as: Callable[[Any], FlaskClient]
) -> None:
    coordinator = login_as(world.coordinateur)
    installed = Path(app.config["PARCOURS"].instance_path) / "questionnaire.yaml"
    try:
        plain = coordinator.get("/indicateurs/2025-2026.csv")
        assert 'filename="donnees-indicateurs-' in plain.headers["Content-Disposition"]
        assert "2025-2026.csv" in plain.headers["Content-Disposition"]
        assert _rows(plain.data.decode("utf-8"))[0][-1] == "valeur"
        installed.write_text(EXAMPLE.read_text(encoding="utf-8"), encoding="utf-8")
        rows = _rows(coordinator.get("/indicateurs/2025.csv").data.decode("utf-8"))
        assert rows[0][-1] == "ligne_questionnaire"
        assert [row[-1] for row in rows if row[0] == "familles_aidees"] == ["EX-3"]
        installed.write_text("lignes:\n  - ligne: A\n    indicateur: inconnu\n", encoding="utf-8")
        broken = coordinator.get("/indicateurs/2025.csv")
        assert broken.status_code == 409 and "indicateur « inconnu » inconnu" in broken.get_data(as_text=True)
    finally:
        installed.unlink(missing_ok=True)
