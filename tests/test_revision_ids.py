"""Alembic revision ids fit the `alembic_version.version_num` column (VARCHAR(32) on PostgreSQL)."""

from __future__ import annotations

from alembic.script import ScriptDirectory

from app.migrate import MIGRATIONS_DIR


def test_every_revision_id_fits_the_version_column() -> None:
    too_long = [r.revision for r in ScriptDirectory(str(MIGRATIONS_DIR)).walk_revisions() if len(r.revision) > 32]
    assert too_long == []
