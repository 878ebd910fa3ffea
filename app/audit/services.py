"""Writing and verifying the audit trail.

Events are added in the caller's transaction: if the change rolls back, so does its event, and
an audit write that fails makes the whole change fail. Each event holds the hash of the previous
one; the single `audit_head` row is locked while appending so that the chain never forks.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import Table, select
from sqlalchemy.orm import Session

from app.audit.models import AuditEvent, AuditHead
from app.bulk import insert_rows
from app.db import utcnow

GENESIS = "0" * 64
AUDIT_EVENTS = cast(Table, AuditEvent.__table__)


_HASHED = ("prev_hash", "at", "actor_id", "programme_id", "action", "target_type", "target_id", "outcome")


def _entry_hash(event: AuditEvent | dict[str, Any]) -> str:
    """The hash of an entry (an event row, or the dict of one about to be inserted)."""
    row = event if isinstance(event, dict) else {name: getattr(event, name) for name in _HASHED}
    fields = {
        "prev": row["prev_hash"],
        "at": row["at"].isoformat(timespec="microseconds"),
        "actor": row["actor_id"],
        "programme": row["programme_id"],
        "action": row["action"],
        "target_type": row["target_type"],
        "target_id": row["target_id"],
        "outcome": row["outcome"],
    }
    canonical = json.dumps(fields, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def _locked_head(session: Session) -> AuditHead:
    head = session.execute(select(AuditHead).where(AuditHead.id == 1).with_for_update()).scalar()
    if head is None:
        head = AuditHead(id=1, last_hash=GENESIS)
        session.add(head)
    return head


def record(
    session: Session,
    action: str,
    *,
    actor_id: int | None = None,
    programme_id: int | None = None,
    target_type: str | None = None,
    target_id: str | None = None,
    outcome: str = "ok",
) -> AuditEvent:
    """Append an event in the current transaction. Never pass personal data as a target."""
    head = _locked_head(session)
    event = AuditEvent(
        at=utcnow(),
        actor_id=actor_id,
        programme_id=programme_id,
        action=action,
        target_type=target_type,
        target_id=target_id,
        outcome=outcome,
        prev_hash=head.last_hash,
    )
    event.hash = _entry_hash(event)
    head.last_hash = event.hash
    session.add(event)
    session.flush()
    return event


def target_of(obj: Any) -> tuple[str, str]:
    """How the trail names a stored object: its table and its public id (a programme's code, else the row id)."""
    name = getattr(obj, "public_id", None) or getattr(obj, "code", None) or str(obj.id)
    return type(obj).__tablename__, name


def record_for(
    session: Session, action: str, obj: Any, *, actor_id: int | None = None, outcome: str = "ok"
) -> AuditEvent:
    """Append an event about a stored object, in its programme (`record` for the other events)."""
    target_type, target_id = target_of(obj)
    programme_id = obj.id if target_type == "programmes" else obj.programme_id
    return record(
        session,
        action,
        actor_id=actor_id,
        programme_id=programme_id,
        target_type=target_type,
        target_id=target_id,
        outcome=outcome,
    )


def chain(session: Session, events: list[dict[str, Any]]) -> None:
    """Set `prev_hash` and `hash` of new event rows, in order, after the current head; the caller
    inserts them in bulk in the same transaction (imports)."""
    head = _locked_head(session)
    for event in events:
        event["prev_hash"] = head.last_hash
        event["hash"] = _entry_hash(event)
        head.last_hash = event["hash"]


def record_many(
    session: Session, action: str, actor_id: int | None, programme_id: int, target_type: str, target_ids: list[str]
) -> None:
    """Append one audit event per target, chained exactly as `audit.record` does, in one insert."""
    events: list[dict[str, Any]] = [
        {
            "at": utcnow(),
            "actor_id": actor_id,
            "programme_id": programme_id,
            "action": action,
            "target_type": target_type,
            "target_id": target_id,
            "outcome": "ok",
        }
        for target_id in target_ids
    ]
    chain(session, events)
    insert_rows(session, AUDIT_EVENTS, events)
    session.flush()


@dataclass(frozen=True)
class ChainBreak:
    event_id: int | None
    reason: str


def verify_chain(events: Iterable[AuditEvent], head_hash: str | None) -> ChainBreak | None:
    """Walk events in id order; return the first broken entry, or None when intact."""
    previous = GENESIS
    for event in events:
        if event.prev_hash != previous:
            return ChainBreak(event.id, "does not follow the previous entry (deleted, inserted or reordered)")
        if _entry_hash(event) != event.hash:
            return ChainBreak(event.id, "content changed after it was written")
        previous = event.hash
    if head_hash is not None and head_hash != previous:
        return ChainBreak(None, "the last entries were removed (chain head does not match)")
    return None


def verify(session: Session) -> ChainBreak | None:
    events = session.execute(select(AuditEvent).order_by(AuditEvent.id)).scalars()
    head = session.get(AuditHead, 1)
    return verify_chain(events, head.last_hash if head else None)
