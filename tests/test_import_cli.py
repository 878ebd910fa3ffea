"""`parcours import` and `parcours indicators` from the shell."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import FIXTURES
from tests.test_indicators_fixtures import _expected_part

PARCOURS = [str(Path(sys.executable).parent / "parcours")]


def run(instance: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "PARCOURS_DATABASE_URL"}
    env["PARCOURS_INSTANCE"] = str(instance)
    return subprocess.run([*PARCOURS, *args], capture_output=True, text=True, env=env, timeout=120, check=False)


@pytest.fixture(scope="module")
def instance(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("import") / "instance"
    assert run(path, "init").returncode == 0
    assert run(path, "programmes", "add", "PRE-TEST", "--name", "PRE de test").returncode == 0
    return path


def test_import_then_indicators(instance: Path, tmp_path: Path) -> None:
    example = str(FIXTURES / "parcours-exemple.csv")
    checked = run(instance, "import", example, "--dry-run")
    assert checked.returncode == 0, checked.stderr
    assert (
        "rien n'a été enregistré" in checked.stdout and "43 enfant(s) et 60 parcours seraient créés" in checked.stdout
    )
    imported = run(instance, "import", example, "--programme", "pre-test")
    assert imported.returncode == 0, imported.stderr
    assert "43 enfant(s) et 60 parcours ont été créés" in imported.stdout
    again = run(instance, "import", example)
    assert "0 enfant(s) et 0 parcours ont été créés" in again.stdout and "60 parcours déjà à jour" in again.stdout

    shown = run(instance, "indicators", "--year", "2025")
    assert shown.returncode == 0, shown.stderr
    result = json.loads(shown.stdout)
    expected = json.loads((FIXTURES / "indicateurs-v2-2025.json").read_text(encoding="utf-8"))
    assert result["programme"] == "PRE-TEST"
    assert _expected_part(expected, result) == []
    school_year = json.loads(run(instance, "indicators", "--year", "2025-2026").stdout)
    school_expected = json.loads((FIXTURES / "indicateurs-v2-2025-2026.json").read_text(encoding="utf-8"))
    assert _expected_part(school_expected, school_year) == []

    output = tmp_path / "2024.json"
    written = run(instance, "indicators", "--year", "2024", "--output", str(output))
    assert written.returncode == 0, written.stderr
    assert json.loads(output.read_text(encoding="utf-8"))["annee"] == 2024

    masked = run(instance, "indicators", "--year", "2025", "--format", "csv", "--diffusion-externe")
    assert masked.returncode == 0, masked.stderr
    # 3 children with a health difficulty in the fixture
    assert "enfants_suivis.par_difficulte;Enfants suivis par domaine de difficulté;sante;Santé;< 5" in masked.stdout
    refused = run(instance, "indicators", "--year", "2025", "--diffusion-externe")
    assert refused.returncode == 1 and "JSON reste exact" in refused.stderr
    assert run(instance, "audit", "verify").returncode == 0

    network = run(instance, "indicators", "--year", "2025", "--reseau")
    assert network.returncode == 0, network.stderr
    consolidated = json.loads(network.stdout)
    assert (consolidated["programme"], consolidated["programmes"]) == ("RESEAU", ["PRE-TEST"])
    # Every key of the fixture, exactly (codes added by form set version 3 count 0 here).
    assert _expected_part(expected["enfants_suivis"], consolidated["enfants_suivis"]) == []
    assert run(instance, "indicators", "--year", "2025", "--reseau", "--programme", "PRE-TEST").returncode == 1


def test_a_broken_file_exits_1_naming_each_line_and_writes_nothing(instance: Path, tmp_path: Path) -> None:
    before = run(instance, "indicators", "--year", "2026").stdout
    lines = (FIXTURES / "parcours-exemple.csv").read_text(encoding="utf-8-sig").splitlines()
    broken = [lines[0], lines[1].replace("E01-00001", "X-1"), lines[2].replace("2023-04-05", "31/02/2023")]
    broken.append(lines[3].replace("E01-00003", "X-3").replace("refuse", "peut-etre"))
    path = tmp_path / "broken.csv"
    path.write_text("\n".join(broken) + "\n", encoding="utf-8")
    result = run(instance, "import", str(path))
    assert result.returncode == 1
    assert "broken.csv: line 3, column date_decision: date invalide" in result.stderr
    assert "broken.csv: line 4, column decision_eps: code inconnu « peut-etre »" in result.stderr
    assert "Import refusé : 2 erreur(s), rien n'a été enregistré." in result.stderr
    assert run(instance, "indicators", "--year", "2026").stdout == before


def test_unknown_programme_and_missing_year(instance: Path) -> None:
    assert run(instance, "indicators", "--year", "2025", "--programme", "NOPE").returncode == 1
    assert run(instance, "indicators").returncode == 2
