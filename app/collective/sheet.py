"""The attendance sheet (feuille d'émargement) of one session, blank or filled, on the document layout.

Filled: the children recorded whom the reader may see, by name, with a signature cell; the other
children of the programme recorded (whom the reader may not see) as a count only; the counts of
other children and parents. Blank: empty rows to sign on paper.
"""

from __future__ import annotations

from app.collective.models import CollectiveSession
from app.documents.rendering import Item, Section, Table, record_renderable, render_pdf
from app.formengine.printable import Printable
from app.i18n import _
from app.nomenclature import nomenclature
from app.users.models import Programme

BLANK_ROWS = 20
PUBLIC_LABELS = {
    "enfants": _("Enfants"),
    "parents": _("Parents"),
    "enfants_parents": _("Enfants et parents"),
}


def attendance_sheet(programme: Programme, item: CollectiveSession, names: list[str] | None, hidden: int) -> bytes:
    """The PDF; `names` None for a blank sheet, else the names shown (and `hidden` children not named)."""
    action = item.action
    details: list[Printable] = [
        Item(_("Action"), action.title),
        Item(_("Type d'action"), nomenclature().label("action", action.action_code)),
        Item(_("Public"), PUBLIC_LABELS.get(action.public, action.public)),
        Item(_("Intervenant·e"), action.provider or "—"),
        Item(_("Date"), item.held_on.strftime("%d/%m/%Y")),
        Item(_("Lieu"), item.place or "—"),
    ]
    header = [_("Nom et prénom"), _("Enfant ou parent"), _("Signature")]
    if names is None:
        rows = [["", "", ""] for _row in range(BLANK_ROWS)]
        counts: list[Printable] = []
    else:
        rows = [[name, _("Enfant suivi"), ""] for name in sorted(names, key=str.casefold)]
        rows += [["", "", ""] for _row in range(5)]
        counts = [
            Item(_("Autres enfants suivis présents (non nommés ici)"), str(hidden)),
            Item(_("Autres enfants présents"), str(item.other_children)),
            Item(_("Parents présents"), str(item.parents)),
        ]
    sections = [
        Section(_("Séance"), details),
        Section(_("Présences"), [Table(header, rows), *counts]),
    ]
    title = _("Feuille d'émargement") if names is None else _("Feuille d'émargement (présences enregistrées)")
    renderable = record_renderable(
        programme, title, "emargement", item.public_id, action.title, sections, _("Action collective")
    )
    return render_pdf(renderable)
