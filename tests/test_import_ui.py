"""The coordinator's import page: upload, preview (dry run), confirm; nothing written before."""

from __future__ import annotations

import html
import io
import os
import re
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.audit.models import AuditEvent
from app.children.models import Child, Parcours
from app.imports import staging
from tests.conftest import FIXTURES, csrf_token
from tests.factories import World

GOOD = (FIXTURES / "parcours-exemple.csv").read_bytes()
TOKEN = re.compile(r'name="token"[^>]*value="([^"]+)"')


def counts(session: Session) -> tuple[int, int]:
    return session.scalar(select(func.count(Child.id))) or 0, session.scalar(select(func.count(Parcours.id))) or 0


def upload(client: FlaskClient, data: bytes, name: str = "parcours.csv") -> str:
    response = client.post(
        "/import",
        data={"csrf_token": csrf_token(client, "/import"), "file": (io.BytesIO(data), name), "preview": "1"},
        content_type="multipart/form-data",
    )
    assert response.status_code == 200
    return html.unescape(response.get_data(as_text=True))


def test_preview_lists_every_error_and_writes_nothing(world: World, login_as, session: Session) -> None:  # type: ignore[no-untyped-def]
    lines = GOOD.decode("utf-8-sig").splitlines()
    lines[2] = lines[2].replace("2020-07-27", "31/02/2020")  # no such date
    lines[5] = lines[5].replace(";M;", ";X;", 1)
    before = counts(session)
    page = upload(login_as(world.coordinateur), "\n".join(lines).encode())
    assert "Fichier refusé : " in page and "Rien n'a été importé" in page
    assert "ligne 3, colonne date_naissance : " in page
    assert "ligne 6, colonne sexe : " in page
    assert 'name="token"' not in page
    assert counts(session) == before


def test_confirmed_import_creates_the_children(world: World, login_as, session: Session, app: Flask) -> None:  # type: ignore[no-untyped-def]
    client = login_as(world.coordinateur)
    before = counts(session)
    page = upload(client, GOOD)
    assert "Vérification réussie" in page
    assert counts(session) == before, "the preview wrote something"
    token = TOKEN.search(page).group(1)  # type: ignore[union-attr]
    staged = list((Path(app.instance_path) / staging.FOLDER).glob("*.bin"))
    assert staged and b"Bernard" not in staged[0].read_bytes()  # kept encrypted

    response = client.post(
        "/import", data={"csrf_token": csrf_token(client, "/import"), "token": token, "confirm": "1"}
    )
    assert response.status_code == 302
    children, parcours = counts(session)
    assert parcours - before[1] == 60 and children > before[0]
    assert not (Path(app.instance_path) / staging.FOLDER / f"{token.split('.')[0]}.bin").exists()
    assert "Import terminé" in client.get("/import").get_data(as_text=True)
    assert session.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.action == "import")) == 1

    again = upload(client, GOOD)  # the same file again changes nothing
    assert "<dt>Parcours à créer</dt><dd>0</dd>" in again and "<dt>Enfants à créer</dt><dd>0</dd>" in again


def test_a_token_is_useless_to_another_coordinator(world: World, login_as, session: Session) -> None:  # type: ignore[no-untyped-def]
    token = TOKEN.search(upload(login_as(world.coordinateur), GOOD)).group(1)  # type: ignore[union-attr]
    before = counts(session)
    thief = login_as(world.foreign_coordinateur)
    response = thief.post("/import", data={"csrf_token": csrf_token(thief, "/import"), "token": token, "confirm": "1"})
    assert response.status_code == 302
    assert "plus disponible" in thief.get("/import").get_data(as_text=True)
    assert counts(session) == before


def test_cancel_discards_the_staged_file(world: World, login_as, session: Session, app: Flask) -> None:  # type: ignore[no-untyped-def]
    client = login_as(world.coordinateur)
    token = TOKEN.search(upload(client, GOOD)).group(1)  # type: ignore[union-attr]
    before = counts(session)
    client.post("/import", data={"csrf_token": csrf_token(client, "/import"), "token": token, "cancel": "1"})
    assert not (Path(app.instance_path) / staging.FOLDER / f"{token.split('.')[0]}.bin").exists()
    assert counts(session) == before


def test_upload_without_file_or_of_another_type_says_so(world: World, login_as) -> None:  # type: ignore[no-untyped-def]
    client = login_as(world.coordinateur)
    page = client.post("/import", data={"csrf_token": csrf_token(client, "/import")}).get_data(as_text=True)
    assert "Choisissez un fichier." in page
    assert "format CSV" in upload(client, b"%PDF-1.7", "bilan.pdf")


def test_staged_file_expires(tmp_path: Path) -> None:
    token = staging.stage(tmp_path, b"ref_enfant;nom", "programme:1/user:1")
    assert staging.load(tmp_path, token, "programme:1/user:1") == b"ref_enfant;nom"
    assert staging.load(tmp_path, token, "programme:1/user:2") is None
    assert staging.load(tmp_path, token[:-2] + "AA", "programme:1/user:1") is None
    path = next((tmp_path / staging.FOLDER).glob("*.bin"))
    old = path.stat().st_mtime - staging.MAX_AGE_SECONDS - 1
    os.utime(path, (old, old))
    assert staging.load(tmp_path, token, "programme:1/user:1") is None
    staging.purge_expired(tmp_path)
    assert not path.exists()


@pytest.mark.parametrize("role", ["referent", "eps", "admin"])
def test_other_roles_get_404_on_import(world: World, login_as, role: str) -> None:  # type: ignore[no-untyped-def]
    client = login_as(world.users()[role])
    assert client.get("/import").status_code == 404
    token = csrf_token(client, "/")
    assert client.post("/import", data={"csrf_token": token}).status_code == 404
