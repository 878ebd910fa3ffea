"""SECURITY P0-8 and P1-9: audit events in the same transaction, hash-chained."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from app.audit.models import AuditEvent
from app.audit.services import record, verify
from app.users.models import User
from tests.conftest import csrf_token
from tests.factories import World, make_child


def _trail(session: Session, count: int = 5) -> list[AuditEvent]:
    return [
        record(session, f"test.event{i}", actor_id=1, target_type="children", target_id=f"c{i}") for i in range(count)
    ]


def test_an_intact_chain_verifies(session: Session) -> None:
    _trail(session)
    assert verify(session) is None


def test_an_edited_entry_is_named(session: Session) -> None:
    events = _trail(session)
    session.execute(update(AuditEvent).where(AuditEvent.id == events[2].id).values(action="test.other"))
    session.expire_all()
    broken = verify(session)
    assert broken is not None and broken.event_id == events[2].id


def test_a_deleted_entry_is_found(session: Session) -> None:
    events = _trail(session)
    session.execute(delete(AuditEvent).where(AuditEvent.id == events[2].id))
    broken = verify(session)
    assert broken is not None and broken.event_id == events[3].id


def test_a_deleted_last_entry_is_found(session: Session) -> None:
    events = _trail(session)
    session.execute(delete(AuditEvent).where(AuditEvent.id == events[-1].id))
    assert verify(session) is not None


def test_an_inserted_entry_is_found(session: Session) -> None:
    events = _trail(session)
    forged = AuditEvent(
        at=events[1].at, actor_id=9, action="forged", prev_hash=events[1].hash, hash=events[2].hash, outcome="ok"
    )
    session.add(forged)
    session.flush()
    session.execute(update(AuditEvent).where(AuditEvent.id == forged.id).values(id=events[-1].id + 100))
    session.expire_all()
    assert verify(session) is not None


def test_reordered_entries_are_found(session: Session) -> None:
    events = _trail(session)
    first, second = events[1].id, events[2].id
    session.execute(update(AuditEvent).where(AuditEvent.id == first).values(id=10**9))
    session.execute(update(AuditEvent).where(AuditEvent.id == second).values(id=first))
    session.execute(update(AuditEvent).where(AuditEvent.id == 10**9).values(id=second))
    session.expire_all()
    broken = verify(session)
    assert broken is not None and broken.event_id == first


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
