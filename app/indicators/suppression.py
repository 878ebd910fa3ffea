"""Small-count suppression with complementary suppression, for a table of indicators results.

The table has one column per programme and, optionally, a total column (the sum of the others).
Every count from 1 to 4 is masked as « < 5 » (primary suppression). The published figures satisfy
linear relations: each figure of the total column is the sum of the programmes' figures, and each
breakdown that partitions a population sums to its total (`PARTITIONS`). A masked value that those
relations determine could be recomputed by subtraction, so more cells are masked as « secret »
(complementary suppression) until no masked cell is determined by the published ones.

"Determined" is decided exactly: the relations restricted to the masked cells are brought to
reduced row echelon form (rational arithmetic); a masked cell is determined when its column is a
pivot whose row has no other unknown. The number of parcours sortis, their total days and the mean
duration travel together: when the count is masked, so are the other two.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator, Mapping
from fractions import Fraction
from typing import Any

PRIMARY = "< 5"
COMPLEMENTARY = "secret"
SMALL_COUNT = 5
Path = tuple[str, ...]
Cell = tuple[Path, str]  # (path of the figure, column)

# Breakdowns whose codes partition the population counted by another figure.
PARTITIONS: dict[Path, Path] = {
    ("orientations", "par_orienteur"): ("orientations", "total"),
    ("orientations", "par_decision"): ("orientations", "total"),
    ("enfants_suivis", "par_sexe"): ("enfants_suivis", "total"),
    ("enfants_suivis", "par_tranche_age"): ("enfants_suivis", "total"),
    ("enfants_suivis", "par_cycle"): ("enfants_suivis", "total"),
    ("enfants_suivis", "qpv"): ("enfants_suivis", "total"),
    ("enfants_suivis", "rep"): ("enfants_suivis", "total"),
    ("sorties", "par_motif"): ("parcours", "sortis"),
    ("sorties", "duree", "par_tranche"): ("parcours", "sortis"),
}
SORTIS: Path = ("parcours", "sortis")
DAYS: Path = ("sorties", "duree", "jours_total")
MEAN: Path = ("sorties", "duree", "moyenne_mois")
NOT_COUNTS = frozenset({("annee",), MEAN})
# Figures about the programme itself (staff, funding, partners, schools), not about children.
NOT_ABOUT_CHILDREN = frozenset({"donnees_programme"})


def counts(result: Mapping[str, Any], prefix: Path = ()) -> Iterator[tuple[Path, int]]:
    """Every count of an indicators result, with its path."""
    for key, value in result.items():
        path = (*prefix, key)
        if not prefix and key in NOT_ABOUT_CHILDREN:
            continue
        if isinstance(value, Mapping):
            yield from counts(value, path)
        elif isinstance(value, int) and not isinstance(value, bool) and path not in NOT_COUNTS:
            yield path, value


def relations(columns: Mapping[str, Mapping[str, Any]], total: str | None) -> list[dict[Cell, int]]:
    """The linear relations between the published cells: each maps cells to coefficients, summing to 0."""
    values = {column: dict(counts(result)) for column, result in columns.items()}
    parts = [column for column in columns if column != total]
    equations: list[dict[Cell, int]] = []
    if total is not None:
        for path in values[total]:
            equation = {(path, column): 1 for column in parts if path in values[column]}
            equation[(path, total)] = -1
            equations.append(equation)
    for column, figures in values.items():
        for breakdown, margin in PARTITIONS.items():
            cells = {(path, column): 1 for path in figures if path[:-1] == breakdown}
            if cells and margin in figures:
                equations.append({**cells, (margin, column): -1})
    return equations


def determined(equations: list[dict[Cell, int]], masked: set[Cell]) -> set[Cell]:
    """The masked cells whose value the relations fix, knowing every unmasked cell."""
    unknowns = sorted(masked)
    index = {cell: i for i, cell in enumerate(unknowns)}
    rows = []
    for equation in equations:
        row = {index[cell]: Fraction(coefficient) for cell, coefficient in equation.items() if cell in index}
        if row:
            rows.append(row)
    pivots: list[tuple[int, dict[int, Fraction]]] = []
    for row in rows:
        for pivot, pivot_row in pivots:
            if pivot in row:
                factor = row[pivot]
                for column, value in pivot_row.items():
                    row[column] = row.get(column, Fraction(0)) - factor * value
                row = {column: value for column, value in row.items() if value}
        if not row:
            continue
        pivot = min(row)
        scale = row[pivot]
        row = {column: value / scale for column, value in row.items()}
        reduced = []
        for other_pivot, other in pivots:
            if pivot in other:
                factor = other[pivot]
                for column, value in row.items():
                    other[column] = other.get(column, Fraction(0)) - factor * value
                other = {column: value for column, value in other.items() if value}
            reduced.append((other_pivot, other))
        pivots = [*reduced, (pivot, row)]
    return {unknowns[pivot] for pivot, row in pivots if len(row) == 1}


def suppressed_cells(
    columns: Mapping[str, Mapping[str, Any]],
    total: str | None = None,
    maskable: Callable[[Cell], bool] = lambda _cell: True,
) -> dict[Cell, str]:
    """Which cells to mask, and how: « < 5 » for small counts, « secret » for the complementary ones.
    Cells for which `maskable` is false are always published (a programme's exact totals)."""
    values = {(path, column): value for column, result in columns.items() for path, value in counts(result)}
    marks = {
        cell: PRIMARY
        for cell, value in values.items()
        if 0 < value < SMALL_COUNT and cell[0] != DAYS and maskable(cell)
    }
    equations = relations(columns, total)
    margins = set(PARTITIONS.values())

    def preference(cell: Cell) -> tuple[bool, bool, bool, int, Cell]:
        value = values[cell]
        return (value == 0, cell[0] in margins, cell[1] == total, value, cell)

    groups = components(equations)
    exposed: dict[int, set[Cell]] = {}
    stale = set(range(len(groups)))
    while True:
        for column in columns:
            if (SORTIS, column) in marks and (DAYS, column) in values and (DAYS, column) not in marks:
                marks[(DAYS, column)] = COMPLEMENTARY
                stale |= {i for i, (cells, _eqs) in enumerate(groups) if (DAYS, column) in cells}
        for index in stale:
            cells, group = groups[index]
            exposed[index] = determined(group, cells & set(marks))
        pending = sorted(cell for found in exposed.values() for cell in found)
        if not pending:
            return _pruned(marks, groups, values)
        candidates = (_complement(cell, equations, marks, preference, maskable) for cell in pending)
        complement = next((c for c in candidates if c is not None), None)
        if complement is None:  # every related cell is masked already: nothing more to hide
            return _pruned(marks, groups, values)
        marks[complement] = COMPLEMENTARY
        stale = {i for i, (cells, _eqs) in enumerate(groups) if complement in cells}


def _pruned(
    marks: dict[Cell, str], groups: list[tuple[set[Cell], list[dict[Cell, int]]]], values: Mapping[Cell, int]
) -> dict[Cell, str]:
    """Publish again every complementary cell that is not needed (largest first): the greedy choice
    above may mask more than necessary."""
    for cell in sorted((c for c, mark in marks.items() if mark == COMPLEMENTARY), key=lambda c: -values[c]):
        if cell[0] == DAYS and (SORTIS, cell[1]) in marks:
            continue
        for cells, group in groups:
            if cell in cells:
                if not determined(group, (cells & set(marks)) - {cell}):
                    del marks[cell]
                break
    return marks


def components(equations: list[dict[Cell, int]]) -> list[tuple[set[Cell], list[dict[Cell, int]]]]:
    """The relations split into independent groups (no cell shared between two groups)."""
    groups: list[tuple[set[Cell], list[dict[Cell, int]]]] = []
    for equation in equations:
        cells, group = set(equation), [equation]
        keep = []
        for other_cells, other_group in groups:
            if other_cells & cells:
                cells |= other_cells
                group += other_group
            else:
                keep.append((other_cells, other_group))
        groups = [*keep, (cells, group)]
    return groups


def _complement(
    cell: Cell,
    equations: list[dict[Cell, int]],
    marks: dict[Cell, str],
    preference: Callable[[Cell], Any],
    maskable: Callable[[Cell], bool],
) -> Cell | None:
    """The published cell to mask with `cell`: one of its relations' cells, else (when those are all
    masked) of the relations reached through them, nearest first."""
    seen, frontier = {cell}, {cell}
    while frontier:
        related = {other for equation in equations if frontier & equation.keys() for other in equation}
        candidates = {other for other in related if other not in marks and maskable(other)}
        if candidates:
            return min(candidates, key=preference)
        frontier = related - seen
        seen |= related
    return None


def apply(result: Mapping[str, Any], column: str, marks: Mapping[Cell, str]) -> dict[str, Any]:
    """A copy of `result` (the figures of `column`) with its marked cells replaced by their mark."""
    masked = copy.deepcopy(dict(result))
    for (path, cell_column), mark in marks.items():
        if cell_column != column:
            continue
        node = masked
        for key in path[:-1]:
            node = node[key]
        node[path[-1]] = mark
    duree = masked.get("sorties", {}).get("duree", {})
    if isinstance(duree.get("jours_total"), str) and duree.get("moyenne_mois") is not None:
        duree["moyenne_mois"] = duree["jours_total"]
    masked["diffusion"] = "externe"
    return masked
