"""The sealed record of a parcours' actions for the yearly archive (`services.actions_of_year`).

Actions change over time and live outside any signed document (`app.followup.models`): the archive
keeps what they were when it was made, one sealed PDF per parcours, with the documents' renderer and
seal (no layout of its own).
"""

from __future__ import annotations

from app.children.models import Parcours
from app.children.services import Identity
from app.dates import format_date
from app.documents.rendering import Item, Section, Table, record_renderable
from app.documents.sealing import render_and_seal, seal_settings
from app.users.models import Programme

FORM_ID = "actions"
COLUMNS = ["Action", "Modalité", "Statut", "Période", "Intervenant", "Coût (financeur)"]


def sealed_actions(
    programme: Programme, parcours: Parcours, identity: Identity, rows: list[list[str]], year: int
) -> bytes:
    """`rows`: one row of `COLUMNS` per action of the parcours in `year`."""
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
        Section(f"Actions en {year}", [Table(COLUMNS, rows)]),
        Section(
            "Relevé",
            [Item("", f"État des actions du parcours à la date de l'archive {year}, scellé par le programme.")],
        ),
    ]
    title, label = f"Actions du parcours - {year}", f"{identity.prenom} {identity.nom}"
    renderable = record_renderable(programme, title, FORM_ID, parcours.public_id, label, sections)
    return render_and_seal(seal_settings(programme), renderable)
