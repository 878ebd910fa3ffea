"""Workflow rules of a parcours: EPS decision, référent, end of support.

Each function checks its rule, changes the rows, and records an audit event in the caller's
transaction; the caller commits (or rolls back on `WorkflowError`). Messages are French: views
show them to the user as they are.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from app.audit import services as audit
from app.authz.caseload import CaseRecord, holds_caseload
from app.authz.permissions import Permission
from app.authz.policy import policy
from app.children.models import Child, Parcours
from app.children.services import cipher_for
from app.crypto import normalise
from app.dates import format_date, periods_overlap
from app.i18n import _
from app.nomenclature import Decision, nomenclature
from app.parcours.models import TRANSFERS_TABLE, ReferentTransfer
from app.users.models import User

TRANSFER_NOTE_MAX = 600


class WorkflowError(ValueError):
    """A workflow rule refused the change; `str(error)` is a French message for the user."""


def _audit(session: Session, action: str, actor: User, parcours: Parcours) -> None:
    audit.record_for(session, action, parcours, actor_id=actor.id)


def _require_coordinator(actor: User, record: CaseRecord) -> None:
    if not policy(actor, Permission.EPS_DECIDE, record):
        raise WorkflowError(_("Seul·e le ou la coordonnateur·rice du programme peut faire cela."))


def require_accepted(parcours: Parcours) -> None:
    """Fin de prise en charge and sortie documents exist only for an accepted parcours."""
    if parcours.decision_eps != Decision.ACCEPTE:
        raise WorkflowError(_("Ce document n'est possible que pour un parcours accepté par l'EPS."))


def check_no_overlap(
    session: Session, child: Child, parcours: Parcours, date_entree: date, date_sortie: date | None
) -> None:
    """Accepted parcours of one child never overlap; periods are inclusive (sharing a day overlaps)."""
    others = session.scalars(
        select(Parcours).where(
            Parcours.child_id == child.id,
            Parcours.decision_eps == Decision.ACCEPTE,
            Parcours.date_entree.is_not(None),
            Parcours.id != parcours.id,
        )
    )
    for other in others:
        assert other.date_entree is not None
        if periods_overlap((date_entree, date_sortie), (other.date_entree, other.date_sortie)):
            until = format_date(other.date_sortie) if other.date_sortie else _("aujourd'hui (en cours)")
            raise WorkflowError(
                _(
                    "Cet enfant a déjà un parcours accepté du %(start)s au %(end)s : "
                    "les parcours ne peuvent pas se chevaucher."
                )
                % {"start": format_date(other.date_entree), "end": until}
            )


def _check_referent(referent: User | None, programme_id: int) -> User:
    if referent is None or not holds_caseload(referent) or referent.programme_id != programme_id:
        raise WorkflowError(_("Choisissez un·e référent·e actif·ve de ce programme."))
    return referent


def _check_date_entree(parcours: Parcours, date_entree: date) -> None:
    if date_entree < parcours.date_orientation:
        raise WorkflowError(
            _("La date d'entrée ne peut pas précéder la date d'orientation (%(date)s).")
            % {"date": format_date(parcours.date_orientation)}
        )
    if parcours.date_sortie is not None and date_entree > parcours.date_sortie:
        raise WorkflowError(_("La date d'entrée ne peut pas suivre la date de sortie."))


def record_decision(
    session: Session,
    parcours: Parcours,
    decision: str,
    decided_on: date | None,
    actor: User,
    referent_id: int | None = None,
    date_entree: date | None = None,
    waiting_list: bool = False,
) -> None:
    """Record the EPS decision (coordinator only); the EPS only sees finalised orientations.

    `accepte` needs a référent of the programme (assigned to the child), unless `waiting_list`
    (admitted, waiting for a référent), and may set the entry date (left as it was when None);
    any other decision clears the entry date. Going back to `en_attente` clears the decision date.
    """
    _require_coordinator(actor, parcours)
    if decision not in nomenclature().codes("decision_eps"):
        raise WorkflowError(_("Décision inconnue."))
    if parcours.date_sortie is not None:
        raise WorkflowError(_("Ce parcours est clos : sa décision ne peut plus changer."))
    if decision == Decision.EN_ATTENTE:
        decided_on = None
    elif decided_on is None:
        raise WorkflowError(_("La date de la décision est obligatoire."))
    elif decided_on < parcours.date_orientation:
        raise WorkflowError(_("La date de la décision ne peut pas précéder la date d'orientation."))
    elif decided_on > date.today():
        raise WorkflowError(_("La date de la décision ne peut pas être dans le futur."))
    if decision != Decision.ACCEPTE and date_entree is not None:
        raise WorkflowError(_("Une date d'entrée n'est possible qu'avec la décision « accepté »."))

    child = parcours.child
    if decision == Decision.ACCEPTE:
        referent = None
        if referent_id or not waiting_list:
            referent = _check_referent(session.get(User, referent_id) if referent_id else None, parcours.programme_id)
        entree = date_entree or parcours.date_entree
        if entree is not None:
            _check_date_entree(parcours, entree)
            check_no_overlap(session, child, parcours, entree, parcours.date_sortie)
        parcours.date_entree = entree
        if referent is not None:
            assign_referent(session, child, referent, actor)
    else:
        parcours.date_entree = None
    parcours.decision_eps = Decision(decision)
    parcours.date_decision = decided_on
    _audit(session, f"parcours.decision:{decision}", actor, parcours)
    session.flush()


def names_in(text: str, names: Iterable[str]) -> list[str]:
    """The names (whole words, accents, case and invisibles folded) that `text` contains."""
    words = f" {normalise(text)} "
    return [name for name in names if normalise(name) and f" {normalise(name)} " in words]


def set_facts_shared(
    session: Session,
    parcours: Parcours,
    shared: bool,
    actor: User,
    facts: str = "",
    names: Iterable[str] | None = (),
) -> None:
    """Mark whether the observed facts of the orientation are shown on the EPS agenda.

    The EPS sees pseudonyms only: facts that name the child or a guardian (`names`; None when
    they cannot be read, so the facts cannot be checked) are refused."""
    _require_coordinator(actor, parcours)
    if shared and names is None:
        raise WorkflowError(
            _("L'identité de l'enfant est illisible : les faits observés ne peuvent pas être vérifiés.")
        )
    if shared and names_in(facts, names or ()):
        raise WorkflowError(
            _(
                "Les faits observés contiennent le nom ou le prénom de l'enfant ou d'un responsable : "
                "l'EPS ne doit voir que le pseudonyme. Retirez ces noms de la fiche d'orientation, "
                "puis partagez à nouveau."
            )
        )
    if parcours.eps_facts_shared != shared:
        parcours.eps_facts_shared = shared
        _audit(session, "parcours.eps_facts." + ("share" if shared else "unshare"), actor, parcours)
        session.flush()


def assign_referent(session: Session, child: Child, referent: User | None, actor: User, note: str = "") -> None:
    """Give the child's caseload to `referent` (coordinator only; an active référent of the programme).

    The first référent is an assignment (`child.referent.assign`), a change a transfer
    (`child.referent.transfer`): the earlier référent loses access. `note`, for the new référent,
    is encrypted with the child's key."""
    _require_coordinator(actor, child)
    referent = _check_referent(referent, child.programme_id)
    note = note.strip()
    if len(note) > TRANSFER_NOTE_MAX:
        raise WorkflowError(
            _("La note au ou à la référent·e est limitée à %(n)d caractères.") % {"n": TRANSFER_NOTE_MAX}
        )
    if child.referent_id == referent.id:
        return
    previous = child.referent_id
    child.referent_id = referent.id
    transfer = ReferentTransfer(
        child_id=child.id, from_referent_id=previous, to_referent_id=referent.id, created_by=actor.id
    )
    session.add(transfer)
    session.flush()
    if note:
        transfer.note = cipher_for(child).encrypt_text(TRANSFERS_TABLE, transfer.id, "note", note)
    action = "child.referent.assign" if previous is None else "child.referent.transfer"
    audit.record_for(session, action, child, actor_id=actor.id)
    session.flush()


def exit_date_problem(parcours: Parcours, date_sortie: date, entree: date | None = None) -> str | None:
    """Why `date_sortie` cannot end this parcours (in French), or None: it precedes its entry date
    (`entree`, else the recorded one) or, for an admission that never began, the EPS admission."""
    entree = entree or parcours.date_entree
    if entree is not None:
        if date_sortie < entree:
            return _("La date de sortie ne peut pas précéder la date d'entrée (%(date)s).") % {
                "date": format_date(entree)
            }
        return None
    admitted = parcours.date_decision or parcours.date_orientation
    if date_sortie < admitted:
        return _("La date de sortie ne peut pas précéder l'admission par l'EPS (%(date)s).") % {
            "date": format_date(admitted)
        }
    return None


def close_parcours(
    session: Session,
    parcours: Parcours,
    date_sortie: date,
    motif_sortie: str,
    actor: User,
    date_entree: date | None = None,
) -> None:
    """End the support of an accepted parcours (called when a fin de prise en charge is finalised).

    `date_entree`, when given, records or corrects the entry date at the same time. Closing an
    already closed parcours again corrects its exit date and reason.
    """
    if not policy(actor, Permission.DOCUMENT_FINALISE, parcours):
        raise WorkflowError(_("Vous ne pouvez pas clore ce parcours."))
    require_accepted(parcours)
    entree = date_entree or parcours.date_entree
    if entree is None:
        raise WorkflowError(_("La date d'entrée du parcours est nécessaire pour le clore."))
    if motif_sortie not in nomenclature().codes("motif_sortie"):
        raise WorkflowError(_("Motif de sortie inconnu."))
    if problem := exit_date_problem(parcours, date_sortie, entree):
        raise WorkflowError(problem)
    if entree < parcours.date_orientation:
        raise WorkflowError(
            _("La date d'entrée ne peut pas précéder la date d'orientation (%(date)s).")
            % {"date": format_date(parcours.date_orientation)}
        )
    check_no_overlap(session, parcours.child, parcours, entree, date_sortie)
    parcours.date_entree = entree
    parcours.date_sortie = date_sortie
    parcours.motif_sortie = motif_sortie
    _audit(session, "parcours.close", actor, parcours)
    session.flush()


def end_before_entry(session: Session, parcours: Parcours, date_sortie: date, motif_sortie: str, actor: User) -> None:
    """End an admitted parcours whose contract was never signed: it closes without having begun.

    No entry date (the parcours never counted as entered or followed, nor will it count as an exit);
    the exit date and reason close it, so that the child's file leaves the open caseload and its
    retention runs. Only the coordinator does this (`app.exits`, a closure without the family)."""
    _require_coordinator(actor, parcours)
    require_accepted(parcours)
    if parcours.date_entree is not None or parcours.date_sortie is not None:
        raise WorkflowError(_("Ce parcours a commencé ou est déjà clos."))
    if motif_sortie not in nomenclature().codes("motif_sortie"):
        raise WorkflowError(_("Motif de sortie inconnu."))
    if problem := exit_date_problem(parcours, date_sortie):
        raise WorkflowError(problem)
    parcours.date_sortie = date_sortie
    parcours.motif_sortie = motif_sortie
    _audit(session, "parcours.close", actor, parcours)
    session.flush()


def shred_transfer_notes(session: Session, child_ids: list[int]) -> None:
    """A purge: the notes to the référents go (who handed over to whom stays)."""
    session.execute(update(ReferentTransfer).where(ReferentTransfer.child_id.in_(child_ids)).values(note=None))
