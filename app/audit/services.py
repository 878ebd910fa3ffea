"""Writing and verifying the audit trail.

Events are added in the caller's transaction: if the change rolls back, so does its event, and
an audit write that fails makes the whole change fail. Each event holds the keyed hash (HMAC with
the instance's audit key, `keys/audit.key`) of its content and of the previous entry; the single
`audit_head` row is locked while appending so that the chain never forks. After each commit the
head is checkpointed outside the database (see `app.audit.checkpoint`), so removing the last
entries, wiping the table or recomputing the chain without the key is found by `verify`.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypedDict, Unpack, cast

from sqlalchemy import Table, select
from sqlalchemy import event as sa_event
from sqlalchemy.orm import Session

from app.audit import checkpoint
from app.audit.models import AuditEvent, AuditHead
from app.bulk import insert_rows
from app.crypto.current import keyring
from app.db import utcnow

GENESIS = "0" * 64
TARGET_ID_MAX = 64
AUDIT_EVENTS = cast(Table, AuditEvent.__table__)
_HASHED = ("prev_hash", "at", "actor_id", "programme_id", "action", "target_type", "target_id", "outcome")
# What a denied URL may leave in the trail: a database id or a public id, nothing a user typed.
_INTEGER_ID = re.compile(r"^[0-9]{1,18}$")
_PUBLIC_ID = re.compile(r"^[A-Za-z0-9_-]{16}$")
INVALID_TARGET = "invalid"


def safe_target_id(value: object) -> str | None:
    """A URL argument reduced to what the audit trail may hold: an id in canonical form, or
    `invalid` for anything else (free text typed into a URL never reaches the trail)."""
    if value is None:
        return None
    text = str(value)
    if _INTEGER_ID.match(text):
        return str(int(text))
    if _PUBLIC_ID.match(text):
        return text
    return INVALID_TARGET


def _normalise(row: dict[str, Any]) -> dict[str, Any]:
    """The values exactly as the database stores them: the hash covers what is kept."""
    target_id = row.get("target_id")
    if target_id is not None:
        target_id = str(target_id)
        if len(target_id) > TARGET_ID_MAX:
            raise ValueError(f"audit target id longer than {TARGET_ID_MAX} characters")
    at: datetime = row["at"]
    return {
        **row,
        "at": at.replace(tzinfo=None),
        "actor_id": None if row.get("actor_id") is None else int(row["actor_id"]),
        "programme_id": None if row.get("programme_id") is None else int(row["programme_id"]),
        "target_type": None if row.get("target_type") is None else str(row["target_type"]),
        "target_id": target_id,
        "outcome": str(row.get("outcome") or "ok"),
    }


def _canonical(row: dict[str, Any]) -> bytes:
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
    return json.dumps(fields, sort_keys=True, separators=(",", ":")).encode()


def _as_row(event: AuditEvent | dict[str, Any]) -> dict[str, Any]:
    return event if isinstance(event, dict) else {name: getattr(event, name) for name in _HASHED}


def entry_hash(key: bytes, event: AuditEvent | dict[str, Any]) -> str:
    """The keyed hash of an entry (an event row, or the dict of one about to be inserted)."""
    return hmac.new(key, _canonical(_as_row(event)), hashlib.sha256).hexdigest()


def unkeyed_hash(event: AuditEvent | dict[str, Any]) -> str:
    """The hash anyone can compute without the key (the format before the audit key existed)."""
    return hashlib.sha256(_canonical(_as_row(event))).hexdigest()


def audit_key() -> bytes:
    key: bytes = keyring().audit_key
    return key


# Built once: every audited request runs them.
LOCKED_HEAD = select(AuditHead).where(AuditHead.id == 1).with_for_update()
LAST_EVENT = select(AuditEvent.id, AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1)


def _locked_head(session: Session) -> AuditHead:
    head = session.execute(LOCKED_HEAD).scalar()
    if head is None:
        head = AuditHead(id=1, last_hash=GENESIS)
        session.add(head)
    return head


def _remember_head(session: Session, event_id: int, last_hash: str) -> None:
    """Checkpoint this head outside the database once the transaction commits."""
    if "audit_checkpoint" not in session.info:
        sa_event.listen(session, "after_commit", _write_checkpoint)
        sa_event.listen(session, "after_rollback", _forget_checkpoint)
    session.info["audit_checkpoint"] = (checkpoint.path(), audit_key(), event_id, last_hash)


def _write_checkpoint(session: Session) -> None:
    pending = session.info.pop("audit_checkpoint", None)
    if pending is not None:
        checkpoint.write(*pending)


def _forget_checkpoint(session: Session) -> None:
    session.info.pop("audit_checkpoint", None)


class EventFields(TypedDict, total=False):
    """What an event says besides its action (`record`, `event_row`). Never personal data as a target."""

    actor_id: int | None
    programme_id: int | None
    target_type: str | None
    target_id: object
    outcome: str


def record(session: Session, action: str, **fields: Unpack[EventFields]) -> AuditEvent:
    """Append an event in the current transaction. Never pass personal data as a target."""
    row = event_row(action, **fields)
    chain(session, [row])
    event = AuditEvent(**row)
    session.add(event)
    session.flush()
    _remember_head(session, event.id, event.hash)
    return event


def target_of(obj: Any) -> tuple[str, str]:
    """How the trail names a stored object: its table and its public id (a programme's code, else the row id)."""
    name = getattr(obj, "public_id", None) or getattr(obj, "code", None) or str(obj.id)
    return type(obj).__tablename__, name


def _about(obj: Any) -> dict[str, Any]:
    """The programme and target of an event about a stored object."""
    target_type, target_id = target_of(obj)
    programme_id = obj.id if target_type == "programmes" else obj.programme_id
    return {"programme_id": programme_id, "target_type": target_type, "target_id": target_id}


def record_for(
    session: Session, action: str, obj: Any, *, actor_id: int | None = None, outcome: str = "ok"
) -> AuditEvent:
    """Append an event about a stored object, in its programme (`record` for the other events)."""
    return record(session, action, actor_id=actor_id, outcome=outcome, **_about(obj))


def event_row(
    action: str,
    *,
    actor_id: int | None = None,
    programme_id: int | None = None,
    target_type: str | None = None,
    target_id: object = None,
    outcome: str = "ok",
) -> dict[str, Any]:
    """An event to `append`, as `record` takes it. Never pass personal data as a target."""
    return {
        "at": utcnow(),
        "actor_id": actor_id,
        "programme_id": programme_id,
        "action": action,
        "target_type": target_type,
        "target_id": target_id,
        "outcome": outcome,
    }


def event_for(action: str, obj: Any, *, actor_id: int | None = None, outcome: str = "ok") -> dict[str, Any]:
    """An event about a stored object to `append`, as `record_for` takes it."""
    return event_row(action, actor_id=actor_id, outcome=outcome, **_about(obj))


def chain(session: Session, events: list[dict[str, Any]]) -> None:
    """Set `prev_hash` and `hash` of new event rows, in order, after the current head; the caller
    inserts them in the same transaction (`record`, `append`; imports in bulk, then `bulk_inserted`)."""
    head = _locked_head(session)
    key = audit_key()
    for index, event in enumerate(events):
        event.update(_normalise({**event, "prev_hash": head.last_hash}))
        event["hash"] = entry_hash(key, event)
        head.last_hash = event["hash"]
        events[index] = event


def bulk_inserted(session: Session) -> None:
    """After a bulk insert of chained events: checkpoint the new head at commit."""
    last = session.execute(LAST_EVENT).first()
    if last is not None:
        _remember_head(session, last.id, last.hash)


def append(session: Session, events: list[dict[str, Any]]) -> None:
    """Append events (`event_row`, `event_for`) in order, chained exactly as `record` does, in one
    insert: a page's read events cost one write, however many."""
    if not events:
        return
    chain(session, events)
    insert_rows(session, AUDIT_EVENTS, events)
    session.flush()
    bulk_inserted(session)


def record_many(
    session: Session, action: str, actor_id: int | None, programme_id: int, target_type: str, target_ids: list[str]
) -> None:
    """Append one audit event per target, in one insert."""
    events = [
        event_row(action, actor_id=actor_id, programme_id=programme_id, target_type=target_type, target_id=target_id)
        for target_id in target_ids
    ]
    append(session, events)


@dataclass(frozen=True)
class ChainBreak:
    event_id: int | None
    reason: str


EDITED = "contenu modifié après son écriture"
RECOMPUTED = "chaîne recalculée sans la clé d'audit de l'instance"
UNLINKED = "ne suit pas l'entrée précédente (entrées supprimées, insérées ou réordonnées avant elle)"
HEAD_MISMATCH = "la tête de chaîne en base ne correspond pas à la dernière entrée"
CHECKPOINT_MISSING = "le point de contrôle tenu hors de la base a disparu"
TRUNCATED = "entrées supprimées en fin de journal"


def verify_chain(
    events: Iterable[AuditEvent],
    key: bytes,
    head_hash: str | None,
    mark: checkpoint.Checkpoint | None,
    mark_required: bool = False,
) -> list[ChainBreak]:
    """Walk events in id order and name every broken place, not only the first one."""
    breaks: list[ChainBreak] = []
    previous = GENESIS
    seen_mark = False
    last_id: int | None = None
    for event in events:
        if event.prev_hash != previous:
            breaks.append(ChainBreak(event.id, UNLINKED))
        if not hmac.compare_digest(entry_hash(key, event), event.hash):
            breaks.append(ChainBreak(event.id, RECOMPUTED if unkeyed_hash(event) == event.hash else EDITED))
        if mark is not None and event.id == mark.event_id:
            seen_mark = True
            if event.hash != mark.hash:
                breaks.append(ChainBreak(event.id, "diffère du point de contrôle tenu hors de la base"))
        previous = event.hash  # resynchronise, so that each later break is reported on its own
        last_id = event.id
    if head_hash is not None and head_hash != previous:
        breaks.append(ChainBreak(None, HEAD_MISMATCH))
    if mark is not None and mark.event_id and not seen_mark:
        breaks.append(
            ChainBreak(
                None,
                f"{TRUNCATED} : le point de contrôle tenu hors de la base nomme l'entrée {mark.event_id}, "
                f"le journal s'arrête {f'à {last_id}' if last_id is not None else 'avant (table vide)'}",
            )
        )
    if mark is None and mark_required and last_id is not None:
        breaks.append(ChainBreak(None, CHECKPOINT_MISSING))
    return breaks


def verify(session: Session) -> list[ChainBreak]:
    """Every break of the trail of this instance (an empty list when it is intact)."""
    key = audit_key()
    breaks: list[ChainBreak] = []
    try:
        mark = checkpoint.read(checkpoint.path(), key)
    except checkpoint.CheckpointError as error:
        breaks.append(ChainBreak(None, str(error)))
        mark = None
    events = session.execute(select(AuditEvent).order_by(AuditEvent.id).execution_options(yield_per=1000)).scalars()
    head = session.get(AuditHead, 1)
    missing = not breaks and mark is None
    breaks.extend(verify_chain(events, key, head.last_hash if head else None, mark, mark_required=missing))
    return breaks


def _legacy_hashes(event: AuditEvent) -> set[str]:
    """What the unkeyed format may have stored: integer-looking target ids were sometimes hashed
    as numbers (issue 11), so both readings are accepted when adopting an old trail."""
    row = _as_row(event)
    hashes = {unkeyed_hash(row)}
    if row["target_id"] is not None and _INTEGER_ID.match(row["target_id"]):
        hashes.add(unkeyed_hash({**row, "target_id": int(row["target_id"])}))
    return hashes


def adopt_key(session: Session) -> list[ChainBreak]:
    """Existing instance, new audit key: check the old unkeyed chain, then re-chain every entry
    under the key and checkpoint it. Returns the breaks of the old chain (the caller reports them;
    they are recorded in the `audit.key.create` event's outcome)."""
    breaks: list[ChainBreak] = []
    key = audit_key()
    previous_old = previous_new = GENESIS
    last: AuditEvent | None = None
    for event in session.execute(select(AuditEvent).order_by(AuditEvent.id)).scalars():
        if event.prev_hash != previous_old:
            breaks.append(ChainBreak(event.id, UNLINKED))
        if event.hash not in _legacy_hashes(event):
            breaks.append(ChainBreak(event.id, EDITED))
        previous_old = event.hash
        event.prev_hash = previous_new
        event.hash = previous_new = entry_hash(key, event)
        last = event
    head = _locked_head(session)
    head.last_hash = previous_new
    session.flush()
    record(
        session,
        "audit.key.create",
        target_type="audit_events",
        target_id=None if last is None else last.id,
        outcome="ok" if not breaks else "legacy-broken",
    )
    return breaks
