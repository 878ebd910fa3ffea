"""Closing a parcours without the family: perte de contact, déménagement, refus.

An admitted parcours whose contract the family never signed closes the same way: it ends before
having begun (no entry date; `parcours.services.end_before_entry`).

The coordinator records the reason, the exit date, the attempts made to reach the family and a
short note. The parcours' clear `date_sortie`/`motif_sortie` are set (the indicators count the exit,
the retention clock runs from the last contact with the family) and a sealed PDF record is kept,
encrypted, in the child's file. When the programme requires it, the closure is first a proposal
that the next EPS séance validates (`apply_eps_decision`). Messages are French.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import asdict, dataclass
from datetime import date, datetime

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session

from app.audit import services as audit
from app.authz import Permission, policy
from app.children.models import Child, Parcours
from app.children.services import EXITS_WITHOUT_FAMILY, cipher_for, read_identity
from app.dates import format_date
from app.db import db, new_public_id, utcnow
from app.exits import record
from app.exits.models import CLOSURES_TABLE, EFFECTIVE, PROPOSED, REFUSED, Closure
from app.i18n import _
from app.nomenclature import Decision, nomenclature
from app.parcours import services as parcours_services
from app.users.models import Programme, User

NOTE_MAX = 600
DETAIL_MAX = 200
MAX_ATTEMPTS = 6
VALIDATED = "sortie_proposee"  # the EPS review outcome that confirms a proposed exit
MEANS = {
    "telephone": _("Appel téléphonique"),
    "sms_courriel": _("SMS ou courriel"),
    "courrier": _("Courrier"),
    "visite_domicile": _("Visite à domicile"),
    "etablissement": _("Par l'établissement scolaire ou un partenaire"),
    "autre": _("Autre moyen"),
}


class ExitError(ValueError):
    """The closure is refused; `str(error)` is a French message for the user."""


@dataclass(frozen=True)
class Attempt:
    day: date
    means: str
    detail: str = ""


@dataclass(frozen=True)
class Details:
    attempts: list[Attempt]
    note: str


def _check(parcours: Parcours, motif: str, date_sortie: date, attempts: list[Attempt], note: str) -> None:
    if parcours.decision_eps != Decision.ACCEPTE or parcours.date_sortie is not None:
        raise ExitError(_("Seul un parcours en cours (admis, non clos) peut être clos."))
    if motif not in EXITS_WITHOUT_FAMILY:
        raise ExitError(_("Choisissez le motif : perte de contact, déménagement ou refus de la famille."))
    if date_sortie > date.today():
        raise ExitError(
            _("La date de sortie ne peut pas être dans le futur : indiquez la date où le parcours a pris fin.")
        )
    if problem := parcours_services.exit_date_problem(parcours, date_sortie):
        raise ExitError(problem)
    if motif == "perte_contact" and not attempts:
        raise ExitError(_("Pour une perte de contact, indiquez au moins une tentative de contact (date et moyen)."))
    if len(attempts) > MAX_ATTEMPTS:
        raise ExitError(_("%(n)d tentatives au plus.") % {"n": MAX_ATTEMPTS})
    for attempt in attempts:
        if attempt.means not in MEANS:
            raise ExitError(_("Choisissez le moyen de chaque tentative de contact dans la liste."))
        if attempt.day > date.today():
            raise ExitError(_("Une tentative de contact ne peut pas être datée dans le futur."))
        if len(attempt.detail) > DETAIL_MAX:
            raise ExitError(_("La précision d'une tentative est limitée à %(n)d caractères.") % {"n": DETAIL_MAX})
    if len(note) > NOTE_MAX:
        raise ExitError(_("La note est limitée à %(n)d caractères.") % {"n": NOTE_MAX})


def pending_closure(session: Session, parcours: Parcours) -> Closure | None:
    return session.scalar(select(Closure).where(Closure.parcours_id == parcours.id, Closure.status == PROPOSED))


def close_without_family(
    session: Session,
    actor: User,
    parcours: Parcours,
    motif: str,
    date_sortie: date,
    attempts: list[Attempt],
    note: str = "",
) -> Closure:
    """Close (or, when the programme requires it, propose to the EPS to close) the parcours."""
    if not policy(actor, Permission.EPS_DECIDE, parcours):
        raise ExitError(_("Seul·e le ou la coordonnateur·rice du programme peut clore un parcours sans la famille."))
    note = note.strip()
    attempts = sorted(attempts, key=lambda a: a.day)
    _check(parcours, motif, date_sortie, attempts, note)
    if pending_closure(session, parcours) is not None:
        raise ExitError(_("Une sortie de ce parcours est déjà proposée à l'EPS."))
    programme = session.get(Programme, parcours.programme_id)
    assert programme is not None
    closure = Closure(
        public_id=new_public_id(),
        programme_id=parcours.programme_id,
        parcours_id=parcours.id,
        motif_sortie=motif,
        date_sortie=date_sortie,
        status=PROPOSED if programme.exits_need_eps else EFFECTIVE,
        attempts_count=len(attempts),
        details=b"",
        created_by=actor.id,
    )
    closure.parcours = parcours
    session.add(closure)
    session.flush()
    payload = {"attempts": [{**asdict(a), "day": a.day.isoformat()} for a in attempts], "note": note}
    closure.details = cipher_for(parcours.child).encrypt_json(CLOSURES_TABLE, closure.id, "details", payload)
    audit.record_for(session, f"parcours.closure:{closure.status}", parcours, actor_id=actor.id)
    if closure.status == EFFECTIVE:
        _take_effect(session, actor, closure, programme)
    session.flush()
    return closure


def _take_effect(
    session: Session, actor: User, closure: Closure, programme: Programme, eps_day: date | None = None
) -> None:
    parcours = closure.parcours
    end = parcours_services.close_parcours if parcours.date_entree else parcours_services.end_before_entry
    try:
        end(session, parcours, closure.date_sortie, closure.motif_sortie, actor)
    except parcours_services.WorkflowError as error:
        raise ExitError(str(error)) from error
    closure.status = EFFECTIVE
    closure.effective_at = utcnow()
    details = details_of(closure)
    rows = [[format_date(a.day), str(MEANS[a.means]), a.detail or "-"] for a in details.attempts]
    identity = read_identity(parcours.child)
    pdf = record.sealed_record(programme, closure, identity, rows, details.note, actor, eps_day)
    closure.pdf = cipher_for(parcours.child).encrypt(CLOSURES_TABLE, closure.id, "pdf", pdf)


def apply_eps_decision(session: Session, actor: User, parcours: Parcours, outcome: str, decided_on: date) -> None:
    """A séance decided on a proposed exit: `sortie_proposee` confirms it, any other outcome keeps the parcours."""
    closure = pending_closure(session, parcours)
    if closure is None:
        return
    programme = session.get(Programme, parcours.programme_id)
    assert programme is not None
    if outcome == VALIDATED:
        _take_effect(session, actor, closure, programme, decided_on)
    else:
        closure.status = REFUSED
    audit.record_for(session, f"parcours.closure:{closure.status}", parcours, actor_id=actor.id)
    session.flush()


def details_of(closure: Closure) -> Details:
    values = cipher_for(closure.parcours.child).decrypt_json(CLOSURES_TABLE, closure.id, "details", closure.details)
    attempts = [Attempt(date.fromisoformat(a["day"]), a["means"], a["detail"]) for a in values["attempts"]]
    return Details(attempts, values["note"])


def read_pdf(closure: Closure) -> bytes:
    assert closure.pdf is not None
    return cipher_for(closure.parcours.child).decrypt(CLOSURES_TABLE, closure.id, "pdf", closure.pdf)


def load_parcours(parcours_id: str) -> Parcours | None:
    return db.session.scalar(select(Parcours).where(Parcours.public_id == parcours_id))


def load_closure(closure_id: str) -> Closure | None:
    return db.session.scalar(select(Closure).where(Closure.public_id == closure_id))


# Built once (the child's page reads it at every view; building a statement costs more than running it).
CLOSURES_OF_CHILD = (
    select(Closure).join(Parcours).where(Parcours.child_id == bindparam("child_id")).order_by(Closure.id.desc())
)


def closures_of(session: Session, child: Child) -> dict[int, list[Closure]]:
    """The closures of the child's parcours, by parcours id (newest first)."""
    found: dict[int, list[Closure]] = {}
    for closure in session.scalars(CLOSURES_OF_CHILD, {"child_id": child.id}):
        found.setdefault(closure.parcours_id, []).append(closure)
    return found


def records_of_year(session: Session, programme_id: int, year: int) -> Iterator[tuple[str, str, datetime, bytes]]:
    """(pseudonym, closure id, effective time, sealed PDF) of the closures effective in `year`, one at a
    time, for the yearly archive (children not purged)."""
    ids = list(
        session.scalars(
            select(Closure.id)
            .join(Parcours, Closure.parcours_id == Parcours.id)
            .join(Child, Parcours.child_id == Child.id)
            .where(
                Closure.programme_id == programme_id,
                Closure.pdf.is_not(None),
                Child.purged_at.is_(None),
                Closure.effective_at >= datetime(year, 1, 1),
                Closure.effective_at < datetime(year + 1, 1, 1),
            )
            .order_by(Closure.id)
        )
    )
    for closure_id in ids:
        closure = session.get(Closure, closure_id)
        if closure is not None and closure.effective_at is not None:
            yield closure.parcours.child.pseudonym, closure.public_id, closure.effective_at, read_pdf(closure)


def motif_label(code: str) -> str:
    return nomenclature().label("motif_sortie", code)


def shred(session: Session, child_ids: list[int]) -> None:
    """A purge: the attempts, the note and the PDF go (the codes and dates stay for the indicators)."""
    parcours_ids = select(Parcours.id).where(Parcours.child_id.in_(child_ids))
    session.execute(update(Closure).where(Closure.parcours_id.in_(parcours_ids)).values(details=b"", pdf=None))
