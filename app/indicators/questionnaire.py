"""An optional mapping from our indicator codes to the lines of a State questionnaire.

The mapping is data, in the style of `forms/`: a YAML file `questionnaire.yaml` in the instance
folder (an example, clearly marked as one, is `forms/questionnaire.exemple.yaml`). When it is
installed, « Données des indicateurs (CSV) » gains a `ligne_questionnaire` column; the day the
ANCT's grid is known, only this file changes.

    questionnaire: Enquête annuelle PRE 2026
    lignes:
      - ligne: "B1"
        indicateur: enfants_suivis.total
      - ligne: "B2a"
        indicateur: enfants_suivis.par_sexe
        code: F
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from app.indicators.compute import empty_result
from app.resources import read_yaml

FILE_NAME = "questionnaire.yaml"


class MappingError(ValueError):
    """`str(error)` names the file, the entry and what is wrong, in French."""


@dataclass(frozen=True)
class QuestionnaireMapping:
    name: str
    lines: dict[tuple[str, str], str]  # (indicator path, code or "") -> questionnaire line

    def line_of(self, path: str, code: str) -> str:
        return self.lines.get((path, code), "")


def _known(node: Mapping[str, Any], prefix: str = "") -> dict[str, set[str]]:
    """Every indicator path of the JSON, with the codes of its breakdown (empty for a figure)."""
    paths: dict[str, set[str]] = {}
    for key, value in node.items():
        path = f"{prefix}{key}"
        if isinstance(value, Mapping) and value and all(not isinstance(v, Mapping) for v in value.values()):
            paths[path] = set(value)
            paths.update({f"{path}.{code}": set() for code in value})
        elif isinstance(value, Mapping):
            paths.update(_known(value, f"{path}."))
        else:
            paths[path] = set()
    return paths


def parse(text: str, source: str) -> QuestionnaireMapping:
    try:
        data = read_yaml(text)
    except yaml.YAMLError as error:
        raise MappingError(f"{source} : YAML illisible ({error}).") from error
    if not isinstance(data, dict) or not isinstance(data.get("lignes"), list):
        raise MappingError(f"{source} : attendu « questionnaire » (nom) et « lignes » (liste).")
    known = _known(empty_result(2025, ""))
    # A code of a dimension that the nomenclature gains later is accepted as well.
    lines: dict[tuple[str, str], str] = {}
    for number, entry in enumerate(data["lignes"], start=1):
        where = f"{source}, entrée {number}"
        if not isinstance(entry, dict) or not entry.get("ligne") or not entry.get("indicateur"):
            raise MappingError(f"{where} : « ligne » et « indicateur » sont obligatoires.")
        path, code = str(entry["indicateur"]), str(entry.get("code") or "")
        if path.split(".")[0] not in {key.split(".")[0] for key in known} or (not code and path not in known):
            raise MappingError(f"{where} : indicateur « {path} » inconnu (voir le JSON des indicateurs).")
        if code and path in known and known[path] and code not in known[path]:
            raise MappingError(f"{where} : code « {code} » inconnu pour « {path} ».")
        if (path, code) in lines:
            raise MappingError(f"{where} : « {path} » {code} figure déjà à la ligne {lines[(path, code)]}.")
        lines[(path, code)] = str(entry["ligne"])
    return QuestionnaireMapping(str(data.get("questionnaire") or ""), lines)


def installed(instance_path: Path) -> QuestionnaireMapping | None:
    """The instance's mapping, or None when none is installed."""
    path = instance_path / FILE_NAME
    if not path.exists():
        return None
    return parse(path.read_text(encoding="utf-8"), str(path))
