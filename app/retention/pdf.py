"""Programme-level PDFs (bordereau d'élimination, information notice): plain data in, sealed PDF/A out.

Laid out by the same A4 layout and PDF/A-2b plumbing as the documents (`app.documents.layout`), and sealed (PAdES)
with the programme's certificate like every other PDF of Parcours.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from flask import current_app
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Spacer

from app.documents import layout
from app.documents.pdfa import Metadata
from app.signing.keys import ensure_certificate
from app.signing.sealer import seal_pdf, signer_for
from app.users.models import Programme


@dataclass(frozen=True)
class Block:
    """A titled part: paragraphs, then (label, value) facts, then a table with a header row."""

    title: str
    paragraphs: list[str] = field(default_factory=list)
    facts: list[tuple[str, str]] = field(default_factory=list)
    columns: list[str] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)


@dataclass(frozen=True)
class Sheet:
    programme_name: str
    title: str
    subtitle: str
    reference: str  # printed in the footer of every page
    blocks: list[Block] = field(default_factory=list)


def _block(block: Block, style: layout.Styles) -> list[Flowable]:
    story: list[Flowable] = [layout.para(block.title, style.section), Spacer(0, 2 * mm)]
    story += [layout.para(text, style.body) for text in block.paragraphs]
    if block.facts:
        story.append(layout.facts(block.facts, style))
    if block.columns:
        data = [[layout.para(c, style.header) for c in block.columns]]
        data += [[layout.para(cell, style.cell) for cell in row] for row in block.rows]
        story.append(layout.grid(data, [layout.WIDTH / len(block.columns)] * len(block.columns), header=True))
    return story


def render_sheet(sheet: Sheet) -> bytes:
    """Lay the sheet out on A4; a PDF/A-2b file, unsigned."""
    style = layout.styles()
    story: list[Flowable] = [
        layout.para(sheet.programme_name, style.programme),
        layout.para(sheet.title, style.title),
        layout.para(sheet.subtitle, style.meta),
    ]
    for block in sheet.blocks:
        story += _block(block, style)
    meta = Metadata(title=sheet.title, author=sheet.programme_name, subject=sheet.reference, created=datetime.now(UTC))
    return layout.build_pdf(story, meta, footer=sheet.reference)


def sealed_sheet(programme: Programme, sheet: Sheet, reason: str) -> bytes:
    """Render and seal with the programme's certificate (created on first use)."""
    settings = current_app.config["PARCOURS"]
    ensure_certificate(settings.keys_path, programme.code, programme.name)
    signer = signer_for(settings.keys_path, programme.code)
    tsa_url = settings.extra.get("tsa_url") or None
    return seal_pdf(render_sheet(sheet), signer, name=programme.name, tsa_url=tsa_url, reason=reason)
