"""Online backup to a portable ZIP (one JSON line per row) and restore into an empty instance.

The backup is read in one transaction, so it is consistent while the app keeps running. It holds
the wrapped per-child keys but never a key-encryption key: restoring needs the instance's `keys/`.
"""

from __future__ import annotations

import base64
import json
import zipfile
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any

from alembic.migration import MigrationContext
from sqlalchemy import Connection, Engine, Table, func, insert, select, text

from app.db import utcnow
from app.migrate import upgrade_connection
from app.models import metadata

FORMAT = "parcours-backup/1"
BATCH = 1000


class RestoreError(RuntimeError):
    """The backup cannot be restored here; the message says why."""


def _encode(value: Any) -> Any:
    if isinstance(value, bytes):
        return {"$b64": base64.b64encode(value).decode()}
    if isinstance(value, datetime):
        return {"$dt": value.isoformat()}
    if isinstance(value, date):
        return {"$date": value.isoformat()}
    return value


def _decode(value: Any) -> Any:
    if isinstance(value, dict):
        if "$b64" in value:
            return base64.b64decode(value["$b64"])
        if "$dt" in value:
            return datetime.fromisoformat(value["$dt"])
        if "$date" in value:
            return date.fromisoformat(value["$date"])
    return value


def _revision(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


def backup(engine: Engine, target: Path) -> dict[str, int]:
    """Write every table to `target` (ZIP) from one consistent snapshot; return row counts."""
    counts: dict[str, int] = {}
    options = {"isolation_level": "REPEATABLE READ"} if engine.dialect.name == "postgresql" else {}
    with engine.connect().execution_options(**options) as connection, connection.begin():
        revision = _revision(connection)
        with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for table in metadata.sorted_tables:
                with archive.open(f"tables/{table.name}.jsonl", "w") as handle:
                    counts[table.name] = 0
                    for row in connection.execute(select(table).order_by(*table.primary_key.columns)):
                        line = json.dumps({k: _encode(v) for k, v in row._mapping.items()}, ensure_ascii=False)
                        handle.write(line.encode() + b"\n")
                        counts[table.name] += 1
            manifest = {"format": FORMAT, "created_at": utcnow().isoformat(), "revision": revision, "tables": counts}
            archive.writestr("backup.json", json.dumps(manifest, indent=2))
    return counts


def _rows(archive: zipfile.ZipFile, table: Table) -> Iterator[dict[str, Any]]:
    with archive.open(f"tables/{table.name}.jsonl") as handle:
        for line in handle:
            yield {k: _decode(v) for k, v in json.loads(line).items()}


def restore(engine: Engine, source: Path) -> dict[str, int]:
    """Load a backup into an empty database at the same migration; all or nothing."""
    try:
        archive = zipfile.ZipFile(source)
        manifest = json.loads(archive.read("backup.json"))
    except (OSError, KeyError, zipfile.BadZipFile, json.JSONDecodeError) as error:
        raise RestoreError(f"{source}: not a Parcours backup ({error})") from error
    if manifest.get("format") != FORMAT:
        raise RestoreError(f"{source}: unknown backup format {manifest.get('format')!r}")
    counts: dict[str, int] = {}
    with archive, engine.begin() as connection:
        current = _revision(connection)
        if current is None and manifest["revision"]:
            # Disaster recovery: a folder holding only keys/ and the config gets the backup's schema.
            upgrade_connection(connection, manifest["revision"])
        elif manifest["revision"] != current:
            raise RestoreError(
                f"{source}: backup at migration {manifest['revision']}, database at {_revision(connection)}; "
                "upgrade the instance to the backup's version first"
            )
        for table in metadata.sorted_tables:
            if connection.scalar(select(func.count()).select_from(table)):
                raise RestoreError(f"the database is not empty (table {table.name}): restore needs an empty instance")
        for table in metadata.sorted_tables:
            counts[table.name] = 0
            batch: list[dict[str, Any]] = []
            for row in _rows(archive, table):
                batch.append(row)
                if len(batch) == BATCH:
                    connection.execute(insert(table), batch)
                    counts[table.name] += len(batch)
                    batch = []
            if batch:
                connection.execute(insert(table), batch)
                counts[table.name] += len(batch)
            if counts[table.name] != manifest["tables"].get(table.name, 0):
                raise RestoreError(
                    f"{source}: table {table.name} holds {counts[table.name]} rows, "
                    f"the manifest says {manifest['tables'].get(table.name)}"
                )
        if engine.dialect.name == "postgresql":
            _reset_sequences(connection)
    return counts


def _reset_sequences(connection: Connection) -> None:
    for table in metadata.sorted_tables:
        for column in table.primary_key.columns:
            if column.autoincrement is True or (column.autoincrement == "auto" and column.type.python_type is int):
                connection.execute(
                    text(
                        f"SELECT setval(pg_get_serial_sequence('{table.name}', '{column.name}'), "  # noqa: S608
                        f"COALESCE((SELECT MAX({column.name}) FROM {table.name}), 0) + 1, false)"
                    )
                )
