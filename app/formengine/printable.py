"""What a field shows in a document's PDF: plain data that `app.documents.rendering` lays out."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime


@dataclass(frozen=True)
class Item:
    label: str
    value: str


@dataclass(frozen=True)
class Table:
    """A repeatable group: one row per entry."""

    columns: list[str]
    rows: list[list[str]]


@dataclass(frozen=True)
class SignatureItem:
    role: str
    signer_name: str
    signed_at: datetime | None = None
    png: bytes | None = None
    paper_signed_on: date | None = None


Printable = Item | Table | SignatureItem
