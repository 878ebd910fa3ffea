"""Imports every model so that the metadata is complete (Alembic, tests)."""

from app.archive.models import ArchiveExport
from app.audit.models import AuditEvent, AuditHead
from app.children.models import (
    Child,
    ChildIdentity,
    ChildSearchIndex,
    Parcours,
    ParcoursCode,
    ParcoursDetails,
)
from app.db import Base
from app.documents.models import Document, DocumentContent
from app.users.models import AccountToken, LoginThrottle, Programme, User, UserSession

metadata = Base.metadata

__all__ = [
    "AccountToken",
    "ArchiveExport",
    "AuditEvent",
    "AuditHead",
    "Child",
    "ChildIdentity",
    "ChildSearchIndex",
    "Document",
    "DocumentContent",
    "LoginThrottle",
    "Parcours",
    "ParcoursCode",
    "ParcoursDetails",
    "Programme",
    "User",
    "UserSession",
    "metadata",
]
