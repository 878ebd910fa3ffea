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


def test_demo_holds_two_collective_actions_and_the_programme_data_of_the_year(demo_instance: Path) -> None:
    import json
    from datetime import date

    result = run(demo_instance, "indicators", "--year", str(date.today().year))
    assert result.returncode == 0, result.stderr
    indicators = json.loads(result.stdout)
    collective = indicators["actions_collectives"]
    assert collective["actions"] == 2 and collective["seances"] >= 2
    assert collective["enfants_en_parcours"] >= 1 and collective["parents"] > 0
    data = indicators["donnees_programme"]
    assert data["renseignees"] and data["effectifs_etp_total"] == 5.8 and "Kawéni" in data["qpv_couverts"]
    csv_file = demo_instance.parent / "donnees.csv"
    exported = run(
        demo_instance, "indicators", "--year", f"{date.today().year}", "--format", "csv", "--output", str(csv_file)
    )
    assert exported.returncode == 0, exported.stderr
    assert "actions_collectives.actions;Actions collectives menées;;;2" in csv_file.read_text(encoding="utf-8-sig")


def test_demo_holds_a_closed_perte_de_contact_exit_a_waiting_child_and_a_scan(demo_instance: Path) -> None:
    import sqlite3

    with sqlite3.connect(demo_instance / "parcours.sqlite3") as connection:
        closed = connection.execute(
            "SELECT c.status, c.attempts_count, length(c.pdf), p.motif_sortie, p.date_sortie IS NOT NULL "
            "FROM parcours_closures c JOIN parcours p ON p.id = c.parcours_id"
        ).fetchall()
        waiting = connection.execute(
            "SELECT count(*) FROM children c JOIN parcours p ON p.child_id = c.id "
            "WHERE c.referent_id IS NULL AND p.decision_eps = 'accepte' AND p.date_sortie IS NULL"
        ).fetchone()
        scans = connection.execute("SELECT category, kind FROM scans").fetchall()
    [(status, attempts, pdf, motif, has_exit)] = closed
    assert (status, motif, has_exit) == ("effective", "perte_contact", 1) and attempts == 3 and pdf > 10_000
    assert waiting[0] >= 1
    assert ("bilan_partenaire", "pdf") in scans


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


def test_init_demo_refuses_an_instance_with_real_users(tmp_path: Path) -> None:
    instance = tmp_path / "instance"
    assert run(instance, "init").returncode == 0
    assert run(instance, "programmes", "add", "PRE-976", "--name", "PRE de Mamoudzou").returncode == 0
    added = run(
        instance,
        "users",
        "add",
        "coord@pre.fr",
        "--role",
        "coordinateur",
        "--name",
        "Claire",
        "--password-stdin",
        stdin="une longue phrase de passe\n",
    )
    assert added.returncode == 0, added.stderr
    config = (instance / "config.json").read_text()
    refused = run(instance, "init", "--demo")
    assert refused.returncode == 1
    assert "ne transforme jamais une instance réelle" in refused.stderr
    assert (instance / "config.json").read_text() == config  # still a real instance


def test_demo_instances_say_so_on_every_page(demo_instance: Path) -> None:
    from app import create_app
    from app.db import db
    from tests.conftest import IsolatedClient, login

    app = create_app(demo_instance, {"database_url": f"sqlite:///{demo_instance / 'parcours.sqlite3'}"})
    app.test_client_class = IsolatedClient
    client = app.test_client()
    assert "Instance de démonstration" in client.get("/connexion").get_data(as_text=True)
    login(client, "referent@demo.parcours", "demo-parcours")
    for path in ("/", "/enfants/"):
        assert "Instance de démonstration" in client.get(path, follow_redirects=True).get_data(as_text=True)
    db.engine_of(app).dispose()


def test_a_name_searched_never_reaches_the_server_log(demo_instance: Path, tmp_path: Path) -> None:
    """SECURITY 27: a planted name typed in the search is absent from everything the server logs."""
    import http.cookiejar
    import re
    import socket
    import time
    import urllib.parse
    import urllib.request

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    env = {k: v for k, v in os.environ.items() if k != "PARCOURS_DATABASE_URL"}
    env["PARCOURS_INSTANCE"] = str(demo_instance)
    log = tmp_path / "server.log"
    with log.open("wb") as output:
        server = subprocess.Popen(
            [*PARCOURS, "run", "--port", str(port)], env=env, stdout=output, stderr=subprocess.STDOUT
        )
    base = f"http://127.0.0.1:{port}"
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))

    def fetch(path: str, data: dict[str, str] | None = None) -> str:
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        with opener.open(base + path, body, timeout=30) as response:
            return str(response.read().decode())

    def token(page: str) -> str:
        match = re.search(r'name="csrf_token" value="([^"]+)"', page) or re.search(
            r'name="csrf_token" type="hidden" value="([^"]+)"', page
        )
        assert match
        return match.group(1)

    try:
        for _ in range(300):
            try:
                fetch("/sante")
                break
            except OSError:
                time.sleep(0.1)
        login_page = fetch("/connexion")
        fetch(
            "/connexion",
            {"email": "referent@demo.parcours", "password": "demo-parcours", "csrf_token": token(login_page)},
        )
        caseload = fetch("/enfants/")
        found = fetch("/enfants/", {"q": "Zqxplanted Marqueur", "csrf_token": token(caseload)})
        assert "Enfants suivis" in found
    finally:
        server.terminate()
        server.wait(timeout=10)
    text = log.read_text(encoding="utf-8", errors="replace")
    assert "POST /enfants/" in text  # the access log was captured
    assert "Zqxplanted" not in text and "Marqueur" not in text


def _sqlite(instance: Path):  # type: ignore[no-untyped-def]
    import sqlite3

    return sqlite3.connect(instance / "parcours.sqlite3")


def test_audit_verify_names_every_break(tmp_path: Path) -> None:
    instance = tmp_path / "instance"
    assert run(instance, "init").returncode == 0
    for code in ("PRE-A", "PRE-B", "PRE-C"):
        assert run(instance, "programmes", "add", code, "--name", code).returncode == 0
    assert run(instance, "audit", "verify").returncode == 0
    with _sqlite(instance) as connection:
        ids = [row[0] for row in connection.execute("SELECT id FROM audit_events ORDER BY id")]
        connection.execute("UPDATE audit_events SET action = 'forged' WHERE id = ?", (ids[1],))
        connection.execute("DELETE FROM audit_events WHERE id = ?", (ids[-1],))
    result = run(instance, "audit", "verify")
    assert result.returncode == 1
    assert f"l'entrée {ids[1]} : contenu modifié" in result.stderr
    assert "entrées supprimées en fin de journal" in result.stderr  # found through the checkpoint
    assert "3 rupture(s)" in result.stderr  # and the head in the database no longer matches


def test_init_seals_the_trail_of_an_instance_made_before_the_audit_key(tmp_path: Path) -> None:
    """The migration path: an older instance (unkeyed chain, an integer target hashed as a number)
    gets its audit key from `parcours init`, which checks the old chain and seals it."""
    from datetime import datetime

    from app.audit.services import GENESIS, unkeyed_hash

    instance = tmp_path / "instance"
    assert run(instance, "init").returncode == 0
    assert run(instance, "programmes", "add", "PRE-A", "--name", "A").returncode == 0
    columns = ["id", "prev_hash", "at", "actor_id", "programme_id", "action", "target_type", "target_id", "outcome"]
    with _sqlite(instance) as connection:
        connection.execute(
            "INSERT INTO audit_events (at, action, target_id, outcome, prev_hash, hash) "
            "VALUES ('2026-01-02 03:04:05.000006', 'access.denied:indicators:view', '2025', 'denied', '', '')"
        )
        previous = GENESIS
        for values in connection.execute(f"SELECT {', '.join(columns)} FROM audit_events ORDER BY id").fetchall():  # noqa: S608 - fixed column names
            row = dict(zip(columns, values, strict=True))
            row["at"] = datetime.fromisoformat(row["at"])
            row["prev_hash"] = previous
            if row["target_id"] == "2025":
                row["target_id"] = 2025  # hashed as a number by the old code, stored as text
            previous = unkeyed_hash(row)
            connection.execute(
                "UPDATE audit_events SET prev_hash = ?, hash = ? WHERE id = ?", (row["prev_hash"], previous, row["id"])
            )
        connection.execute("UPDATE audit_head SET last_hash = ?", (previous,))
    (instance / "keys" / "audit.key").unlink()
    (instance / "audit-checkpoint.json").unlink()
    refused = run(instance, "audit", "verify")
    assert refused.returncode == 1 and "parcours init" in refused.stderr
    sealed = run(instance, "init")
    assert sealed.returncode == 0, sealed.stderr
    assert "Journal d'audit scellé par la clé d'audit." in sealed.stdout
    assert run(instance, "audit", "verify").returncode == 0
