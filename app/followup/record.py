"""The sealed record of a parcours' actions for the yearly archive.

Actions change over time and live outside any signed document (`app.followup.models`): the archive
keeps what they were when it was made, one sealed PDF per parcours, with the documents' renderer and
seal (no layout of its own).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime

from sqlalchemy import ColumnElement, and_, or_, select
from sqlalchemy.orm import Session

from app.children.models import Child, Parcours
from app.children.services import read_identity
from app.dates import format_date
from app.documents.rendering import Item, RenderableDocument, Section, Table
from app.documents.sealing import render_and_seal, seal_settings
from app.followup.models import MODALITE_LABELS, STATUS_LABELS, ParcoursAction
from app.followup.services import details
from app.formengine import form_set
from app.nomenclature import nomenclature
from app.users.models import Programme

FORM_ID = "actions"
COLUMNS = ["Action", "Modalité", "Statut", "Période", "Intervenant", "Coût (financeur)"]


def _of_year(year: int) -> ColumnElement[bool]:
    """Under way in the year (begun by its end, not ended before its start), or changed in it."""
    a = ParcoursAction
    start, end = date(year, 1, 1), date(year, 12, 31)
    under_way = and_(a.debut.is_not(None), a.debut <= end, or_(a.fin.is_(None), a.fin >= start))
    changed = and_(a.updated_at >= datetime(year, 1, 1), a.updated_at < datetime(year + 1, 1, 1))
    return or_(under_way, changed)


def actions_of_year(session: Session, programme: Programme, year: int) -> Iterator[tuple[str, str, datetime, bytes]]:
    """(pseudonym, parcours id, last change, sealed PDF) of each parcours with actions in `year`, one at
    a time, for the yearly archive (children not purged)."""
    parcours_ids = list(
        session.scalars(
            select(ParcoursAction.parcours_id)
            .join(Parcours, ParcoursAction.parcours_id == Parcours.id)
            .join(Child, Parcours.child_id == Child.id)
            .where(ParcoursAction.programme_id == programme.id, Child.purged_at.is_(None), _of_year(year))
            .group_by(ParcoursAction.parcours_id)
            .order_by(ParcoursAction.parcours_id)
        )
    )
    for parcours_id in parcours_ids:
        actions = list(
            session.scalars(
                select(ParcoursAction)
                .where(ParcoursAction.parcours_id == parcours_id, _of_year(year))
                .order_by(ParcoursAction.debut.is_(None), ParcoursAction.debut, ParcoursAction.id)
            )
        )
        parcours = actions[0].parcours
        changed = max(action.updated_at for action in actions)
        yield parcours.child.pseudonym, parcours.public_id, changed, _sealed(programme, parcours, actions, year)


def _row(action: ParcoursAction) -> list[str]:
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


def _sealed(programme: Programme, parcours: Parcours, actions: list[ParcoursAction], year: int) -> bytes:
    identity = read_identity(parcours.child)
    forms = form_set()
    entree = format_date(parcours.date_entree) if parcours.date_entree else "-"
    sortie = format_date(parcours.date_sortie) if parcours.date_sortie else "en cours"
    sections = [
        Section(
            "Parcours",
            [
                Item("Orientation", format_date(parcours.date_orientation)),
                Item("Entrée", entree),
                Item("Sortie", sortie),
            ],
        ),
        Section(f"Actions en {year}", [Table(COLUMNS, [_row(action) for action in actions])]),
        Section(
            "Relevé",
            [Item("", f"État des actions du parcours à la date de l'archive {year}, scellé par le programme.")],
        ),
    ]
    renderable = RenderableDocument(
        programme_name=programme.name,
        form_set_name=forms.name,
        form_set_version=str(forms.version),
        form_title=f"Actions du parcours - {year}",
        form_id=FORM_ID,
        form_version=1,
        document_id=parcours.public_id,
        child_label=f"{identity.prenom} {identity.nom}",
        finalised_at=None,
        sections=sections,
    )
    return render_and_seal(seal_settings(programme), renderable)
