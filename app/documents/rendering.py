"""The PDF of a finalised document: plain data in, PDF/A-2b bytes out (no request, no session).

The caller (the form engine) turns a document and its form definition into a
`RenderableDocument`; this module only lays it out, in French, on A4.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Image, KeepTogether, Spacer, TableStyle
from reportlab.platypus import Table as RLTable

from app.dates import format_date, format_time, reading_zone
from app.documents.layout import RULE, WIDTH, Styles, build_pdf, facts, grid, para
from app.documents.layout import styles as layout_styles
from app.documents.pdfa import FONT, Metadata, flatten_png
from app.formengine import form_set
from app.formengine.printable import Item, Printable, SignatureItem, Table
from app.i18n import _
from app.users.models import Programme


@dataclass(frozen=True)
class Section:
    title: str
    items: list[Printable] = field(default_factory=list)


@dataclass(frozen=True)
class RenderableDocument:
    programme_name: str
    form_set_name: str
    form_set_version: str
    form_title: str
    form_id: str
    form_version: int
    document_id: str
    child_label: str
    finalised_at: datetime | None
    sections: list[Section] = field(default_factory=list)
    subject_label: str = "Enfant"  # what `child_label` names (a séance for the EPS relevé)
    statement: str = ""  # an attestation's sentence, filled in
    document_version: int = 1  # 1 for the first version, 2 for its correction...


def _when(moment: datetime | None) -> str:
    if moment is None:
        return ""
    shown = {"date": format_date(moment), "time": format_time(moment), "zone": reading_zone()}
    return _("%(date)s à %(time)s (heure %(zone)s)") % shown


def _items(items: list[Item], styles: Styles) -> RLTable:
    return facts([(item.label, item.value) for item in items], styles)


def _repeatable(table: Table, styles: Styles) -> Flowable:
    if not table.columns:
        return Spacer(0, 0)
    columns = len(table.columns)
    data: list[list[Any]] = [[para(c, styles.header) for c in table.columns]]
    for row in table.rows:
        cells = [*row, *[""] * columns][:columns]
        data.append([para(cell, styles.cell) for cell in cells])
    if not table.rows:
        data.append([para("Aucune ligne.", styles.small), *[""] * (columns - 1)])
    return grid(data, [WIDTH / columns] * columns, header=True)


def _signature(item: SignatureItem, styles: Styles, version: int) -> Flowable:
    parts: list[Flowable] = [para(item.role, styles.label)]
    if item.png:
        image = Image(flatten_png(item.png))
        scale = min(60 * mm / image.imageWidth, 25 * mm / image.imageHeight, 1.0)
        image.drawWidth, image.drawHeight = image.imageWidth * scale, image.imageHeight * scale
        image.hAlign = "LEFT"
        parts.append(image)
    if item.signed_at is not None:
        line = _("Signé par %(name)s le %(moment)s") % {"name": item.signer_name, "moment": _when(item.signed_at)}
    elif item.paper_signed_on is not None:
        line = _("Signé sur papier par %(name)s le %(date)s") % {
            "name": item.signer_name,
            "date": format_date(item.paper_signed_on),
        }
    else:
        line = _("Non signé (%(name)s)") % {"name": item.signer_name} if item.signer_name else _("Non signé")
    if item.signed_at is not None or item.paper_signed_on is not None:
        # A correction starts unsigned: every signature shown was given on this version.
        line += " · " + _("signature de la version %(number)s de ce document") % {"number": version}
    parts.append(para(line, styles.small))
    box = RLTable([[parts]], colWidths=[WIDTH], hAlign="LEFT")
    box.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), FONT),
                ("BOX", (0, 0), (-1, -1), 0.5, RULE),
                ("TOPPADDING", (0, 0), (-1, -1), 4),
            ]
        )
    )
    return KeepTogether([box, Spacer(0, 3 * mm)])


def _section(section: Section, styles: Styles, version: int) -> list[Flowable]:
    story: list[Flowable] = [para(section.title, styles.section), Spacer(0, 2 * mm)]
    pending: list[Item] = []
    for item in [*section.items, None]:
        if isinstance(item, Item):
            pending.append(item)
            continue
        if pending:
            story.append(_items(pending, styles))
            pending = []
        if isinstance(item, Table):
            story += [_repeatable(item, styles), Spacer(0, 2 * mm)]
        elif isinstance(item, SignatureItem):
            story.append(_signature(item, styles, version))
    return story


def _header(doc: RenderableDocument, styles: Styles) -> list[Flowable]:
    meta = f"{doc.form_set_name} (version {doc.form_set_version}) · {doc.subject_label} : {doc.child_label}"
    if doc.finalised_at is not None:
        meta += " · " + _("Finalisé le %(moment)s") % {"moment": _when(doc.finalised_at)}
    if doc.document_version > 1:
        meta += " · " + _("Version %(number)s de ce document (correction de la version %(previous)s)") % {
            "number": doc.document_version,
            "previous": doc.document_version - 1,
        }
    story = [para(doc.programme_name, styles.programme), para(doc.form_title, styles.title), para(meta, styles.meta)]
    if doc.statement:
        story += [Spacer(0, 3 * mm), para(doc.statement, styles.value)]
    return story


def render_pdf(doc: RenderableDocument) -> bytes:
    """Lay the document out on A4 and return a PDF/A-2b file (unsigned)."""
    styles = layout_styles()
    story = [*_header(doc, styles), Spacer(0, 4 * mm)]
    for section in doc.sections:
        story += _section(section, styles, doc.document_version)
    footer = f"Document {doc.document_id} · {doc.form_title} (formulaire version {doc.form_version})"
    meta = Metadata(
        title=f"{doc.form_title} — document {doc.document_id}",
        author=doc.programme_name,
        subject=f"{doc.form_title}, version {doc.form_version}",
        created=datetime.now(UTC),
    )
    return build_pdf(story, meta, footer)


def record_renderable(
    programme: Programme,
    title: str,
    kind: str,
    record_id: str,
    label: str,
    sections: list[Section],
    subject: str = "Enfant",
) -> RenderableDocument:
    """A record made by the app rather than typed in a form (letter, relevé, closure, actions,
    attendance sheet): version 1 of its `kind`, under the installed form set; `label` names its
    `subject` (the child, a séance, a collective action)."""
    forms = form_set()
    return RenderableDocument(
        programme_name=programme.name,
        form_set_name=forms.name,
        form_set_version=str(forms.version),
        form_title=title,
        form_id=kind,
        form_version=1,
        document_id=record_id,
        child_label=label,
        finalised_at=None,
        sections=sections,
        subject_label=subject,
    )
