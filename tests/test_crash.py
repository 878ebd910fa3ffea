"""SECURITY P1-14: SQLite in WAL with foreign keys on; acknowledged writes survive `kill -9`."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from flask import Flask
from sqlalchemy import select, text

from app.audit.services import verify
from app.children.models import Child
from app.children.services import read_identity
from app.db import db
from app.migrate import upgrade
from tests.conftest import make_instance

WRITER = """
import sys
from app import create_app
from app.db import db
from tests.factories import make_child, make_programme, make_user

app = create_app()
with app.app_context():
    round_number = sys.argv[1]
    programme = make_programme(db.session, f"CRASH{round_number}")
    referent = make_user(db.session, programme, "referent", email=f"crash{round_number}@test.parcours")
    db.session.commit()
    number = 0
    while True:
        number += 1
        child = make_child(db.session, programme, referent, nom=f"Crash{number}", prenom="Test")
        db.session.commit()
        print(child.id, flush=True)  # acknowledged only after the commit returned
"""


def test_acknowledged_writes_survive_kill_9(tmp_path: Path, make_app: Callable[[Path], Flask]) -> None:
    instance = make_instance(tmp_path / "instance", f"sqlite:///{tmp_path / 'instance' / 'parcours.sqlite3'}")
    app = make_app(instance)
    upgrade(db.engine_of(app))
    with app.app_context():
        assert db.session.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert db.session.execute(text("PRAGMA foreign_keys")).scalar() == 1
    db.engine_of(app).dispose()
    acknowledged: list[int] = []
    env = {**os.environ, "PARCOURS_INSTANCE": str(instance), "PYTHONPATH": str(Path(__file__).resolve().parent.parent)}
    env.pop("PARCOURS_DATABASE_URL", None)
    for round_number in range(3):
        writer = subprocess.Popen(
            [sys.executable, "-c", WRITER, str(round_number)],
            stdout=subprocess.PIPE,
            text=True,
            env=env,
            cwd=Path(__file__).resolve().parent.parent,
        )
        assert writer.stdout is not None
        deadline = time.monotonic() + 60
        seen = 0
        while seen < 5 + round_number * 3 and time.monotonic() < deadline:
            line = writer.stdout.readline()
            if line.strip():
                acknowledged.append(int(line))
                seen += 1
        os.kill(writer.pid, signal.SIGKILL)
        writer.wait()
        writer.stdout.close()
        assert seen == 5 + round_number * 3, f"round {round_number}: the writer stopped after {seen} writes"
    with app.app_context():
        assert db.session.execute(text("PRAGMA integrity_check")).scalar() == "ok"
        children = {c.id: c for c in db.session.scalars(select(Child).where(Child.id.in_(acknowledged)))}
        assert set(children) == set(acknowledged)
        assert all(read_identity(child).nom.startswith("Crash") for child in children.values())
        assert verify(db.session) == []
