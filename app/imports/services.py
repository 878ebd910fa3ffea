"""Import of existing parcours: validate the whole file, then write it all or nothing.

API (stable, used by the web import UI and the CLI):
- `ImportIssue(line, column, message)`; `str(issue)` is `line N, column C: reason` (reason in French).
- `ImportReport(errors, children_created, parcours_created, parcours_updated, parcours_unchanged, rows)`.
- `import_csv(session, data, programme, actor_id, dry_run=False, progress=None) -> ImportReport`:
  never leaves a partial import in the session (a SAVEPOINT wraps the writes); the caller commits
  only when `report.errors` is empty and it is not a dry run. `progress(done, total)` is called
  as rows are written.

A parcours is identified by `ref_enfant` + `date_orientation`. A child already known (same
`ref_enfant`) must have the same identity (nom, prénom, date de naissance, sexe, ref_famille),
otherwise the row is refused; its identity is never rewritten by an import. A parcours already
known with other values (codes, dates, school...) is updated to the file's values and counted as
updated; an identical one is left alone, so importing the same file twice changes nothing.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.audit import services as audit
from app.children.services import family_dates_of_parcours
from app.i18n import _
from app.imports import store
from app.imports.parser import parse
from app.imports.rows import ImportIssue, ImportRow, overlaps, sort_issues
from app.nomenclature import Decision
from app.users.models import CASE_ROLES, Programme, User

__all__ = ["ImportIssue", "ImportReport", "import_csv"]

Progress = Callable[[int, int], None]


@dataclass
class ImportReport:
    errors: list[ImportIssue] = field(default_factory=list)
    children_created: int = 0
    parcours_created: int = 0
    parcours_updated: int = 0
    parcours_unchanged: int = 0
    rows: int = 0
    dry_run: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors

    def summary(self) -> str:
        """One French sentence for the user."""
        counts = {
            "rows": self.rows,
            "children": self.children_created,
            "created": self.parcours_created,
            "updated": self.parcours_updated,
            "unchanged": self.parcours_unchanged,
        }
        if self.dry_run:
            sentence = _(
                "%(rows)d ligne(s) lue(s) : %(children)d enfant(s) et %(created)d parcours seraient créés, "
                "%(updated)d parcours seraient mis à jour, %(unchanged)d parcours déjà à jour."
            )
        else:
            sentence = _(
                "%(rows)d ligne(s) lue(s) : %(children)d enfant(s) et %(created)d parcours ont été créés, "
                "%(updated)d parcours ont été mis à jour, %(unchanged)d parcours déjà à jour."
            )
        return sentence % counts


def import_csv(
    session: Session,
    data: bytes,
    programme: Programme,
    actor_id: int | None,
    dry_run: bool = False,
    progress: Progress | None = None,
    today: date | None = None,
) -> ImportReport:
    """Check the whole file, then (unless `dry_run` or any error) write it in one savepoint."""
    parsed = parse(data, today)
    report = ImportReport(errors=list(parsed.issues), rows=parsed.rows_read, dry_run=dry_run)
    if report.errors or not parsed.rows:
        return report
    rows = parsed.rows
    referents = _referent_ids(session, programme.id, rows, report.errors)
    known = store.known_children(session, programme.id, {r.ref_enfant for r in rows})
    plan = _plan(rows, known, referents, report.errors)
    if report.errors:
        report.errors = sort_issues(report.errors)
        return report
    report.children_created = len(plan.new_children)
    report.parcours_created = sum(1 for p in plan.parcours if p.stored is None)
    report.parcours_updated = sum(1 for p in plan.parcours if p.stored is not None and p.changed)
    report.parcours_unchanged = sum(1 for p in plan.parcours if p.stored is not None and not p.changed)
    if dry_run:
        return report
    with session.begin_nested():
        store.write(session, programme.id, actor_id, plan, progress)
        audit.record(
            session,
            "import",
            actor_id=actor_id,
            programme_id=programme.id,
            target_type="import_file",
            target_id=hashlib.sha256(data).hexdigest()[:32],
        )
    return report


def _referent_ids(
    session: Session, programme_id: int, rows: list[ImportRow], errors: list[ImportIssue]
) -> dict[str, int]:
    emails = {r.referent for r in rows if r.referent}
    if not emails:
        return {}
    query = select(func.lower(User.email), User.id, User.role).where(
        User.programme_id == programme_id, User.active.is_(True), func.lower(User.email).in_(emails)
    )
    accounts = {email: (user_id, role) for email, user_id, role in session.execute(query)}
    found = {email: user_id for email, (user_id, role) in accounts.items() if role in CASE_ROLES}
    for row in rows:
        if row.referent and row.referent not in accounts:
            errors.append(
                ImportIssue(row.line, "referent", "aucun compte actif de ce programme n'a cette adresse e-mail")
            )
        elif row.referent and row.referent not in found:
            errors.append(
                ImportIssue(
                    row.line,
                    "referent",
                    _(
                        "ce compte n'est ni référent·e ni coordonnateur·rice : indiquez l'adresse d'un compte "
                        "qui suit des enfants (un compte EPS ou administrateur ne peut pas être référent)"
                    ),
                )
            )
    return found


def _plan(
    rows: list[ImportRow], known: dict[str, store.KnownChild], referents: dict[str, int], errors: list[ImportIssue]
) -> store.Plan:
    """What to write: new children with their rows, and each row matched to a stored parcours."""
    by_child: dict[str, list[ImportRow]] = {}
    for row in rows:
        by_child.setdefault(row.ref_enfant, []).append(row)
    plan = store.Plan()
    for ref, child_rows in by_child.items():
        child_rows.sort(key=lambda r: r.date_orientation)
        referent_id = next((referents[r.referent] for r in reversed(child_rows) if r.referent in referents), None)
        last_family_contact = max(d for r in child_rows for d in _family_dates(r))
        child = known.get(ref)
        if child is None:
            plan.new_children.append(store.ChildPlan(child_rows, referent_id, last_family_contact))
            plan.parcours.extend(store.ParcoursPlan(r, None) for r in child_rows)
            continue
        errors.extend(store.identity_mismatches(child, child_rows[0]))
        stored = {p.date_orientation: p for p in reversed(child.parcours)}
        matched = [store.ParcoursPlan(r, stored.get(r.date_orientation)) for r in child_rows]
        kept = {p.stored.id for p in matched if p.stored}
        periods = [(r.line, r.date_entree, r.date_sortie) for r in child_rows if r.decision_eps == Decision.ACCEPTE]
        periods += [(0, p.date_entree, p.date_sortie) for p in child.parcours if p.accepted and p.id not in kept]
        errors.extend(overlaps(periods))
        plan.parcours.extend(matched)
        plan.child_updates.append(store.ChildUpdate(ref, child, referent_id, last_family_contact))
    return plan


def _family_dates(row: ImportRow) -> list[date]:
    return family_dates_of_parcours(row.date_orientation, row.date_entree, row.date_sortie, row.motif_sortie)
