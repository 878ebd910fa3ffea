"""Élimination of the files past retention, as the Code du patrimoine reads it.

These files are public archives: destroying them needs the visa of the director of the archives
départementales (Code du patrimoine, L. 212-2 and R. 212-14), given on a bordereau that names the
records (typology, dates extrêmes, volume). The coordinator records the visa (number, date, the
years of last contact it covers); `parcours purge` then eliminates the covered files whose
documents were archived, and produces the bordereau of what went — counts and years, no names —
sealed with the programme's certificate and kept for good.
"""

from __future__ import annotations

import secrets
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.audit import services as audit
from app.audit.models import AuditEvent
from app.children.models import Child
from app.dates import format_date, format_time, reading_zone
from app.db import utcnow
from app.documents.models import FINAL, Document
from app.i18n import _
from app.retention.models import Elimination, EliminationVisa
from app.retention.pdf import Block, Sheet, sealed_sheet
from app.retention.purge import expired_children, shred
from app.users.models import Programme, User

NUMBER_MAX = 64
DESCRIPTION = _(
    "Dossiers individuels du Programme de réussite éducative : fiches d'orientation, contrats et "
    "fiches de suivi, attestations de fin de prise en charge, fiches de sortie et d'évaluation."
)


class EliminationError(ValueError):
    """The élimination or the visa was refused; `str(error)` says why, in French."""


@dataclass(frozen=True)
class Candidate:
    """A file past retention, described without its name."""

    child: Child
    contact_year: int
    documents: int
    first_year: int
    last_year: int
    unarchived_years: tuple[int, ...]


@dataclass
class Plan:
    programme: Programme
    visa: EliminationVisa | None
    retention_years: int
    covered: list[Candidate] = field(default_factory=list)  # ready to go
    unarchived: list[Candidate] = field(default_factory=list)  # covered, but a closed year was never archived
    outside_visa: list[Candidate] = field(default_factory=list)  # past retention, not covered by the visa


def record_visa(
    session: Session,
    programme: Programme,
    *,
    number: str,
    granted_on: date,
    first_year: int,
    last_year: int,
    actor: User | None,
) -> EliminationVisa:
    """Record the archives départementales' visa for the programme (audited)."""
    number = " ".join(number.split())
    if not number or len(number) > NUMBER_MAX:
        raise EliminationError(_("Indiquez le numéro du visa (64 caractères au plus)."))
    if granted_on > date.today():
        raise EliminationError(_("La date du visa ne peut pas être dans le futur."))
    if not 2000 <= first_year <= last_year <= date.today().year:
        raise EliminationError(
            _("Les années couvertes vont de 2000 à l'année en cours, la première avant ou égale à la dernière.")
        )
    taken = select(EliminationVisa.id).where(
        EliminationVisa.programme_id == programme.id, EliminationVisa.number == number
    )
    if session.scalar(taken) is not None:
        raise EliminationError(_("Un visa portant ce numéro est déjà enregistré pour ce programme."))
    visa = EliminationVisa(
        public_id=secrets.token_urlsafe(12),
        programme_id=programme.id,
        number=number,
        granted_on=granted_on,
        first_year=first_year,
        last_year=last_year,
        recorded_by=actor.id if actor else None,
    )
    session.add(visa)
    session.flush()
    audit.record_for(session, "elimination.visa_record", visa, actor_id=actor.id if actor else None)
    return visa


def visas_of(session: Session, programme: Programme) -> list[EliminationVisa]:
    query = select(EliminationVisa).where(EliminationVisa.programme_id == programme.id)
    return list(session.scalars(query.order_by(EliminationVisa.granted_on.desc(), EliminationVisa.id.desc())))


def eliminations_of(session: Session, programme: Programme) -> list[Elimination]:
    query = select(Elimination).where(Elimination.programme_id == programme.id)
    return list(session.scalars(query.order_by(Elimination.performed_at.desc())))


def usable_visa(session: Session, programme: Programme, number: str | None = None) -> EliminationVisa | None:
    """The visa named by `number`, else the latest one; only if granted and not used yet."""
    for visa in visas_of(session, programme):
        if (number is None or visa.number == number) and visa.used_at is None and visa.granted_on <= date.today():
            return visa
    return None


def _archived_at(session: Session, programme: Programme, year: int) -> datetime | None:
    """When the latest archive export of `year` was completed (from the audit trail), or None."""
    query = select(func.max(AuditEvent.at)).where(
        AuditEvent.action == "archive.export",
        AuditEvent.programme_id == programme.id,
        AuditEvent.target_id == f"{programme.code}-{year}",
        AuditEvent.outcome == "ok",
    )
    return session.scalar(query)


def _describe(session: Session, programme: Programme, child: Child, today: date) -> Candidate:
    finalised = session.execute(
        select(Document.finalised_at).where(Document.child_id == child.id, Document.status == FINAL)
    ).all()
    latest_by_year: dict[int, datetime] = {}
    for (at,) in finalised:
        if at is not None and (at.year not in latest_by_year or at > latest_by_year[at.year]):
            latest_by_year[at.year] = at
    unarchived = []
    for year, latest in sorted(latest_by_year.items()):
        if year >= today.year:
            continue  # the current year cannot be archived yet
        archived = _archived_at(session, programme, year)
        if archived is None or archived < latest:
            unarchived.append(year)
    years = [p.date_orientation.year for p in child.parcours] + list(latest_by_year)
    years.append(child.last_family_contact.year)
    return Candidate(
        child=child,
        contact_year=child.last_family_contact.year,
        documents=len(finalised),
        first_year=min(years),
        last_year=max(years),
        unarchived_years=tuple(unarchived),
    )


def plan_elimination(
    session: Session, programme: Programme, today: date, retention_years: int, visa_number: str | None = None
) -> Plan:
    """What an élimination would do now: which files go, which wait for a visa or an archive."""
    visa = usable_visa(session, programme, visa_number)
    plan = Plan(programme=programme, visa=visa, retention_years=retention_years)
    for child in expired_children(session, today, retention_years, programme.id):
        candidate = _describe(session, programme, child, today)
        if visa is None or not visa.covers(candidate.contact_year):
            plan.outside_visa.append(candidate)
        elif candidate.unarchived_years:
            plan.unarchived.append(candidate)
        else:
            plan.covered.append(candidate)
    return plan


def _duration(retention_years: int, forced: int) -> str:
    text = _(
        "Durée d'utilité administrative : %(years)d ans après le dernier contact émanant de la famille "
        "(référentiel CNIL protection de l'enfance, 2022)."
    ) % {"years": retention_years}
    if not forced:
        text += " " + _("Les documents scellés de chaque année close ont été versés à l'archive annuelle.")
    return text


def _bordereau(plan: Plan, gone: list[Candidate], forced: int, actor: User | None, at: datetime) -> Sheet:
    assert plan.visa is not None
    visa, programme = plan.visa, plan.programme
    by_year: dict[int, list[Candidate]] = defaultdict(list)
    for candidate in gone:
        by_year[candidate.contact_year].append(candidate)
    rows = [
        [
            str(year),
            f"{min(c.first_year for c in group)}-{max(c.last_year for c in group)}",
            str(len(group)),
            str(sum(c.documents for c in group)),
        ]
        for year, group in sorted(by_year.items())
    ]
    rows.append(["Total", "", str(len(gone)), str(sum(c.documents for c in gone))])
    who = f"{actor.name} ({actor.role_label})" if actor else _("ligne de commande du serveur (parcours purge)")
    blocks = [
        Block(
            _("Service versant"),
            facts=[(_("Service"), f"{programme.name} ({programme.code})"), (_("Élimination effectuée par"), who)],
        ),
        Block(
            _("Visa d'élimination"),
            facts=[
                (
                    _("Visa du directeur des archives départementales"),
                    _("n° %(number)s du %(date)s") % {"number": visa.number, "date": format_date(visa.granted_on)},
                ),
                (_("Années de dernier contact couvertes"), f"{visa.first_year} à {visa.last_year}"),
            ],
        ),
        Block(
            _("Documents éliminés"),
            paragraphs=[DESCRIPTION, _duration(plan.retention_years, forced)],
            columns=[_("Année du dernier contact"), _("Dates extrêmes"), _("Dossiers"), _("Documents")],
            rows=rows,
        ),
        Block(
            _("Mode d'élimination"),
            paragraphs=[
                _(
                    "Effacement cryptographique : les clés de chiffrement propres à chaque dossier sont "
                    "détruites, ainsi que les identités, les réponses et les PDF chiffrés ; la clé qui les "
                    "protégeait dans les sauvegardes antérieures est ensuite remplacée et détruite. Seuls "
                    "restent des codes et des dates sans nom, pour les indicateurs des années passées, et le "
                    "journal d'audit."
                )
            ],
        ),
    ]
    if forced:
        blocks.append(
            Block(
                _("Observations"),
                paragraphs=[
                    _("%(num)d dossier(s) éliminé(s) sans archive de toutes leurs années closes (option --force).")
                    % {"num": forced}
                ],
            )
        )
    return Sheet(
        programme_name=programme.name,
        title=_("Bordereau d'élimination"),
        subtitle=_("Archives publiques — élimination du %(date)s à %(time)s (heure %(zone)s)")
        % {"date": format_date(at), "time": format_time(at), "zone": reading_zone()},
        reference=f"Élimination {programme.code} · visa n° {visa.number}",
        blocks=blocks,
    )


def eliminate(session: Session, plan: Plan, *, actor: User | None, force: bool = False) -> Elimination:
    """Shred the covered files (and, with `force`, the unarchived ones), seal and keep the bordereau.

    Runs in the caller's transaction; the caller commits, then replaces the key-encryption key so
    that no earlier backup can open the shredded keys.
    """
    if plan.visa is None:
        raise EliminationError(
            _(
                "Aucun visa d'élimination valide n'est enregistré pour ce programme : demandez le visa des "
                "archives départementales, puis enregistrez son numéro et sa date (page « Élimination »)."
            )
        )
    gone = plan.covered + (plan.unarchived if force else [])
    if not gone:
        raise EliminationError(
            _("Aucun dossier couvert par le visa n° %(number)s à éliminer.") % {"number": plan.visa.number}
        )
    at = utcnow()
    forced = len(plan.unarchived) if force else 0
    bordereau = sealed_sheet(plan.programme, _bordereau(plan, gone, forced, actor, at), _("Bordereau d'élimination"))
    actor_id = actor.id if actor else None
    for candidate in plan.unarchived if force else []:
        audit.record_for(session, "elimination.force_unarchived", candidate.child, actor_id=actor_id)
    shred(session, [c.child for c in gone])
    plan.visa.used_at = at
    elimination = Elimination(
        public_id=secrets.token_urlsafe(12),
        programme_id=plan.programme.id,
        visa_id=plan.visa.id,
        performed_at=at,
        performed_by=actor_id,
        files=len(gone),
        documents=sum(c.documents for c in gone),
        forced=forced,
        bordereau=bordereau,
    )
    session.add(elimination)
    session.flush()
    audit.record_for(session, "elimination.perform", elimination, actor_id=actor_id)
    return elimination
