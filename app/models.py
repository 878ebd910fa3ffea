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
from app.collective.models import CollectiveAction, CollectiveAttendance, CollectiveSession
from app.db import Base
from app.documents.models import Document, DocumentContent, EvaluatedObjective, ExitEvaluation, JournalEntry
from app.eps.models import (
    AgendaItem,
    CharterAcceptance,
    EpsDecision,
    EpsText,
    Letter,
    ReviewRequest,
    Seance,
    SeanceExternal,
    SeanceMember,
)
from app.exits.models import Closure
from app.followup.models import ParcoursAction
from app.parcours.models import ReferentTransfer
from app.programme_data.models import ProgrammeYearFigure
from app.retention.models import Elimination, EliminationVisa, FamilyNotice
from app.scans.models import Scan
from app.users.models import AccountToken, LoginThrottle, Programme, User, UserSession

metadata = Base.metadata

__all__ = [
    "AccountToken",
    "AgendaItem",
    "ArchiveExport",
    "AuditEvent",
    "AuditHead",
    "CharterAcceptance",
    "Child",
    "ChildIdentity",
    "ChildSearchIndex",
    "Closure",
    "CollectiveAction",
    "CollectiveAttendance",
    "CollectiveSession",
    "Document",
    "DocumentContent",
    "Elimination",
    "EliminationVisa",
    "EpsDecision",
    "EpsText",
    "EvaluatedObjective",
    "ExitEvaluation",
    "FamilyNotice",
    "JournalEntry",
    "Letter",
    "LoginThrottle",
    "Parcours",
    "ParcoursAction",
    "ParcoursCode",
    "ParcoursDetails",
    "Programme",
    "ProgrammeYearFigure",
    "ReferentTransfer",
    "ReviewRequest",
    "Scan",
    "Seance",
    "SeanceExternal",
    "SeanceMember",
    "User",
    "UserSession",
    "metadata",
]
