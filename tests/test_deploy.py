"""Deployment: the shipped wheel, `parcours upgrade`, disaster-recovery restore, deploy/ files."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path

from flask import Flask
from sqlalchemy import Engine, select, text

from app.children.models import Child
from app.children.services import read_identity
from app.config import CONFIG_FILE, write_config
from app.db import db, make_engine
from app.maintenance import backup as backups
from app.migrate import head_revision, upgrade
from tests.factories import make_child, make_parcours, make_programme, make_user

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"
PARCOURS = str(Path(sys.executable).parent / "parcours")


def parcours(instance: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "PARCOURS_DATABASE_URL"}
    env["PARCOURS_INSTANCE"] = str(instance)
    return subprocess.run([PARCOURS, *args], capture_output=True, text=True, env=env, timeout=120, check=False)


def database_url(instance: Path) -> str:
    url: str = json.loads((instance / CONFIG_FILE).read_text(encoding="utf-8"))["database_url"]
    return url


def empty_database(url: str) -> None:
    """No schema at all, as on a new server (SQLite: no file)."""
    engine = make_engine(url)
    if engine.dialect.name == "postgresql":
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    if url.startswith("sqlite:///"):
        for suffix in ("", "-wal", "-shm"):
            Path(url.removeprefix("sqlite:///") + suffix).unlink(missing_ok=True)


def test_the_wheel_ships_forms_and_migrations_and_init_works_from_it(tmp_path: Path) -> None:
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "-q",
            "-w",
            str(tmp_path),
            str(ROOT),
        ],
        check=True,
        capture_output=True,
    )
    (wheel,) = tmp_path.glob("parcours-*.whl")
    installed = tmp_path / "site"
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        archive.extractall(installed)
    assert "app/_data/forms/set.yaml" in names and "app/_data/forms/nomenclature.yaml" in names
    assert "app/_data/migrations/env.py" in names
    assert {f"app/_data/migrations/versions/{p.name}" for p in (ROOT / "migrations" / "versions").glob("*.py")} <= names
    # Run from elsewhere, with the unpacked wheel first on the path: no checkout to lean on.
    env = {k: v for k, v in os.environ.items() if k != "PARCOURS_DATABASE_URL"}
    env.update(PYTHONPATH=str(installed), PARCOURS_INSTANCE=str(tmp_path / "instance"))
    script = "import app, sys; from app.cli import main; print(app.__file__, file=sys.stderr); main(['init'])"
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=tmp_path, env=env, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    assert str(installed / "app") in result.stderr
    assert "Base de données à jour" in result.stdout
    upgraded = parcours(tmp_path / "instance", "upgrade")
    assert upgraded.stdout.strip() == f"Base de données déjà à jour ({head_revision()})."


def test_upgrade_says_from_which_migration_to_which(fresh_instance: Callable[[str], Path]) -> None:
    instance = fresh_instance("old")
    url = database_url(instance)
    empty_database(url)
    engine: Engine = make_engine(url)
    assert upgrade(engine, "0001") == (None, "0001")
    engine.dispose()
    result = parcours(instance, "upgrade")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"Base de données mise à jour : 0001 → {head_revision()}."
    again = parcours(instance, "upgrade")
    assert again.stdout.strip() == f"Base de données déjà à jour ({head_revision()})."


def test_disaster_recovery_restores_into_a_folder_holding_only_keys_and_config(
    make_app: Callable[[Path], Flask], fresh_instance: Callable[[str], Path], tmp_path: Path
) -> None:
    source = make_app(fresh_instance("source"))
    with source.app_context():
        programme = make_programme(db.session)
        child = make_child(db.session, programme, make_user(db.session, programme, "referent"), nom="Martin")
        make_parcours(db.session, child)
        db.session.commit()
        backups.backup(db.engine, tmp_path / "backup.zip")
    db.engine_of(source).dispose()
    # The new server: keys/ and config.json copied from the old one; its database is empty.
    new_server = tmp_path / "new-server"
    new_server.mkdir()
    shutil.copytree(Path(source.instance_path) / "keys", new_server / "keys")
    config = json.loads((Path(source.instance_path) / CONFIG_FILE).read_text(encoding="utf-8"))
    target_url = database_url(fresh_instance("target"))
    empty_database(target_url)
    write_config(new_server, {**config, "database_url": target_url})
    assert sorted(p.name for p in new_server.iterdir()) == ["config.json", "keys"]

    result = parcours(new_server, "restore", str(tmp_path / "backup.zip"))
    assert result.returncode == 0, result.stderr
    assert "Restauration terminée" in result.stdout
    assert parcours(new_server, "audit", "verify").returncode == 0
    restored = make_app(new_server)
    with restored.app_context():
        (child,) = db.session.scalars(select(Child))
        assert read_identity(child).nom == "Martin"
    # A second restore finds a non-empty instance and refuses.
    again = parcours(new_server, "restore", str(tmp_path / "backup.zip"))
    assert again.returncode == 1 and "not empty" in again.stderr


def test_systemd_units_verify(tmp_path: Path) -> None:
    """`systemd-analyze verify` on the shipped units, with their paths pointed at this checkout."""
    units = []
    for name in ("parcours.service", "parcours-backup.service", "parcours-backup.timer"):
        text_ = (DEPLOY / name).read_text(encoding="utf-8")
        text_ = text_.replace("/opt/parcours/bin/parcours", PARCOURS)
        text_ = text_.replace("/opt/parcours/share/parcours-backup.sh", str(DEPLOY / "parcours-backup.sh"))
        (tmp_path / name).write_text(text_, encoding="utf-8")
        units.append(str(tmp_path / name))
    result = subprocess.run(
        ["systemd-analyze", "verify", "--man=no", *units], capture_output=True, text=True, check=False
    )
    assert (result.returncode, result.stderr) == (0, "")


def test_caddyfile_is_valid_for_caddy(tmp_path: Path) -> None:
    """`caddy validate` (Debian's caddy) adapts and provisions the shipped Caddyfile, log path aside."""
    caddyfile = (DEPLOY / "Caddyfile").read_text(encoding="utf-8")
    assert "/var/log/caddy/parcours.log" in caddyfile and "delete q" in caddyfile  # search terms not logged
    (tmp_path / "Caddyfile").write_text(caddyfile.replace("/var/log/caddy", str(tmp_path)), encoding="utf-8")
    env = {**os.environ, "HOME": str(tmp_path), "XDG_DATA_HOME": str(tmp_path), "XDG_CONFIG_HOME": str(tmp_path)}
    result = subprocess.run(
        ["caddy", "validate", "--adapter", "caddyfile", "--config", str(tmp_path / "Caddyfile")],
        capture_output=True,
        text=True,
        env=env,
        check=False,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "Valid configuration" in result.stdout + result.stderr


def test_nginx_site_is_valid_for_nginx(tmp_path: Path) -> None:
    """`nginx -t` (Debian's nginx) on the shipped site inside a minimal main configuration, with a
    throwaway certificate and logs in a temporary prefix."""
    certificate = ["-keyout", str(tmp_path / "privkey.pem"), "-out", str(tmp_path / "fullchain.pem")]
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=x", *certificate],
        capture_output=True,
        check=True,
    )
    site = (DEPLOY / "nginx.conf").read_text(encoding="utf-8")
    site = site.replace("/etc/letsencrypt/live/parcours.example.fr", str(tmp_path))
    site = site.replace("/var/log/nginx", str(tmp_path))
    (tmp_path / "parcours.conf").write_text(site, encoding="utf-8")
    main = f"pid {tmp_path}/nginx.pid;\nerror_log stderr;\nevents {{}}\nhttp {{ include parcours.conf; }}\n"
    (tmp_path / "nginx.conf").write_text(main, encoding="utf-8")
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    result = subprocess.run(
        [nginx, "-t", "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf"), "-e", "stderr"],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "test is successful" in result.stderr


def test_backup_script_writes_a_backup_and_keeps_the_newest(
    fresh_instance: Callable[[str], Path], tmp_path: Path
) -> None:
    instance = fresh_instance("backed-up")
    backups_dir = tmp_path / "backups"
    backups_dir.mkdir()
    old = ["parcours-20240101T023000Z.zip", "parcours-20240102T023000Z.zip", "parcours-20240103T023000Z.zip"]
    for name in old:
        (backups_dir / name).write_bytes(b"old")
    (backups_dir / "notes.txt").write_text("not a backup")
    env = {k: v for k, v in os.environ.items() if k != "PARCOURS_DATABASE_URL"}
    env.update(PARCOURS_INSTANCE=str(instance), PARCOURS_BIN=PARCOURS, BACKUP_DIR=str(backups_dir), KEEP="2")
    result = subprocess.run(
        [str(DEPLOY / "parcours-backup.sh")], env=env, capture_output=True, text=True, check=False, timeout=120
    )
    assert result.returncode == 0, result.stderr
    remaining = sorted(p.name for p in backups_dir.iterdir())
    (new,) = [name for name in remaining if name not in old and name != "notes.txt"]
    assert remaining == sorted([old[-1], new, "notes.txt"])
    with zipfile.ZipFile(backups_dir / new) as archive:
        assert "backup.json" in archive.namelist()


def test_indicators_as_json_loads_no_web_page_pdf_or_signing_library(fresh_instance: Callable[[str], Path]) -> None:
    instance = fresh_instance("fast")
    assert parcours(instance, "programmes", "add", "PRE01", "--name", "PRE rapide").returncode == 0
    script = (
        "import sys, json; from app.cli import main\n"
        "try:\n    main(['indicators', '--year', '2025'])\n"
        "except SystemExit as exit:\n"
        "    heavy = sorted({m.split('.')[0] for m in sys.modules} & {'pyhanko', 'reportlab', 'segno', 'pikepdf'})\n"
        "    views = sorted(m for m in sys.modules if m.startswith('app.') and m.endswith('.views'))\n"
        "    print(json.dumps({'exit': exit.code, 'heavy': heavy, 'views': views}), file=sys.stderr)\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "PARCOURS_DATABASE_URL"}
    env["PARCOURS_INSTANCE"] = str(instance)
    result = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, check=False)
    assert json.loads(result.stdout)["annee"] == 2025
    assert json.loads(result.stderr.strip().splitlines()[-1]) == {"exit": 0, "heavy": [], "views": []}
