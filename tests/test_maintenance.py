"""SECURITY P1-15..17: backup and restore, key rotation, retention purge."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import func, select

from app.audit.services import verify
from app.children.models import Child
from app.children.services import read_identity
from app.crypto.current import keyring
from app.db import db
from app.maintenance import backup as backups
from app.maintenance import keys as rotation
from app.models import metadata
from app.retention.purge import expired_children, shred
from tests.factories import make_child, make_parcours, make_programme, make_user

Factory = Callable[[str], Path]


def _populate(app: Flask, count: int = 3) -> list[int]:
    with app.app_context():
        programme = make_programme(db.session)
        referent = make_user(db.session, programme, "referent")
        ids = []
        for number in range(count):
            child = make_child(db.session, programme, referent, nom=f"Enfant{number}", prenom="Test")
            make_parcours(db.session, child)
            ids.append(child.id)
        db.session.commit()
        return ids


def _names(app: Flask) -> list[str]:
    with app.app_context():
        children = db.session.scalars(select(Child).order_by(Child.id))
        return [read_identity(child).nom for child in children]


def test_backup_then_restore_into_an_empty_instance(
    make_app: Callable[[Path], Flask], fresh_instance: Factory, tmp_path: Path
) -> None:
    source = make_app(fresh_instance("source"))
    _populate(source)
    archive = tmp_path / "backup.zip"
    with source.app_context():
        counts = backups.backup(db.engine, archive)
    target_path = fresh_instance("target")
    shutil.rmtree(target_path / "keys")
    shutil.copytree(Path(source.instance_path) / "keys", target_path / "keys")
    target = make_app(target_path)
    with target.app_context():
        assert backups.restore(db.engine, archive) == counts
        assert verify(db.session) is None
        for table in metadata.sorted_tables:
            assert db.session.scalar(select(func.count()).select_from(table)) == counts[table.name]
        db.session.commit()  # an open SQLite transaction holds the write lock
        _populate(target, 1)  # sequences continue after the restored rows
    assert _names(target)[:3] == _names(source)


def test_backup_holds_no_key_encryption_key(
    make_app: Callable[[Path], Flask], fresh_instance: Factory, tmp_path: Path
) -> None:
    app = make_app(fresh_instance("a"))
    _populate(app, 1)
    archive = tmp_path / "backup.zip"
    with app.app_context():
        backups.backup(db.engine, archive)
    data = archive.read_bytes()
    for key_file in (Path(app.instance_path) / "keys").iterdir():
        assert key_file.read_bytes() not in data


def test_restore_refuses_a_non_empty_instance_and_changes_nothing(
    make_app: Callable[[Path], Flask], fresh_instance: Factory, tmp_path: Path
) -> None:
    app = make_app(fresh_instance("a"))
    _populate(app, 2)
    archive = tmp_path / "backup.zip"
    with app.app_context():
        backups.backup(db.engine, archive)
        before = {t.name: db.session.scalar(select(func.count()).select_from(t)) for t in metadata.sorted_tables}
        db.session.commit()
        with pytest.raises(backups.RestoreError, match="not empty"):
            backups.restore(db.engine, archive)
        after = {t.name: db.session.scalar(select(func.count()).select_from(t)) for t in metadata.sorted_tables}
    assert before == after
    (tmp_path / "junk.zip").write_bytes(b"not a zip")
    with app.app_context(), pytest.raises(backups.RestoreError, match="not a Parcours backup"):
        backups.restore(db.engine, tmp_path / "junk.zip")


def test_rotation_rewraps_every_key_and_resumes_after_an_interruption(
    make_app: Callable[[Path], Flask], fresh_instance: Factory, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = make_app(fresh_instance("a"))
    _populate(app, 3)
    names = _names(app)
    monkeypatch.setattr(rotation, "BATCH", 1)

    def crash(_done: int) -> None:
        raise KeyboardInterrupt  # as if killed after the first batch

    with app.app_context():
        ring = keyring()
        with pytest.raises(KeyboardInterrupt):
            rotation.rotate(db.session, ring, Path(app.instance_path) / "keys", crash)
        assert rotation.pending(db.session, ring) == 2
        version, rewrapped = rotation.rotate(db.session, ring, Path(app.instance_path) / "keys")
        assert (version, rewrapped) == (2, 2)
        assert set(db.session.scalars(select(Child.kek_version))) == {2}
    assert sorted(p.name for p in (Path(app.instance_path) / "keys").glob("kek-*")) == ["kek-1.key", "kek-2.key"]
    fresh = make_app(Path(app.instance_path))
    assert _names(fresh) == names


def test_purge_shreds_expired_children_even_in_earlier_backups(
    make_app: Callable[[Path], Flask], fresh_instance: Factory, tmp_path: Path
) -> None:
    app = make_app(fresh_instance("a"))
    old, recent, open_case = _populate(app, 3)
    long_ago = date.today() - timedelta(days=3 * 365)
    archive = tmp_path / "before-purge.zip"
    with app.app_context():
        for child_id in (old, open_case):
            child = db.session.get(Child, child_id)
            assert child is not None
            child.last_family_contact = long_ago
        db.session.get(Child, open_case).parcours[0].decision_eps = "accepte"  # type: ignore[union-attr]
        db.session.get(Child, open_case).parcours[0].date_entree = long_ago  # type: ignore[union-attr]
        db.session.commit()
        backups.backup(db.engine, archive)
        expired = expired_children(db.session, date.today(), 2)
        assert [c.id for c in expired] == [old]
        shred(db.session, expired)
        db.session.commit()
        ring = keyring()
        rotation.rotate(db.session, ring, Path(app.instance_path) / "keys")
        rotation.retire_old_keks(ring, Path(app.instance_path) / "keys")
    with app.app_context():
        purged = db.session.get(Child, old)
        assert purged is not None and purged.purged_at is not None
        with pytest.raises(PermissionError):
            read_identity(purged)
        assert read_identity(db.session.get(Child, recent)).nom == "Enfant1"  # type: ignore[arg-type]
        assert verify(db.session) is None
    restored_path = fresh_instance("restored")
    shutil.rmtree(restored_path / "keys")
    shutil.copytree(Path(app.instance_path) / "keys", restored_path / "keys")
    restored = make_app(restored_path)
    with restored.app_context():
        backups.restore(db.engine, archive)
        from_backup = db.session.get(Child, old)
        assert from_backup is not None and from_backup.wrapped_key is not None
        with pytest.raises(RuntimeError):
            read_identity(from_backup)
