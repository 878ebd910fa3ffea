"""The schema built by the migrations is exactly the one the models describe."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.orm import Session

from app.migrate import alembic_config
from app.models import metadata


def test_models_and_migrations_agree(session: Session) -> None:
    context = MigrationContext.configure(session.connection())
    assert compare_metadata(context, metadata) == []


def test_the_database_is_at_the_single_head(session: Session) -> None:
    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    heads = script.get_heads()
    assert len(heads) == 1, f"several migration heads, add a merge revision: {heads}"
    context = MigrationContext.configure(session.connection())
    assert set(context.get_current_heads()) == set(heads)
