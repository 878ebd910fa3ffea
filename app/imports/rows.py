"""One row of an import file: its columns, its cells' checks, and the checks across rows.

Pure, like `parser`: the checks that need the database are in `services`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from functools import cache
from typing import Any

from app.crypto import clean_name
from app.dates import DateRules, birth_problems, built_in_rules, date_problems, parse_date_or_none, periods_overlap
from app.i18n import _
from app.nomenclature import Decision, nomenclature

REQUIRED = ("ref_enfant", "nom", "prenom", "date_naissance", "sexe", "orienteur", "date_orientation")
OPTIONAL = (
    "ref_famille",
    "adresse",
    "qpv",
    "etablissement",
    "rep",
    "niveau",
    "decision_eps",
    "date_decision",
    "date_entree",
    "date_sortie",
    "motif_sortie",
    "difficultes",
    "actions",
    "referent",
)
COLUMNS = REQUIRED + OPTIONAL
IDENTITY_COLUMNS = ("nom", "prenom", "date_naissance", "sexe", "ref_famille")
# Names are stored as typed minus invisible characters (a zero-width space must not make a new child).
NAME_COLUMNS = ("nom", "prenom")
MAX_LENGTH = {"ref_enfant": 64, "ref_famille": 64, "nom": 100, "prenom": 100, "adresse": 300, "etablissement": 200}
WHOLE_LINE = "-"

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@dataclass(frozen=True)
class ImportIssue:
    """One error of an import file: physical line (header = 1), column name, French reason."""

    line: int
    column: str
    message: str

    def __str__(self) -> str:
        return f"line {self.line}, column {self.column}: {self.message}"


@dataclass
class ImportRow:
    """One valid row: codes in their canonical spelling, dates parsed, empty values as None."""

    line: int
    ref_enfant: str
    nom: str
    prenom: str
    date_naissance: date
    sexe: str
    orienteur: str
    date_orientation: date
    decision_eps: str = Decision.EN_ATTENTE
    ref_famille: str | None = None
    adresse: str | None = None
    qpv: str | None = None
    etablissement: str | None = None
    rep: str | None = None
    niveau: str | None = None
    date_decision: date | None = None
    date_entree: date | None = None
    date_sortie: date | None = None
    motif_sortie: str | None = None
    difficultes: tuple[str, ...] = ()
    actions: tuple[str, ...] = ()
    referent: str | None = None

    @property
    def cycle(self) -> str | None:
        return nomenclature().cycle_of_niveau.get(self.niveau) if self.niveau else None


@dataclass
class RowFacts:
    """What the checks across rows need from a row, valid or not (None = absent or invalid)."""

    line: int
    ref_enfant: str
    identity: dict[str, object]  # only the identity columns whose cell is valid
    date_orientation: date | None
    period: tuple[date | None, date | None] | None  # (entry, exit) of a valid accepted row


def sort_issues(issues: list[ImportIssue]) -> list[ImportIssue]:
    """By line, then in the order of the columns of the format."""
    return sorted(issues, key=lambda i: (i.line, COLUMNS.index(i.column) if i.column in COLUMNS else -1))


class _Cells:
    """Validates the cells of one row, collecting issues."""

    def __init__(self, line: int, values: dict[str, str], today: date, issues: list[ImportIssue]) -> None:
        self.line, self.values, self.today, self.issues = line, values, today, issues
        self.ok = True
        self.bad: set[str] = set()

    def error(self, column: str, message: str) -> None:
        self.issues.append(ImportIssue(self.line, column, message))
        self.ok = False
        self.bad.add(column)

    def text(self, column: str, required: bool = False) -> str | None:
        value = self.values.get(column, "")
        if column in NAME_COLUMNS:
            value = clean_name(value)
        if not value:
            if required:
                self.error(column, "valeur obligatoire manquante")
            return None
        limit = MAX_LENGTH.get(column)
        if limit and len(value) > limit:
            self.error(
                column,
                _("valeur trop longue (%(count)s caractères, %(limit)s au plus)")
                % {"count": len(value), "limit": limit},
            )
        return value

    def code(self, column: str, dimension: str, required: bool = False) -> str | None:
        value = self.values.get(column)
        if not value:
            return self.text(column, required)  # reports a missing required value
        code = _canonical(dimension, value)
        if code is None:
            self.error(column, _unknown_code(value, dimension))
        return code

    def codes(self, column: str, dimension: str) -> tuple[str, ...]:
        value = self.values.get(column)
        if not value:
            return ()
        found: list[str] = []
        for part in value.split("|"):
            part = part.strip()
            if not part:
                continue
            code = _canonical(dimension, part)
            if code is None:
                self.error(column, _unknown_code(part, dimension))
            elif code not in found:
                found.append(code)
        return tuple(found)

    def date(self, column: str, required: bool = False) -> date | None:
        value = self.values.get(column)
        if not value:
            self.text(column, required)  # reports a missing required value
            return None
        parsed = parse_date_or_none(value)
        if parsed is None:
            self.error(
                column,
                _("date invalide « %(value)s » (attendu AAAA-MM-JJ ou JJ/MM/AAAA, date réelle)")
                % {"value": value[:40]},
            )
        else:
            # The forms' rules (app.dates); the birth date and the order of dates are checked per row below.
            rules = DateRules(not_future=built_in_rules(column).not_future or column == "date_naissance")
            for problem in date_problems(parsed, rules, column, today=self.today):
                self.error(column, problem)
        return parsed


@cache
def _lookup(dimension: str) -> dict[str, str]:
    """Case-folded spelling → code of a dimension."""
    return {code.casefold(): code for code in nomenclature().codes(dimension)}


def _canonical(dimension: str, value: str) -> str | None:
    return _lookup(dimension).get(value.strip().casefold())


def _unknown_code(value: str, dimension: str) -> str:
    return _("code inconnu « %(value)s » (codes admis : %(codes)s)") % {
        "value": value[:40],
        "codes": ", ".join(nomenclature().codes(dimension)),
    }


def row(
    line: int,
    cells: list[str],
    width: int,
    positions: dict[str, int],
    today: date,
    issues: list[ImportIssue],
    facts: list[RowFacts],
) -> ImportRow | None:
    if len(cells) != width:
        issues.append(ImportIssue(line, WHOLE_LINE, f"{len(cells)} valeurs au lieu de {width} (une par colonne)"))
        return None
    values = {name: cells[index].strip() for name, index in positions.items()}
    c = _Cells(line, values, today, issues)
    ref_enfant, nom, prenom = c.text("ref_enfant", True), c.text("nom", True), c.text("prenom", True)
    date_naissance, sexe = c.date("date_naissance", True), c.code("sexe", "sexe", True)
    orienteur, date_orientation = c.code("orienteur", "orienteur", True), c.date("date_orientation", True)
    decision = c.code("decision_eps", "decision_eps") or Decision.EN_ATTENTE
    referent = c.text("referent")
    if referent and not _EMAIL.match(referent):
        c.error("referent", "adresse e-mail invalide")
    row_values: dict[str, Any] = {
        "ref_famille": c.text("ref_famille"),
        "adresse": c.text("adresse"),
        "qpv": c.code("qpv", "qpv"),
        "etablissement": c.text("etablissement"),
        "rep": c.code("rep", "rep"),
        "niveau": c.code("niveau", "niveau"),
        "date_decision": c.date("date_decision"),
        "date_entree": c.date("date_entree"),
        "date_sortie": c.date("date_sortie"),
        "motif_sortie": c.code("motif_sortie", "motif_sortie"),
        "difficultes": c.codes("difficultes", "difficulte"),
        "actions": c.codes("actions", "action"),
    }
    _check_sequence(c, decision, date_orientation, row_values)
    if date_naissance and date_orientation and not {"date_naissance", "date_orientation"} & c.bad:
        for problem in birth_problems(date_naissance, "date_naissance", date_orientation):
            c.error("date_naissance", problem)
    if ref_enfant and "ref_enfant" not in c.bad:
        identity: dict[str, object] = {"nom": nom, "prenom": prenom, "date_naissance": date_naissance, "sexe": sexe}
        identity["ref_famille"] = row_values["ref_famille"]
        valid = {k: _comparable(v) for k, v in identity.items() if k not in c.bad and (v or k == "ref_famille")}
        accepted = c.ok and decision == Decision.ACCEPTE
        period = (row_values["date_entree"], row_values["date_sortie"]) if accepted else None
        orientation = date_orientation if "date_orientation" not in c.bad else None
        facts.append(RowFacts(line, ref_enfant, valid, orientation, period))
    if not c.ok:
        return None
    assert ref_enfant and nom and prenom and date_naissance and sexe and orienteur and date_orientation
    return ImportRow(
        line=line,
        ref_enfant=ref_enfant,
        nom=nom,
        prenom=prenom,
        date_naissance=date_naissance,
        sexe=sexe,
        orienteur=orienteur,
        date_orientation=date_orientation,
        decision_eps=decision,
        referent=referent.lower() if referent else None,
        **row_values,
    )


def _check_sequence(c: _Cells, decision: str, orientation: date | None, values: Mapping[str, object]) -> None:
    """Entry only when accepted and not before the orientation; exit after entry, with a reason."""
    entree, sortie, motif = values["date_entree"], values["date_sortie"], values["motif_sortie"]
    if c.values.get("date_entree"):
        if decision != Decision.ACCEPTE:
            c.error("date_entree", _("date d'entrée renseignée alors que la décision de l'EPS n'est pas « accepte »"))
        elif isinstance(entree, date) and orientation and entree < orientation:
            c.error("date_entree", _("date d'entrée antérieure à la date d'orientation"))
    if c.values.get("date_sortie"):
        if not c.values.get("date_entree"):
            c.error("date_sortie", _("date de sortie sans date d'entrée"))
        elif isinstance(sortie, date) and isinstance(entree, date) and sortie < entree:
            c.error("date_sortie", _("date de sortie antérieure à la date d'entrée"))
        if not c.values.get("motif_sortie"):
            c.error("motif_sortie", _("motif de sortie obligatoire quand une date de sortie est renseignée"))
    elif motif or c.values.get("motif_sortie"):
        c.error("motif_sortie", "motif de sortie sans date de sortie")


def check_rows(facts: list[RowFacts]) -> list[ImportIssue]:
    """Checks across rows: one identity per child, no duplicate parcours, no overlap."""
    issues: list[ImportIssue] = []
    first: dict[str, dict[str, tuple[int, object]]] = {}
    first_identity: dict[str, dict[str, object]] = {}
    seen: dict[tuple[str, date], int] = {}
    periods: dict[str, list[tuple[int, date | None, date | None]]] = {}
    for row in facts:
        if first_identity.setdefault(row.ref_enfant, row.identity) is row.identity:
            first[row.ref_enfant] = {column: (row.line, value) for column, value in row.identity.items()}
        reference = first[row.ref_enfant]
        for column in IDENTITY_COLUMNS if row.identity != first_identity[row.ref_enfant] else ():
            if column not in row.identity:
                continue
            line, value = reference.setdefault(column, (row.line, row.identity[column]))
            if value != row.identity[column]:
                message = _("différent de la ligne %(line)s pour le même ref_enfant (un enfant, une identité)") % {
                    "line": line
                }
                issues.append(ImportIssue(row.line, column, message))
        if row.date_orientation is None:
            continue
        key = (row.ref_enfant, row.date_orientation)
        if key in seen:
            message = _("parcours en double : même ref_enfant et même date d'orientation qu'à la ligne %(line)s") % {
                "line": seen[key]
            }
            issues.append(ImportIssue(row.line, "date_orientation", message))
            continue
        seen[key] = row.line
        if row.period:
            periods.setdefault(row.ref_enfant, []).append((row.line, *row.period))
    for child_periods in periods.values():
        issues.extend(overlaps(child_periods))
    return issues


def _comparable(value: object) -> object:
    return " ".join(value.split()).casefold() if isinstance(value, str) else value


def overlaps(periods: list[tuple[int, date | None, date | None]]) -> list[ImportIssue]:
    """Issues for accepted parcours of one child whose periods (entry to exit, both days
    included; no exit = still open) overlap. `periods` holds (line, entry, exit); line 0 = stored."""
    issues: list[ImportIssue] = []
    dated = sorted((p for p in periods if p[1] is not None), key=lambda p: (p[1], p[0]))
    if not dated:
        return issues
    furthest_line, furthest_start, furthest_end = dated[0]
    for line, start, end in dated[1:]:
        assert start is not None and furthest_start is not None
        if periods_overlap((furthest_start, furthest_end), (start, end)):
            here, other = (line, furthest_line) if line else (furthest_line, line)
            if here:
                where = _("la ligne %(line)s") % {"line": other} if other else _("un parcours déjà enregistré")
                message = _("parcours accepté qui chevauche celui de %(where)s pour le même enfant") % {"where": where}
                issues.append(ImportIssue(here, "date_entree", message))
        if furthest_end is not None and (end is None or end > furthest_end):
            furthest_line, furthest_start, furthest_end = line, start, end
    return issues
