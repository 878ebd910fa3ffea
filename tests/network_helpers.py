"""An attacker's check, written independently of app.indicators.suppression: from the published
département table alone, which masked cells do the linear relations between published figures fix?

Relations a reader knows: every figure of the total column is the sum of the programmes' figures,
and each breakdown of a population sums to that population's count. A masked cell is recoverable
when adding « this cell's value is known » to the relations does not raise their rank (the cell is
a combination of the relations), computed by exact rational elimination.
"""

from __future__ import annotations

from collections.abc import Mapping
from fractions import Fraction
from typing import Any

MASKS = {"< 5", "secret"}
SKIP = {"annee", "programme", "periode", "diffusion", "form_set", "moyenne_mois"}
# What a reader of PRODUCT.md knows: these breakdowns split these totals.
BREAKDOWN_TOTALS = {
    "orientations/par_orienteur": "orientations/total",
    "orientations/par_decision": "orientations/total",
    "enfants_suivis/par_sexe": "enfants_suivis/total",
    "enfants_suivis/par_tranche_age": "enfants_suivis/total",
    "enfants_suivis/par_cycle": "enfants_suivis/total",
    "enfants_suivis/qpv": "enfants_suivis/total",
    "enfants_suivis/rep": "enfants_suivis/total",
    "sorties/par_motif": "parcours/sortis",
    "sorties/duree/par_tranche": "parcours/sortis",
}


def leaves(node: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    found: dict[str, Any] = {}
    for key, value in node.items():
        if key in SKIP:
            continue
        path = f"{prefix}{key}"
        if isinstance(value, Mapping):
            found.update(leaves(value, path + "/"))
        elif (isinstance(value, int) and not isinstance(value, bool)) or (isinstance(value, str) and value in MASKS):
            found[path] = value
    return found


def _rank(rows: list[list[Fraction]]) -> int:
    matrix = [row[:] for row in rows]
    rank = 0
    width = len(matrix[0]) if matrix else 0
    for column in range(width):
        pivot = next((r for r in range(rank, len(matrix)) if matrix[r][column] != 0), None)
        if pivot is None:
            continue
        matrix[rank], matrix[pivot] = matrix[pivot], matrix[rank]
        for r in range(len(matrix)):
            if r != rank and matrix[r][column] != 0:
                factor = matrix[r][column] / matrix[rank][column]
                matrix[r] = [a - factor * b for a, b in zip(matrix[r], matrix[rank], strict=True)]
        rank += 1
    return rank


def published_relations(
    table: Mapping[str, Any],
) -> tuple[dict[tuple[str, str], Any], list[dict[tuple[str, str], int]]]:
    columns = {**table["par_programme"], "total": table["total"]}
    cells = {(path, column): value for column, result in columns.items() for path, value in leaves(result).items()}
    relations = []
    for path in leaves(table["total"]):
        relation = {(path, code): 1 for code in table["par_programme"]}
        relation[(path, "total")] = -1
        relations.append(relation)
    for column in columns:
        for breakdown, total in BREAKDOWN_TOTALS.items():
            parts = {(p, c): 1 for (p, c) in cells if c == column and p.rsplit("/", 1)[0] == breakdown}
            if parts:
                relations.append({**parts, (total, column): -1})
    return cells, relations


def _groups(relations: list[dict[tuple[str, str], int]]) -> list[list[dict[tuple[str, str], int]]]:
    """Relations sharing no cell are independent: check each group on its own."""
    groups: list[tuple[set[tuple[str, str]], list[dict[tuple[str, str], int]]]] = []
    for relation in relations:
        cells, members = set(relation), [relation]
        rest = []
        for other_cells, other_members in groups:
            if other_cells & cells:
                cells, members = cells | other_cells, members + other_members
            else:
                rest.append((other_cells, other_members))
        groups = [*rest, (cells, members)]
    return [members for _cells, members in groups]


def recoverable_cells(table: Mapping[str, Any]) -> list[tuple[str, str]]:
    """The masked cells whose value the published figures determine."""
    cells, relations = published_relations(table)
    found = []
    for group in _groups(relations):
        unknown = sorted({cell for relation in group for cell in relation if cells.get(cell) in MASKS})
        rows = [[Fraction(relation.get(cell, 0)) for cell in unknown] for relation in group]
        rows = [row for row in rows if any(row)]
        base = _rank(rows)
        for index, cell in enumerate(unknown):
            probe = [Fraction(int(i == index)) for i in range(len(unknown))]
            if _rank([*rows, probe]) == base:
                found.append(cell)
    return sorted(found)
