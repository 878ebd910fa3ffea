"""The contract and its avenants, signatures on corrections, and the clear codes of an exit evaluation.

The entry date of a parcours is the date its contract is signed: the day of the **last required
signature** (drawn on screen: the day it was drawn; on paper: the date given), i.e. the day the
contract binds every party, as PRE protocols put it (« le parcours débute à la signature du
contrat »). It is set when the contract's first version is finalised; a correction, signed again
later, does not move it (unless the parcours has none), nor does the digitised contract of a
parcours imported with its entry date (signed on paper before Parcours). Avenants move the planned end and review
date only. A signature is never carried onto content its signer did not see: a correction starts
unsigned.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from sqlalchemy import bindparam, delete, select
from sqlalchemy.orm import Session

from app.children.models import Parcours
from app.dates import format_date
from app.documents.clear_values import fed_date
from app.documents.models import FINAL, Document, EvaluatedObjective, ExitEvaluation
from app.formengine import FormDef
from app.formengine.fields import field_type
from app.i18n import _
from app.parcours.services import WorkflowError, check_no_overlap

CONTRACT = "contrat"
AVENANT = "avenant"
EXIT_EVALUATION = "sortie_evaluation"
# A finalised fiche de suivi of form version 1 held the contract's signatures.
LEGACY_CONTRACT = ("suivi", 1)


def _signature_day(value: Any) -> date | None:
    if not isinstance(value, dict):
        return None
    if value.get("paper_date"):
        return date.fromisoformat(value["paper_date"])
    if value.get("signed_at"):
        return datetime.fromisoformat(value["signed_at"]).date()
    return None


def signed_on(form: FormDef, answers: dict[str, Any]) -> date | None:
    """The day of the last required signature, or None while one is missing."""
    days = [_signature_day(answers.get(f.id)) for f in form.fields() if field_type(f).signed and f.required]
    if not days or any(day is None for day in days):
        return None
    return max(day for day in days if day is not None)


def unsigned(form: FormDef, answers: dict[str, Any]) -> dict[str, Any]:
    """The answers without any signature (top level and rows): what a correction starts from."""

    def strip(fields: Any, values: dict[str, Any]) -> dict[str, Any]:
        kept: dict[str, Any] = {}
        for f in fields:
            if f.id not in values or field_type(f).signed:
                continue
            value = values[f.id]
            if f.type == "group" and isinstance(value, list):
                value = [strip(f.fields, row) for row in value if isinstance(row, dict)]
            kept[f.id] = value
        return kept

    return strip(form.fields(), answers)


def contract_errors(form: FormDef, answers: dict[str, Any]) -> dict[str, list[str]]:
    """A contract or avenant: a paper signature names its signer; its dates follow its start."""
    errors: dict[str, list[str]] = {}
    if form.form_id not in (CONTRACT, AVENANT):
        return errors
    for f in form.fields():
        value = answers.get(f.id)
        if field_type(f).signed and isinstance(value, dict) and value.get("paper_date") and not value.get("signer"):
            errors[f.id] = [_("Indiquez le nom de la personne qui a signé l'exemplaire papier.")]
    start = date.fromisoformat(answers["date_debut"]) if answers.get("date_debut") else None
    for column in ("date_fin_prevue", "date_revision_prevue"):
        feeding = form.field_feeding(column)
        day = fed_date(form, answers, column)
        if feeding and day and start and day <= start:
            message = _("Cette date doit suivre le début de l'accompagnement (%(date)s).")
            errors[feeding.id] = [message % {"date": format_date(start)}]
    return errors


def statement_of(form: FormDef, answers: dict[str, Any], parcours: Parcours, programme: str, child: str) -> str:
    """An attestation's sentence filled in: programme, child, entry date (the parcours'), exit date."""
    if not form.statement:
        return ""
    exit_day = fed_date(form, answers, "date_sortie")
    values = {
        "programme": programme,
        "enfant": child,
        "date_entree": format_date(parcours.date_entree) if parcours.date_entree else "—",
        "date_sortie": format_date(exit_day) if exit_day else "—",
    }
    return " ".join(form.statement.format_map(values).split())


def first_version(session: Session, document: Document) -> Document:
    return versions(session, document)[-1]


def versions(session: Session, document: Document) -> list[Document]:
    """The document and the versions it corrects, newest first."""
    found, current = [document], document
    while current.previous_id is not None:
        previous = session.get(Document, current.previous_id)
        if previous is None:
            break
        found.append(previous)
        current = previous
    return found


def apply_contract(session: Session, document: Document, form: FormDef, answers: dict[str, Any]) -> None:
    """A finalised contract or avenant: entry date (contract only), planned end and review date."""
    parcours = document.parcours
    first_signing = document.previous_id is None and not (parcours.imported and parcours.date_entree)
    if parcours.closed_before_entry:
        assert parcours.date_sortie is not None
        raise WorkflowError(
            _(
                "Ce parcours a été clos sans suite le %(date)s : son contrat ne peut plus être signé. Pour "
                "accompagner l'enfant, saisissez une nouvelle orientation."
            )
            % {"date": format_date(parcours.date_sortie)}
        )
    if form.form_id == CONTRACT and (first_signing or parcours.date_entree is None):
        entree = signed_on(form, answers)
        if entree is None:
            raise WorkflowError(_("Toutes les signatures requises du contrat sont nécessaires."))
        if entree < parcours.date_orientation:
            raise WorkflowError(
                _("Le contrat ne peut pas être signé avant l'orientation (%(date)s).")
                % {"date": format_date(parcours.date_orientation)}
            )
        check_no_overlap(session, parcours.child, parcours, entree, parcours.date_sortie)
        parcours.date_entree = entree
    for column in ("date_fin_prevue", "date_revision_prevue"):
        value = fed_date(form, answers, column)
        if value is not None:
            setattr(parcours, column, value)


def signed_contract(session: Session, parcours: Parcours) -> Document | None:
    """The parcours' finalised contract (latest version), or None."""
    return session.scalar(
        select(Document)
        .where(Document.parcours_id == parcours.id, Document.form_id == CONTRACT, Document.status == FINAL)
        .order_by(Document.id.desc())
        .limit(1)
    )


# Built once: the caseload and the child's page read it at every view.
TO_SIGN = select(Parcours.id).where(
    Parcours.id.in_(bindparam("ids", expanding=True)),
    Parcours.decision_eps == "accepte",
    Parcours.date_sortie.is_(None),
    ~(Parcours.imported.is_(True) & Parcours.date_entree.is_not(None)),
    Parcours.id.not_in(
        select(Document.parcours_id).where(
            Document.status == FINAL,
            (Document.form_id == CONTRACT)
            | ((Document.form_id == LEGACY_CONTRACT[0]) & (Document.form_version == LEGACY_CONTRACT[1])),
        )
    ),
)


def contract_to_sign(session: Session, parcours_ids: list[int]) -> set[int]:
    """Of these accepted, open parcours, those without a signed contract.

    A parcours imported with its entry date had its contract signed on paper before Parcours."""
    if not parcours_ids:
        return set()
    return set(session.scalars(TO_SIGN, {"ids": parcours_ids}))


def record_exit_evaluation(session: Session, document: Document, form: FormDef, answers: dict[str, Any]) -> None:
    """The coded next step and each objective's progression, for the indicators (latest version only)."""
    suite_fields = [f for group, f in form.fields_with_dimension("suite") if group is None]
    progression = form.fields_with_dimension("progression")
    if not suite_fields and not progression:
        return
    earlier = [d.id for d in versions(session, document) if d.id != document.id]
    if earlier:
        session.execute(delete(EvaluatedObjective).where(EvaluatedObjective.document_id.in_(earlier)))
        session.execute(delete(ExitEvaluation).where(ExitEvaluation.document_id.in_(earlier)))
    assert document.finalised_at is not None
    evaluation = ExitEvaluation(
        document_id=document.id,
        programme_id=document.programme_id,
        parcours_id=document.parcours_id,
        finalised_on=document.finalised_at.date(),
        suite=answers.get(suite_fields[0].id) if suite_fields else None,
    )
    position = 0
    for group, f in progression:
        rows = answers.get(group.id, []) if group else [answers]
        for row in rows:
            if row.get(f.id):
                position += 1
                evaluation.objectives.append(EvaluatedObjective(position=position, progression=row[f.id]))
    session.add(evaluation)


def contract_objectives(
    session: Session, parcours: Parcours, read_answers: Callable[[Document], dict[str, Any]]
) -> list[str]:
    """The objectives of the signed contract, then those of its finalised avenants."""
    contract = signed_contract(session, parcours)
    if contract is None:
        return []
    objectives = [row.get("objectif") for row in read_answers(contract).get("objectifs", [])]
    avenants = session.scalars(
        select(Document)
        .where(Document.parcours_id == parcours.id, Document.form_id == AVENANT, Document.status == FINAL)
        .order_by(Document.id)
    )
    latest: dict[int, Document] = {}
    for avenant in avenants:
        latest[first_version(session, avenant).id] = avenant
    for avenant in latest.values():
        objectives += [row.get("objectif") for row in read_answers(avenant).get("objectifs", [])]
    seen: list[str] = []
    for objective in objectives:
        if isinstance(objective, str) and objective and objective not in seen:
            seen.append(objective)
    return seen
