"""The PRE nomenclature, loaded from `forms/nomenclature.yaml` (data, not code)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from pathlib import Path
from typing import Any

from app.i18n import _
from app.resources import read_yaml, shipped_dir

FORMS_DIR = shipped_dir("forms")
# `tranche_age` codes by age in whole years on 31 December: (upper bound excluded, code).
AGE_BANDS = ((2, "moins_de_2"), (6, "2-5"), (11, "6-10"), (17, "11-16"))
OLDEST_BAND = "17+"


class Decision(StrEnum):
    """The EPS decision on an orientation (nomenclature dimension `decision_eps`)."""

    EN_ATTENTE = "en_attente"
    ACCEPTE = "accepte"
    REFUSE = "refuse"
    REORIENTE = "reoriente"
    AJOURNE = "ajourne"  # the EPS needs one more element before deciding (issue 12)


class NomenclatureError(ValueError):
    pass


@dataclass(frozen=True)
class Dimension:
    name: str
    label: str
    codes: dict[str, str]  # code → French label, in display order

    def label_of(self, code: str | None) -> str:
        if code is None:
            return _("Non renseigné")
        return self.codes.get(code, code)

    def canonical(self, value: str) -> str | None:
        """The code matching `value` regardless of case, or None."""
        folded = value.strip().casefold()
        return next((code for code in self.codes if code.casefold() == folded), None)


@dataclass(frozen=True)
class Nomenclature:
    version: int
    dimensions: dict[str, Dimension]
    cycle_of_niveau: dict[str, str]

    def __getitem__(self, name: str) -> Dimension:
        return self.dimensions[name]

    def codes(self, name: str) -> list[str]:
        return list(self.dimensions[name].codes)

    def label(self, dimension: str, code: str | None) -> str:
        return self.dimensions[dimension].label_of(code)


def parse(data: Any, source: str = "nomenclature.yaml") -> Nomenclature:
    if not isinstance(data, dict) or not isinstance(data.get("dimensions"), dict):
        raise NomenclatureError(f"{source}: expected a mapping with `dimensions`")
    dimensions = {}
    for name, spec in data["dimensions"].items():
        if not isinstance(spec, dict) or not isinstance(spec.get("codes"), dict) or not spec["codes"]:
            raise NomenclatureError(f"{source}: dimension {name}: expected `label` and `codes`")
        codes = {str(code): str(label) for code, label in spec["codes"].items()}
        dimensions[str(name)] = Dimension(str(name), str(spec.get("label", name)), codes)
    cycles = {str(k): str(v) for k, v in (data.get("cycle_of_niveau") or {}).items()}
    for niveau, cycle in cycles.items():
        if (
            niveau not in dimensions.get("niveau", Dimension("", "", {})).codes
            or cycle not in dimensions.get("cycle", Dimension("", "", {})).codes
        ):
            raise NomenclatureError(f"{source}: cycle_of_niveau: {niveau} → {cycle} is not in the nomenclature")
    return Nomenclature(int(data.get("version", 1)), dimensions, cycles)


def load(path: Path) -> Nomenclature:
    with path.open(encoding="utf-8") as handle:
        return parse(read_yaml(handle), str(path))


@cache
def nomenclature() -> Nomenclature:
    """The shipped nomenclature."""
    return load(FORMS_DIR / "nomenclature.yaml")


def age_band(annee_naissance: int, year: int) -> str:
    """The `tranche_age` code of a child born in `annee_naissance`, on 31 December of `year`."""
    age = year - annee_naissance
    return next((code for limit, code in AGE_BANDS if age < limit), OLDEST_BAND)
