"""The `parcours` command line: init, demo, programmes, users, exit codes."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

PARCOURS = [str(Path(sys.executable).parent / "parcours")]


def run(instance: Path, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "PARCOURS_DATABASE_URL"}
    env["PARCOURS_INSTANCE"] = str(instance)
    return subprocess.run(
        [*PARCOURS, *args], input=stdin, capture_output=True, text=True, env=env, timeout=120, check=False
    )


@pytest.fixture(scope="module")
def demo_instance(tmp_path_factory: pytest.TempPathFactory) -> Path:
    instance = tmp_path_factory.mktemp("demo") / "instance"
    result = run(instance, "init", "--demo")
    assert result.returncode == 0, result.stderr
    assert "referent2@demo.parcours" in result.stdout and "demo-parcours" in result.stdout
    return instance


def test_init_demo_is_idempotent_and_keeps_keys(demo_instance: Path) -> None:
    kek = (demo_instance / "keys" / "kek-1.key").read_bytes()
    database = (demo_instance / "parcours.sqlite3").stat().st_size
    again = run(demo_instance, "init", "--demo")
    assert again.returncode == 0, again.stderr
    assert "créées" not in again.stdout
    assert (demo_instance / "keys" / "kek-1.key").read_bytes() == kek
    assert (demo_instance / "parcours.sqlite3").stat().st_size == database
    assert (demo_instance / "keys").stat().st_mode & 0o777 == 0o700


def test_demo_holds_a_past_seance_with_its_releve_and_a_future_one_with_an_agenda(demo_instance: Path) -> None:
    import json
    import sqlite3
    from datetime import datetime

    with sqlite3.connect(demo_instance / "parcours.sqlite3") as connection:
        rows = connection.execute(
            "SELECT s.starts_at, s.status, length(s.releve_pdf), count(i.id) FROM eps_seances s "
            "JOIN eps_agenda_items i ON i.seance_id = s.id GROUP BY s.id ORDER BY s.starts_at"
        ).fetchall()
    (past, past_status, releve, past_items), (future, future_status, no_releve, future_items) = rows
    assert datetime.fromisoformat(past) < datetime.now() < datetime.fromisoformat(future)
    assert (past_status, future_status, no_releve) == ("close", "preparee", None)
    assert releve > 10_000 and past_items >= 2 and future_items >= 2
    school_year = run(demo_instance, "indicators", "--year", f"{datetime.now().year - 1}-{datetime.now().year}")
    assert school_year.returncode == 0, school_year.stderr
    result = json.loads(school_year.stdout)
    assert result["annee"] == f"{datetime.now().year - 1}-{datetime.now().year}"
    assert result["periode"]["debut"] == f"{datetime.now().year - 1}-09-01"
    bad = run(demo_instance, "indicators", "--year", "2025-2027")
    assert bad.returncode == 1 and "année scolaire" in bad.stderr


def test_programmes_and_users_add(tmp_path: Path) -> None:
    instance = tmp_path / "instance"
    assert run(instance, "init").returncode == 0
    assert run(instance, "programmes", "add", "PRE-976", "--name", "PRE de Mamoudzou").returncode == 0
    created = run(
        instance,
        "users",
        "add",
        "Coord@PRE.fr",
        "--role",
        "coordinateur",
        "--name",
        "Claire",
        "--password-stdin",
        stdin="une longue phrase de passe\n",
    )
    assert created.returncode == 0, created.stderr
    weak = run(
        instance, "users", "add", "x@pre.fr", "--role", "referent", "--name", "X", "--password-stdin", stdin="court\n"
    )
    assert weak.returncode == 1
    assert "12 caractères" in weak.stderr
    duplicate = run(instance, "programmes", "add", "PRE-976", "--name", "Encore")
    assert duplicate.returncode == 1 and "existe déjà" in duplicate.stderr
    usage = run(instance, "users", "add", "y@pre.fr", "--role", "chef", "--name", "Y")
    assert usage.returncode == 2


def test_audit_verify_on_a_fresh_demo(demo_instance: Path) -> None:
    result = run(demo_instance, "audit", "verify")
    assert result.returncode == 0, result.stderr
    assert "intègre" in result.stdout


def test_start_up_without_key_or_secret_exits_non_zero(tmp_path: Path) -> None:
    instance = tmp_path / "instance"
    assert run(instance, "init").returncode == 0
    (instance / "keys" / "blind-index.key").rename(tmp_path / "moved.key")
    result = run(instance, "run", "--port", "5999")
    assert result.returncode == 1
    assert "Blind-index key" in result.stderr
    (tmp_path / "moved.key").rename(instance / "keys" / "blind-index.key")
    (instance / "keys" / "kek-1.key").unlink()
    result = run(instance, "run", "--port", "5999")
    assert result.returncode == 1 and "key-encryption key" in result.stderr
    (instance / "config.json").write_text('{"secret_key": "short"}')
    result = run(instance, "run", "--port", "5999")
    assert result.returncode == 1 and "secret key" in result.stderr
