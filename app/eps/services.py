"""Rules of the EPS séance: scheduling, agenda, presentations, charter, attendance, decisions, closing.

Each function checks its rule, changes the rows and records an audit event in the caller's
transaction; the caller commits (or rolls back on `EpsError`). Messages are French.
"""

from __future__ import annotations

import hashlib
import unicodedata
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.audit import services as audit
from app.authz import Permission, policy
from app.children.models import Parcours
from app.children.services import cipher_for, read_identity
from app.db import new_public_id, utcnow
from app.documents.queries import is_finalised
from app.eps import letters
from app.eps.models import (
    AJOURNEE,
    CLOSE,
    ITEM_KINDS,
    ORIENTATION,
    SORTIE,
    AgendaItem,
    EpsDecision,
    ReviewRequest,
    Seance,
    SeanceExternal,
    SeanceMember,
)
from app.exits import services as exits
from app.i18n import _
from app.nomenclature import Decision, nomenclature
from app.parcours import services as parcours_services
from app.users.models import User

ITEMS_TABLE = "eps_agenda_items"
DECISIONS_TABLE = "eps_decisions"
PRESENTATION_MAX = 1200
NOTE_MAX = 400


class EpsError(ValueError):
    """A rule refused the change; `str(error)` is a French message for the user."""


def record(session: Session, action: str, actor: User | None, target_type: str, target_id: str) -> None:
    audit.record(
        session,
        action,
        actor_id=actor.id if actor else None,
        programme_id=actor.programme_id if actor else None,
        target_type=target_type,
        target_id=target_id,
    )


def require_coordinator(actor: User, programme_id: int) -> None:
    if not policy(actor, Permission.EPS_SEANCE_MANAGE) or actor.programme_id != programme_id:
        raise EpsError(_("Seul·e le ou la coordonnateur·rice du programme peut faire cela."))


def _open(seance: Seance) -> None:
    if seance.closed:
        raise EpsError(_("Cette séance est close : son relevé de décisions est scellé."))


# --- séances and their agenda --------------------------------------------------------------------


def schedule(session: Session, actor: User, starts_at: datetime, lieu: str) -> Seance:
    require_coordinator(actor, actor.programme_id)
    if not lieu.strip():
        raise EpsError(_("Indiquez le lieu de la séance."))
    seance = Seance(
        public_id=new_public_id(),
        programme_id=actor.programme_id,
        starts_at=starts_at,
        lieu=lieu.strip(),
        created_by=actor.id,
    )
    session.add(seance)
    session.flush()
    record(session, "eps.seance.create", actor, "eps_seances", seance.public_id)
    return seance


def set_participants(
    session: Session, actor: User, seance: Seance, member_ids: list[int], externals: list[tuple[str, str]]
) -> None:
    """Invite EPS members (accounts of the programme) and list the external attendees."""
    require_coordinator(actor, seance.programme_id)
    _open(seance)
    if not member_ids:
        raise EpsError(_("Invitez au moins un membre de l'EPS."))
    members = list(session.scalars(select(User).where(User.id.in_(member_ids))))
    if any(not policy(u, Permission.EPS_CHARTER) or u.programme_id != seance.programme_id for u in members):
        raise EpsError(_("Seuls les membres de l'EPS de ce programme peuvent être invités."))
    kept = {m.user_id: m for m in seance.members}
    seance.members = [kept.get(u.id) or SeanceMember(user_id=u.id) for u in members]
    for name, structure in externals:
        if not name.strip() or not structure.strip():
            raise EpsError(_("Pour une personne extérieure, indiquez son nom et sa structure."))
        seance.externals.append(SeanceExternal(name=name.strip()[:200], structure=structure.strip()[:200]))
    session.flush()
    record(session, "eps.seance.participants", actor, "eps_seances", seance.public_id)


def add_item(session: Session, actor: User, seance: Seance, parcours: Parcours, kind: str) -> AgendaItem:
    require_coordinator(actor, seance.programme_id)
    _open(seance)
    if parcours.programme_id != seance.programme_id or kind not in ITEM_KINDS:
        raise EpsError(_("Cette situation ne peut pas être inscrite à cette séance."))
    if kind in (ORIENTATION, AJOURNEE) and not is_finalised(session, parcours):
        raise EpsError(_("La fiche d'orientation est encore un brouillon : elle ne peut pas venir à l'EPS."))
    if any(item.parcours_id == parcours.id for item in seance.items):
        raise EpsError(_("Cette situation est déjà à l'ordre du jour de la séance."))
    item = AgendaItem(
        public_id=new_public_id(),
        parcours_id=parcours.id,
        kind=kind,
        position=len(seance.items) + 1,
    )
    seance.items.append(item)
    session.flush()
    for request in session.scalars(
        select(ReviewRequest).where(ReviewRequest.parcours_id == parcours.id, ReviewRequest.item_id.is_(None))
    ):
        request.item_id = item.id
    record(session, "eps.agenda.add", actor, "parcours", parcours.public_id)
    return item


def move_item(session: Session, actor: User, item: AgendaItem, offset: int) -> None:
    """Move an item up (-1) or down (+1) the agenda."""
    seance = item.seance
    require_coordinator(actor, seance.programme_id)
    _open(seance)
    items = list(seance.items)
    index = items.index(item)
    target = index + offset
    if 0 <= target < len(items):
        items[index], items[target] = items[target], items[index]
        for position, each in enumerate(items, start=1):
            each.position = position
        session.flush()
        session.expire(seance, ["items"])
        record(session, "eps.agenda.order", actor, "eps_seances", seance.public_id)


def remove_item(session: Session, actor: User, item: AgendaItem) -> None:
    seance = item.seance
    require_coordinator(actor, seance.programme_id)
    _open(seance)
    if item.decisions:
        raise EpsError(_("Une décision est enregistrée pour cette situation : elle reste à l'ordre du jour."))
    for request in session.scalars(select(ReviewRequest).where(ReviewRequest.item_id == item.id)):
        request.item_id = None
    seance.items.remove(item)
    for position, each in enumerate(seance.items, start=1):
        each.position = position
    session.flush()
    record(session, "eps.agenda.remove", actor, "parcours", item.parcours.public_id)


def _folded(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def names_in(text: str, item: AgendaItem) -> list[str]:
    """The child's names (nom, prénom) found in `text`, accents and case ignored."""
    identity = read_identity(item.child)
    folded = _folded(text)
    return [name for name in (identity.prenom, identity.nom) if len(name) > 1 and _folded(name) in folded]


def set_presentation(session: Session, actor: User, item: AgendaItem, text: str) -> None:
    """The référent's short presentation, shared on purpose with the EPS (encrypted)."""
    _open(item.seance)
    text = text.strip()
    if len(text) > PRESENTATION_MAX:
        raise EpsError(_("La présentation est limitée à %(n)d caractères.") % {"n": PRESENTATION_MAX})
    item.presentation = (
        cipher_for(item.child).encrypt_text(ITEMS_TABLE, item.id, "presentation", text) if text else None
    )
    item.presentation_by = actor.id
    session.flush()
    record(session, "eps.presentation.save", actor, "parcours", item.parcours.public_id)


def presentation_of(item: AgendaItem) -> str:
    if item.presentation is None:
        return ""
    return cipher_for(item.child).decrypt_text(ITEMS_TABLE, item.id, "presentation", item.presentation)


def request_review(session: Session, actor: User, parcours: Parcours, kind: str) -> ReviewRequest:
    """A référent (or the coordinator) asks for a review, or proposes the exit, at a next séance."""
    if kind not in ("revue", "sortie"):
        raise EpsError(_("Demande inconnue."))
    if parcours.decision_eps != Decision.ACCEPTE or parcours.date_sortie is not None:
        raise EpsError(_("Seul un parcours en cours peut être revu par l'EPS."))
    request = ReviewRequest(parcours_id=parcours.id, kind=kind, requested_by=actor.id)
    session.add(request)
    session.flush()
    record(session, f"eps.review.request:{kind}", actor, "parcours", parcours.public_id)
    return request


# --- during and after the séance -----------------------------------------------------------------


def record_attendance(session: Session, actor: User, seance: Seance, members: set[int], externals: set[int]) -> None:
    require_coordinator(actor, seance.programme_id)
    _open(seance)
    for member in seance.members:
        member.present = member.user_id in members
    for external in seance.externals:
        external.present = external.id in externals
    session.flush()
    record(session, "eps.seance.attendance", actor, "eps_seances", seance.public_id)


def decide(
    session: Session,
    actor: User,
    item: AgendaItem,
    outcome: str,
    decided_on: date,
    *,
    reorientation: str | None = None,
    manque: str | None = None,
    preconisations: list[str] | None = None,
    note: str = "",
    referent_id: int | None = None,
    date_entree: date | None = None,
) -> EpsDecision:
    """Record the séance's decision on one situation; an earlier one (an ajournement) is kept."""
    seance = item.seance
    require_coordinator(actor, seance.programme_id)
    _open(seance)
    n = nomenclature()
    orientation = item.kind in (ORIENTATION, AJOURNEE)
    allowed = [c for c in n.codes("decision_eps") if c != Decision.EN_ATTENTE] if orientation else n.codes("revue_eps")
    if outcome not in allowed:
        raise EpsError(_("Choisissez une décision de la liste."))
    if outcome == Decision.REORIENTE and reorientation not in n.codes("service_reorientation"):
        raise EpsError(_("Pour une réorientation, indiquez vers quel service."))
    if outcome == Decision.AJOURNE and manque not in n.codes("manque_ajournement"):
        raise EpsError(_("Pour un ajournement, indiquez ce qui manque pour décider."))
    codes = sorted(set(preconisations or []))
    if any(code not in n.codes("action") for code in codes):
        raise EpsError(_("Préconisation inconnue."))
    if len(note) > NOTE_MAX:
        raise EpsError(_("Le texte des préconisations est limité à %(n)d caractères.") % {"n": NOTE_MAX})
    parcours = item.parcours
    waiting = False
    if orientation and not is_finalised(session, parcours):
        raise EpsError(
            _("La fiche d'orientation est encore un brouillon : finalisez-la avant toute décision de l'EPS.")
        )
    if orientation:
        waiting = outcome == Decision.ACCEPTE and not referent_id and parcours.child.referent_id is None
        try:
            parcours_services.record_decision(
                session,
                parcours,
                outcome,
                decided_on,
                actor,
                referent_id=referent_id or parcours.child.referent_id if outcome == Decision.ACCEPTE else None,
                waiting_list=waiting,
                date_entree=date_entree if outcome == Decision.ACCEPTE else None,
            )
        except parcours_services.WorkflowError as error:
            raise EpsError(str(error)) from error
    elif decided_on > date.today():
        raise EpsError(_("La date de la décision ne peut pas être dans le futur."))
    decision = EpsDecision(
        public_id=new_public_id(),
        programme_id=seance.programme_id,
        parcours_id=parcours.id,
        seance_id=seance.id,
        item_id=item.id,
        outcome=outcome,
        decided_on=decided_on,
        reorientation=reorientation if outcome == Decision.REORIENTE else None,
        manque=manque if outcome == Decision.AJOURNE else None,
        preconisations="|".join(codes),
        referent_id=parcours.child.referent_id if outcome == Decision.ACCEPTE else None,
        liste_attente=waiting,
        created_by=actor.id,
    )
    session.add(decision)
    session.flush()
    if note.strip():
        decision.note = cipher_for(parcours.child).encrypt_text(DECISIONS_TABLE, decision.id, "note", note.strip())
    item.decisions.append(decision)
    record(session, f"eps.decision:{outcome}", actor, "parcours", parcours.public_id)
    if orientation:
        letters.write_letters(session, decision, actor)
    elif item.kind == SORTIE:
        try:  # a closure without the family proposed to the EPS takes effect, or not, with this decision
            exits.apply_eps_decision(session, actor, parcours, outcome, decided_on)
        except exits.ExitError as error:
            raise EpsError(str(error)) from error
    session.flush()
    return decision


def note_of(decision: EpsDecision) -> str:
    if decision.note is None:
        return ""
    return cipher_for(decision.parcours.child).decrypt_text(DECISIONS_TABLE, decision.id, "note", decision.note)


def close(session: Session, actor: User, seance: Seance) -> None:
    """Close the séance: the sealed, pseudonymised relevé de décisions is produced and kept."""
    require_coordinator(actor, seance.programme_id)
    _open(seance)
    if not seance.items:
        raise EpsError(_("L'ordre du jour est vide : inscrivez au moins une situation avant de clore."))
    undecided = [item for item in seance.items if item.decision is None]
    if undecided:
        raise EpsError(
            _("%(n)d situation(s) sans décision : enregistrez une décision (ou un ajournement) pour chacune.")
            % {"n": len(undecided)}
        )
    if any(member.present is None for member in seance.members) or not any(m.present for m in seance.members):
        raise EpsError(_("Enregistrez les présences (au moins un membre présent) avant de clore la séance."))
    seance.status = CLOSE
    seance.closed_at = utcnow()
    pdf = letters.sealed_releve(session, seance)
    seance.releve_pdf = pdf
    seance.releve_sha256 = hashlib.sha256(pdf).hexdigest()
    session.flush()
    record(session, "eps.seance.close", actor, "eps_seances", seance.public_id)


def releves_of_year(session: Session, programme_id: int, year: int) -> list[tuple[str, datetime, bytes]]:
    """(file name, closing time, sealed PDF) of the séances closed in `year`, for the yearly archive."""
    seances = session.scalars(
        select(Seance)
        .where(
            Seance.programme_id == programme_id,
            Seance.status == CLOSE,
            Seance.closed_at >= datetime(year, 1, 1),
            Seance.closed_at < datetime(year + 1, 1, 1),
        )
        .order_by(Seance.starts_at)
    )
    return [
        (f"releve-{s.starts_at:%Y-%m-%d}-{s.public_id}.pdf", s.closed_at, s.releve_pdf)
        for s in seances
        if s.closed_at is not None and s.releve_pdf is not None
    ]
