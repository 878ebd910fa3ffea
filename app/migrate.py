"""Alembic, driven from code: `parcours init`, `upgrade` and `restore` bring the database to a revision."""

from __future__ import annotations

from alembic import command
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine

from app.resources import shipped_dir

MIGRATIONS_DIR = shipped_dir("migrations")


def alembic_config(database_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


def head_revision() -> str:
    head = ScriptDirectory(str(MIGRATIONS_DIR)).get_current_head()
    assert head is not None, "the migrations have a single head"
    return head


def current_revision(connection: Connection) -> str | None:
    """The database's revision; None for an empty database (no schema yet)."""
    return MigrationContext.configure(connection).get_current_revision()


def upgrade_connection(connection: Connection, target: str = "head") -> None:
    """Migrate inside the caller's transaction (all or nothing with whatever it does next)."""
    config = alembic_config(connection.engine.url.render_as_string(hide_password=False))
    config.attributes["connection"] = connection
    command.upgrade(config, target)


def upgrade(engine: Engine, target: str = "head") -> tuple[str | None, str | None]:
    """Bring the database to `target`; return its revision before and after."""
    with engine.begin() as connection:
        before = current_revision(connection)
        upgrade_connection(connection, target)
        return before, current_revision(connection)
