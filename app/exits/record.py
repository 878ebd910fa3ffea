"""The sealed PDF record of a closure, with the documents' renderer and seal (no layout of its own)."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from app.children.services import Identity
from app.dates import format_date
from app.documents.rendering import Item, Section, Table, record_renderable
from app.documents.sealing import render_and_seal, seal_settings
from app.nomenclature import nomenclature
from app.users.models import Programme, User

if TYPE_CHECKING:
    from app.exits.models import Closure

TITLE = "Clôture de parcours sans signature de la famille"
NEVER_ENTERED = "aucune : le contrat n'a pas été signé"
ENDED = "Le parcours est clos sans signature de la famille ; ce relevé est conservé dans son dossier."
ENDED_BEFORE_ENTRY = (
    "Le parcours est clos avant d'avoir commencé, sans signature de la famille : le contrat n'a pas été "
    "signé. Ce relevé est conservé dans son dossier."
)


def sealed_record(
    programme: Programme,
    closure: Closure,
    identity: Identity,
    attempts: list[list[str]],
    note: str,
    actor: User,
    eps_day: date | None,
) -> bytes:
    """`attempts`: one row (date, means, detail) per attempt to reach the family."""
    parcours = closure.parcours
    decided = f"Clôture décidée par {actor.name}, coordonnateur·rice du programme, le {format_date(date.today())}"
    if eps_day is not None:
        decided += f", validée par l'équipe pluridisciplinaire de soutien le {format_date(eps_day)}"
    sections = [
        Section(
            "Parcours",
            [
                Item("Orientation", format_date(parcours.date_orientation)),
                Item("Entrée", format_date(parcours.date_entree) if parcours.date_entree else NEVER_ENTERED),
                Item("Sortie", format_date(closure.date_sortie)),
                Item("Motif de sortie", nomenclature().label("motif_sortie", closure.motif_sortie)),
            ],
        ),
        Section(
            "Tentatives de contact avec la famille",
            [Table(["Date", "Moyen", "Précision"], attempts)] if attempts else [Item("", "Aucune tentative indiquée.")],
        ),
        Section("Note", [Item("", note or "-")]),
        Section(
            "Décision",
            [
                Item("", decided + "."),
                Item("", ENDED if parcours.date_entree else ENDED_BEFORE_ENTRY),
            ],
        ),
    ]
    label = f"{identity.prenom} {identity.nom}"
    renderable = record_renderable(programme, TITLE, "cloture", closure.public_id, label, sections)
    return render_and_seal(seal_settings(programme), renderable)
