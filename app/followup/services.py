"""The actions of a parcours: recorded, then updated over time (status, dates), never signed.

Functions change rows, flush and audit in the caller's transaction. The action codes of the
parcours (`parcours_codes`, dimension `action`, read by `enfants_suivis.par_action`) are the types
of its recorded actions, whatever their status (a listed action counted so before), together with those of
a version-1 fiche de suivi (finalised before the journal existed) and of an import.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from sqlalchemy import ColumnElement, and_, bindparam, or_, select
from sqlalchemy.orm import Session

from app.audit import services as audit
from app.children.models import Child, Parcours, ParcoursCode
from app.children.services import cipher_for, read_identity
from app.dates import DateError, format_date, parse_date
from app.db import new_public_id, utcnow
from app.documents.models import FINAL, Document
from app.documents.services import codes_of_document
from app.followup import record
from app.followup.models import MODALITE_LABELS, STATUS_LABELS, ActionStatus, ParcoursAction
from app.i18n import _
from app.nomenclature import Decision, nomenclature
from app.users.models import Programme, User

TABLE = "parcours_actions"
MODALITES = ("individuelle", "collective")
MAX_TEXT = 200
MAX_COST = Decimal("1000000")


class ActionError(ValueError):
    """The action was refused; `errors` maps a field name to French messages."""

    def __init__(self, errors: dict[str, str]) -> None:
        self.errors = errors
        super().__init__(_("L'action contient des erreurs : corrigez les champs signalés."))


@dataclass(frozen=True)
class ActionValues:
    code: str
    status: str
    modalite: str
    debut: date | None
    fin: date | None
    intervenant: str
    cout: str  # a decimal number of euros, or ""
    financeur: str


def _date(raw: str, name: str, errors: dict[str, str]) -> date | None:
    if not raw.strip():
        return None
    try:
        return parse_date(raw.strip())
    except DateError as error:
        errors[name] = str(error)
        return None


def parse(raw: dict[str, str]) -> ActionValues:
    """Check what was typed; raise ActionError with a French message per wrong field."""
    errors: dict[str, str] = {}
    code = raw.get("code", "")
    if code not in nomenclature().codes("action"):
        errors["code"] = _("Choisissez le type d'action dans la liste.")
    status = raw.get("status", "")
    if status not in {s.value for s in ActionStatus}:
        errors["status"] = _("Choisissez l'état de l'action dans la liste.")
    modalite = raw.get("modalite", "")
    if modalite not in MODALITES:
        errors["modalite"] = _("Indiquez si l'action est individuelle ou collective.")
    debut, fin = _date(raw.get("debut", ""), "debut", errors), _date(raw.get("fin", ""), "fin", errors)
    if debut and fin and fin < debut:
        errors["fin"] = _("La fin ne peut pas précéder le début.")
    cout = raw.get("cout", "").strip().replace(",", ".").replace(" ", "").removesuffix("€")
    if cout:
        try:
            amount = Decimal(cout)
        except InvalidOperation:
            amount = Decimal(-1)
        if not amount.is_finite() or amount < 0 or amount >= MAX_COST:
            errors["cout"] = _("Coût invalide : saisissez un montant en euros, par exemple 120 ou 85,50.")
        else:
            cout = f"{amount.quantize(Decimal('0.01'))}"
    texts = {name: raw.get(name, "").strip() for name in ("intervenant", "financeur")}
    for name, value in texts.items():
        if len(value) > MAX_TEXT:
            errors[name] = _("Trop long : %(max)d caractères au plus.") % {"max": MAX_TEXT}
    if errors:
        raise ActionError(errors)
    return ActionValues(code, status, modalite, debut, fin, texts["intervenant"], cout, texts["financeur"])


def details(action: ParcoursAction) -> dict[str, str]:
    """The encrypted part of an action: provider, cost, funder."""
    if action.payload is None:
        return {"intervenant": "", "cout": "", "financeur": ""}
    child = action.parcours.child
    value: dict[str, str] = cipher_for(child).decrypt_json(
        TABLE, action.id, "payload", action.payload, write=action.payload_writes
    )
    return value


# Built once: the child's page reads it for each parcours at every view.
ACTIONS_OF_PARCOURS = (
    select(ParcoursAction)
    .where(ParcoursAction.parcours_id == bindparam("parcours_id"))
    .order_by(ParcoursAction.debut.is_(None), ParcoursAction.debut, ParcoursAction.id)
)


def actions_of(session: Session, parcours: Parcours) -> list[ParcoursAction]:
    return list(session.scalars(ACTIONS_OF_PARCOURS, {"parcours_id": parcours.id}))


def _require_accepted(parcours: Parcours) -> None:
    if parcours.decision_eps != Decision.ACCEPTE:
        raise ActionError({"": _("Les actions se saisissent une fois l'enfant admis par l'EPS.")})


def save_action(
    session: Session, actor: User, parcours: Parcours, values: ActionValues, action: ParcoursAction | None = None
) -> ParcoursAction:
    """Record a new action of the parcours, or update one (status, dates, anything): no signature involved."""
    _require_accepted(parcours)
    created = action is None
    previous_code = None if action is None else action.code
    if action is None:
        action = ParcoursAction(public_id=new_public_id(), programme_id=parcours.programme_id, parcours_id=parcours.id)
        action.parcours = parcours
        session.add(action)
    action.code, action.status, action.modalite = values.code, ActionStatus(values.status), values.modalite
    action.debut, action.fin = values.debut, values.fin
    action.updated_at = utcnow()
    session.flush()
    action.payload_writes = (action.payload_writes or 0) + 1
    payload = {"intervenant": values.intervenant, "cout": values.cout, "financeur": values.financeur}
    action.payload = cipher_for(parcours.child).encrypt_json(
        TABLE, action.id, "payload", payload, write=action.payload_writes
    )
    sync_action_codes(session, parcours, previous_code if previous_code != values.code else None)
    session.flush()
    audit.record_for(
        session, "parcours.action.create" if created else "parcours.action.update", action, actor_id=actor.id
    )
    return action


def sync_action_codes(session: Session, parcours: Parcours, replaced: str | None = None) -> None:
    """Add the types of the parcours' actions to its `action` codes; drop `replaced` (the former type of
    an edited action) unless an action, a version-1 fiche de suivi or the import still names it."""
    codes = set(session.scalars(select(ParcoursAction.code).where(ParcoursAction.parcours_id == parcours.id)))
    if replaced is not None and replaced not in codes and not parcours.imported:
        before_journal = session.scalar(
            select(Document)
            .where(Document.parcours_id == parcours.id, Document.form_id == "suivi", Document.form_version == 1)
            .where(Document.status == FINAL)
            .order_by(Document.id.desc())
            .limit(1)
        )
        if before_journal is None or replaced not in codes_of_document(before_journal, "action"):
            parcours.codes = [c for c in parcours.codes if c.dimension != "action" or c.code != replaced]
    present = {c.code for c in parcours.codes if c.dimension == "action"}
    added = [ParcoursCode(parcours_id=parcours.id, dimension="action", code=c) for c in sorted(codes - present)]
    parcours.codes = [*parcours.codes, *added]


ACTIONS_RECORD = record.FORM_ID  # what the archive names the record of a parcours' actions


def _of_year(year: int) -> ColumnElement[bool]:
    """Under way in the year (begun by its end, not ended before its start), or changed in it."""
    a = ParcoursAction
    start, end = date(year, 1, 1), date(year, 12, 31)
    under_way = and_(a.debut.is_not(None), a.debut <= end, or_(a.fin.is_(None), a.fin >= start))
    changed = and_(a.updated_at >= datetime(year, 1, 1), a.updated_at < datetime(year + 1, 1, 1))
    return or_(under_way, changed)


def actions_of_year(session: Session, programme: Programme, year: int) -> Iterator[tuple[str, str, datetime, bytes]]:
    """(pseudonym, parcours id, last change, sealed PDF of its actions) of each parcours with actions
    in `year`, one at a time, for the yearly archive (children not purged)."""
    of_year = _of_year(year)
    parcours_ids = list(
        session.scalars(
            select(ParcoursAction.parcours_id)
            .join(Parcours, ParcoursAction.parcours_id == Parcours.id)
            .join(Child, Parcours.child_id == Child.id)
            .where(ParcoursAction.programme_id == programme.id, Child.purged_at.is_(None), of_year)
            .group_by(ParcoursAction.parcours_id)
            .order_by(ParcoursAction.parcours_id)
        )
    )
    query = ACTIONS_OF_PARCOURS.where(of_year)  # built once for every parcours of the year
    for parcours_id in parcours_ids:
        actions = list(session.scalars(query, {"parcours_id": parcours_id}))
        parcours = actions[0].parcours
        changed = max(action.updated_at for action in actions)
        rows = [_archive_row(action) for action in actions]
        pdf = record.sealed_actions(programme, parcours, read_identity(parcours.child), rows, year)
        yield parcours.child.pseudonym, parcours.public_id, changed, pdf


def _archive_row(action: ParcoursAction) -> list[str]:
    """An action as the archive's record lists it (`record.COLUMNS`)."""
    secret = details(action)
    period = " - ".join(format_date(day) if day else "?" for day in (action.debut, action.fin))
    cost = f"{secret['cout'].replace('.', ',')} €" if secret["cout"] else "-"
    if secret["financeur"]:
        cost += f" ({secret['financeur']})"
    return [
        nomenclature().label("action", action.code),
        str(MODALITE_LABELS.get(action.modalite, action.modalite)),
        str(STATUS_LABELS[action.status]),
        period if action.debut or action.fin else "-",
        secret["intervenant"] or "-",
        cost,
    ]
