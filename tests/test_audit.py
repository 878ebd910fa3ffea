"""SECURITY P0-8 and P1-9: audit events in the same transaction, hash-chained."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from app.audit.models import AuditEvent, AuditHead
from app.audit.services import (
    EDITED,
    GENESIS,
    RECOMPUTED,
    TRUNCATED,
    UNLINKED,
    record,
    unkeyed_hash,
    verify,
)
from app.users.models import User
from tests.conftest import csrf_token
from tests.factories import World, make_child

LoginAs = Callable[[Any], FlaskClient]


def _trail(session: Session, count: int = 5) -> list[AuditEvent]:
    events = [
        record(session, f"test.event{i}", actor_id=1, target_type="children", target_id=f"c{i}") for i in range(count)
    ]
    session.commit()  # the head is checkpointed outside the database at commit
    return events


def _reasons(session: Session) -> list[tuple[int | None, str]]:
    session.expire_all()
    return [(b.event_id, b.reason) for b in verify(session)]


def test_an_intact_chain_verifies(session: Session) -> None:
    _trail(session)
    assert verify(session) == []


def test_types_are_normalised_before_hashing(session: Session) -> None:
    """A target id given as a number is hashed as the text the column stores (issue 11: one
    denied GET on /indicateurs/<year>.csv broke the chain for good)."""
    record(session, "access.denied:indicators:view", actor_id=1, target_id=2025, outcome="denied")  # type: ignore[arg-type]
    session.commit()
    assert verify(session) == []


def _edit(session: Session, events: list[AuditEvent]) -> int:
    session.execute(update(AuditEvent).where(AuditEvent.id == events[2].id).values(action="test.other"))
    return events[2].id


def _delete(session: Session, events: list[AuditEvent]) -> int:
    session.execute(delete(AuditEvent).where(AuditEvent.id == events[3].id))
    return events[4].id


def _insert(session: Session, events: list[AuditEvent]) -> int:
    forged = AuditEvent(
        at=events[3].at, actor_id=9, action="forged", prev_hash=events[3].hash, hash=events[4].hash, outcome="ok"
    )
    session.add(forged)
    session.flush()
    session.execute(update(AuditEvent).where(AuditEvent.id == forged.id).values(id=events[3].id * 1000 + 1))
    return events[3].id * 1000 + 1


def _reorder(session: Session, events: list[AuditEvent]) -> int:
    first, second = events[3].id, events[4].id
    session.execute(update(AuditEvent).where(AuditEvent.id == first).values(id=10**9))
    session.execute(update(AuditEvent).where(AuditEvent.id == second).values(id=first))
    session.execute(update(AuditEvent).where(AuditEvent.id == 10**9).values(id=second))
    return first


def _delete_tail(session: Session, events: list[AuditEvent]) -> None:
    """Remove the last two entries and set the head back, as an attacker would."""
    session.execute(delete(AuditEvent).where(AuditEvent.id >= events[3].id))
    session.execute(update(AuditHead).values(last_hash=events[2].hash))


def _wipe(session: Session, events: list[AuditEvent]) -> None:
    session.execute(delete(AuditEvent))
    session.execute(delete(AuditHead))


def _recompute_without_key(session: Session, events: list[AuditEvent]) -> None:
    """Rewrite every hash with plain SHA-256, the way anyone without the key could."""
    session.expire_all()
    previous = GENESIS
    for event in session.scalars(select(AuditEvent).order_by(AuditEvent.id)):
        event.prev_hash = previous
        event.hash = previous = unkeyed_hash(event)
    session.execute(update(AuditHead).values(last_hash=previous))
    session.flush()


TAMPERING = {
    "edited": (_edit, EDITED),
    "deleted": (_delete, UNLINKED),
    "inserted": (_insert, EDITED),
    "reordered": (_reorder, UNLINKED),
    "tail deleted": (_delete_tail, TRUNCATED),
    "table wiped": (_wipe, TRUNCATED),
    "recomputed without the key": (_recompute_without_key, RECOMPUTED),
}


@pytest.mark.parametrize("after_an_earlier_break", [False, True])
@pytest.mark.parametrize("kind", list(TAMPERING))
def test_each_tampering_is_named_even_after_an_earlier_break(
    session: Session, kind: str, after_an_earlier_break: bool
) -> None:
    events = _trail(session, 6)
    earlier = events[0].id
    if after_an_earlier_break:
        session.execute(update(AuditEvent).where(AuditEvent.id == earlier).values(target_id="changed"))
    tamper, reason = TAMPERING[kind]
    at = tamper(session, events)
    reasons = _reasons(session)
    assert any(r.startswith(reason) and (at is None or where == at) for where, r in reasons), reasons
    if after_an_earlier_break and kind not in ("table wiped", "recomputed without the key"):
        assert (earlier, EDITED) in reasons  # the first break does not hide the later one


def test_an_altered_checkpoint_is_named(session: Session, app: Flask) -> None:
    _trail(session)
    path = Path(app.instance_path) / "audit-checkpoint.json"
    values = json.loads(path.read_text())
    path.write_text(json.dumps({**values, "event_id": values["event_id"] - 1}))
    assert any("point de contrôle" in reason for _where, reason in _reasons(session))


def test_verify_names_every_break(session: Session) -> None:
    events = _trail(session, 6)
    _edit(session, events)
    _delete(session, events)
    session.commit()
    names = {where for where, _reason in _reasons(session)}
    assert {events[2].id, events[4].id} <= names


def test_a_failing_audit_write_rolls_the_change_back(
    session: Session, world: World, login_as: Callable[[Any], FlaskClient], monkeypatch: pytest.MonkeyPatch
) -> None:
    admin = login_as(world.admin)
    token = csrf_token(admin, "/admin/utilisateurs/")

    def broken_record(*_args: Any, **_kwargs: Any) -> None:
        raise RuntimeError("audit storage unavailable")

    monkeypatch.setattr("app.users.services.audit.record", broken_record)
    with pytest.raises(RuntimeError, match="audit storage"):  # the test app propagates errors
        admin.post(f"/admin/utilisateurs/{world.referent.id}/desactiver", data={"csrf_token": token})
    session.expire_all()
    assert session.get(User, world.referent.id).active is True  # type: ignore[union-attr]


def test_no_personal_data_reaches_the_audit_table(session: Session, world: World) -> None:
    child = make_child(session, world.programme, world.referent, nom="Zqxauditmarker", prenom="Zqxprenom")
    session.flush()
    events = list(session.scalars(select(AuditEvent)))
    assert [e.target_id for e in events if e.action == "child.create"].count(child.public_id) == 1
    trail = " ".join(str(v) for event in events for v in vars(event).values())
    assert "Zqxauditmarker" not in trail and "Zqxprenom" not in trail


def test_a_denied_url_cannot_write_text_into_the_trail(session: Session, world: World, login_as: LoginAs) -> None:
    client = login_as(world.referent)
    for typed in ("Zqxdupont Jean", "Zqxdupont-Jean-Marie-et-Paul-2015", "x" * 300):
        assert client.get(f"/enfants/{typed}").status_code == 404
    assert client.get("/indicateurs/2025.csv").status_code == 404
    session.expire_all()
    denied = session.scalars(select(AuditEvent).where(AuditEvent.outcome == "denied")).all()
    assert [e.target_id for e in denied] == ["invalid", "invalid", "invalid", "2025"]
    for event in session.scalars(select(AuditEvent)):
        assert "Zqxdupont" not in " ".join(str(v) for v in vars(event).values())
    assert verify(session) == []


def _new_events(session: Session, after: int) -> list[tuple[str, str | None]]:
    session.expire_all()
    rows = session.execute(
        select(AuditEvent.action, AuditEvent.target_id).where(AuditEvent.id > after).order_by(AuditEvent.id)
    )
    return [(action, target) for action, target in rows]


def _last(session: Session) -> int:
    return session.scalar(select(func.max(AuditEvent.id))) or 0


def test_lists_search_siblings_and_logout_say_which_records(session: Session, world: World, login_as: LoginAs) -> None:
    sibling = make_child(session, world.programme, world.referent, nom="Ahamada", prenom="Ali", ref_famille="FAM-A")
    brother = make_child(session, world.programme, world.referent, nom="Ahamada", prenom="Said", ref_famille="FAM-A")
    session.commit()
    client = login_as(world.coordinateur)
    before = _last(session)
    client.get("/enfants/")
    listed = {target for action, target in _new_events(session, before) if action == "child.list"}
    assert {world.child.public_id, world.other_child.public_id, sibling.public_id} <= listed
    token = csrf_token(client, "/enfants/")
    before = _last(session)
    client.post("/enfants/", data={"q": "Bernard", "csrf_token": token})
    assert [t for a, t in _new_events(session, before) if a == "child.list"] == [world.other_child.public_id]
    before = _last(session)
    page = client.get(f"/enfants/{sibling.public_id}").get_data(as_text=True)
    assert "Said" in page  # the brother is named on the page, and that read is in the trail with the page's own
    read = [("child.read", sibling.public_id), ("child.read.sibling", brother.public_id)]
    assert _new_events(session, before) == read
    before = _last(session)
    client.post("/deconnexion", data={"csrf_token": token})
    assert [a for a, _t in _new_events(session, before)] == ["logout"]


def test_each_transaction_chains_after_the_head_as_stored_now(session: Session) -> None:
    """Another process appending between two transactions of one session moves the stored head: the
    next event follows it, not the head this session read earlier (sessions keep objects after commit)."""
    record(session, "test.first", actor_id=1)
    record(session, "test.second", actor_id=1)
    session.commit()
    moved = "f" * 64
    session.connection().exec_driver_sql(f"UPDATE audit_head SET last_hash = '{moved}' WHERE id = 1")  # noqa: S608
    event = record(session, "test.third", actor_id=1)
    assert event.prev_hash == moved
