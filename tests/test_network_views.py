"""The network's pages: coordinator's share button, the `reseau` user's table, form-set pages."""

from __future__ import annotations

import io
import json
import os
import shutil
import time
import zipfile
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from app.crypto.certificates import self_signed
from app.db import db
from app.formengine import form_set
from app.formsets.package import build_package
from app.formsets.views import PENDING_DIR, PENDING_SECONDS
from app.network import services
from app.network.share import Trust, build_share, read_share
from app.signing.keys import certificate_pem
from tests.conftest import csrf_token, login
from tests.factories import World, make_child, make_parcours, make_programme, make_user
from tests.test_formsets import SHIPPED, network_material, proposed_set


@pytest.fixture()
def stored(app: Flask) -> Any:
    folder = Path(app.config["PARCOURS"].instance_path) / services.NETWORK_DIR
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def _followed_child(session: Session, world: World, oriented: date, entered: date) -> None:
    child = make_child(session, world.programme, world.referent)
    make_parcours(session, child, decision_eps="accepte", date_orientation=oriented, date_entree=entered)


def _upload(network: FlaskClient, token: str, year: str, content: bytes, name: str) -> str:
    """The network's page after uploading one share file for `year`."""
    return network.post(
        f"/reseau/partages?annee={year}",
        data={"csrf_token": token, "partages": (io.BytesIO(content), name)},
        content_type="multipart/form-data",
        follow_redirects=True,
    ).get_data(as_text=True)


def _share(client: FlaskClient, year: int | str = 2025) -> bytes:
    response = client.get(f"/reseau/partage/{year}.zip")
    assert response.status_code == 200 and response.mimetype == "application/zip"
    return response.data


def test_a_coordinator_shares_and_the_network_builds_its_table(
    app: Flask, session: Session, world: World, login_as: Callable[[Any], FlaskClient], stored: Path
) -> None:
    _followed_child(session, world, date(2025, 1, 3), date(2025, 2, 1))
    coordinator = login_as(world.coordinateur)
    assert "/reseau/partage/" in coordinator.get("/indicateurs?annee=2025").get_data(as_text=True)
    content = _share(coordinator)
    keys = app.config["PARCOURS"].keys_path
    share = read_share("partage.zip", content, Trust(shared=certificate_pem(keys, world.programme.code)))
    assert share.programme == world.programme.code and share.form_set == (form_set().name, form_set().version)

    network = login_as(world.reseau)
    token = csrf_token(network, "/reseau?annee=2025")
    page = _upload(network, token, "2025", content, "partage.zip")
    assert f"Partage de {world.programme.code} enregistré pour 2025" in page
    assert f'<th scope="col" class="number">{world.programme.code}</th>' in page
    csv = network.get("/reseau?annee=2025&format=csv&diffusion=externe").get_data(as_text=True)
    assert csv.lstrip("\ufeff").startswith(f"indicateur;code;{world.programme.code};total")
    assert "enfants_suivis.total;;< 5;< 5" in csv

    altered = bytearray(content)
    altered[len(altered) // 2] ^= 0x01
    assert "Partage refusé — modifie.zip" in _upload(network, token, "2025", bytes(altered), "modifie.zip")


def test_a_school_year_is_shared_and_consolidated_like_a_calendar_year(
    session: Session, world: World, login_as: Callable[[Any], FlaskClient], stored: Path
) -> None:
    _followed_child(session, world, date(2025, 9, 8), date(2025, 10, 1))
    coordinator = login_as(world.coordinateur)
    assert "/reseau/partage/2025-2026.zip" in coordinator.get("/indicateurs?annee=2025-2026").get_data(as_text=True)
    content = _share(coordinator, "2025-2026")
    indicators = json.loads(zipfile.ZipFile(io.BytesIO(content)).read("indicateurs.json"))
    assert indicators["periode"]["debut"] == "2025-09-01" and indicators["enfants_suivis"]["total"] >= 1
    assert coordinator.get("/reseau/partage/2025-2027.zip").status_code == 404  # not a school year
    network = login_as(world.reseau)
    token = csrf_token(network, "/reseau?annee=2025-2026")
    page = _upload(network, token, "2025-2026", content, "partage.zip")
    assert f"Partage de {world.programme.code} enregistré pour 2025-2026" in page
    from_instance = network.get("/reseau?annee=2025-2026&source=instance").get_data(as_text=True)
    assert world.programme.code in from_instance and "année civile" not in from_instance


def test_a_programme_outside_the_instance_is_trusted_for_its_own_code_only(
    world: World, login_as: Callable[[Any], FlaskClient], stored: Path
) -> None:
    """A PRE whose real seal certificate names no code: refused until the administrator places its
    certificate as `trust/programmes/<CODE>.pem`; then accepted for that code, and for no other."""
    indicators = json.loads(zipfile.ZipFile(io.BytesIO(_share(login_as(world.coordinateur)))).read("indicateurs.json"))
    commune = self_signed("Commune de Saint-Exemple - cachet", "Commune de Saint-Exemple")
    forms = indicators.pop("form_set")
    outside = build_share({**indicators, "programme": "PRE-EXT"}, forms["name"], forms["version"], commune)
    usurped = build_share({**indicators, "programme": "PRE-AUTRE"}, forms["name"], forms["version"], commune)
    network = login_as(world.reseau)
    token = csrf_token(network, "/reseau?annee=2025")
    assert "Partage refusé — ext.zip" in _upload(network, token, "2025", outside, "ext.zip")
    (stored / services.TRUST_DIR / services.BOUND_DIR).mkdir(parents=True)
    (stored / services.TRUST_DIR / services.BOUND_DIR / "PRE-EXT.pem").write_bytes(commune.certificate_pem)
    assert "Partage de PRE-EXT enregistré pour 2025" in _upload(network, token, "2025", outside, "ext.zip")
    assert "Partage refusé — autre.zip" in _upload(network, token, "2025", usurped, "autre.zip")


def test_one_instance_hosting_several_programmes_gets_the_table_from_its_own_data(
    session: Session, world: World, login_as: Callable[[Any], FlaskClient]
) -> None:
    other = make_child(session, world.foreign_programme, None)
    make_parcours(
        session, other, decision_eps="accepte", date_orientation=date(2025, 1, 3), date_entree=date(2025, 2, 1)
    )
    page = login_as(world.reseau).get("/reseau?annee=2025&source=instance").get_data(as_text=True)
    assert world.programme.code in page and world.foreign_programme.code in page
    assert "Ahamada" not in page and world.child.public_id not in page  # aggregates only
    coordinator = login_as(world.coordinateur)
    assert coordinator.get("/reseau?annee=2025&source=instance").status_code == 404


def _zip_folder(folder: Path) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                archive.write(path, f"forms/{path.relative_to(folder)}")
    return buffer.getvalue()


def test_a_coordinator_compares_a_proposed_set(
    world: World, login_as: Callable[[Any], FlaskClient], tmp_path: Path
) -> None:
    proposed = proposed_set(tmp_path / "propose")
    client = login_as(world.coordinateur)
    page = client.post(
        "/formulaires/comparer",
        data={
            "csrf_token": csrf_token(client, "/formulaires/comparer"),
            "jeu": (io.BytesIO(_zip_folder(proposed)), "p.zip"),
        },
        content_type="multipart/form-data",
    ).get_data(as_text=True)
    assert '<td class="diff-before">Nom</td><td class="diff-after">Nom de famille</td>' in page
    assert login_as(world.referent).get("/formulaires/comparer").status_code == 404


def test_an_admin_installs_a_published_set_after_seeing_the_changes(
    tmp_path: Path, fresh_instance: Callable[[str], Path], make_app: Callable[[Path], Flask]
) -> None:
    app = make_app(fresh_instance("installation"))
    with app.app_context():
        admin = make_user(db.session, make_programme(db.session), "admin")
        db.session.commit()
        email = admin.email
    package, _set = build_package(proposed_set(tmp_path / "propose"), network_material())
    client = app.test_client()
    login(client, email)
    token = csrf_token(client, "/formulaires/installer")
    untrusted = client.post(
        "/formulaires/installer",
        data={
            "csrf_token": token,
            "jeu": (io.BytesIO(package), "SET.zip"),
            "certificat": (io.BytesIO(certificate_pem_of_other()), "autre.pem"),
        },
        content_type="multipart/form-data",
    ).get_data(as_text=True)
    assert "Jeu refusé" in untrusted and "certificat de confiance" in untrusted
    pending = app.config["PARCOURS"].instance_path / PENDING_DIR
    forgotten = pending / ("0" * 32)
    forgotten.mkdir(parents=True)
    os.utime(forgotten, (time.time() - PENDING_SECONDS - 60,) * 2)
    expired = client.post(
        "/formulaires/installer/confirmer", data={"csrf_token": token, "jeton": "0" * 32}, follow_redirects=True
    )
    assert "Cette vérification a expiré" in expired.get_data(as_text=True) and not forgotten.exists()
    forgotten.mkdir()
    os.utime(forgotten, (time.time() - PENDING_SECONDS - 60,) * 2)
    page = client.post(
        "/formulaires/installer",
        data={
            "csrf_token": token,
            "jeu": (io.BytesIO(package), "SET.zip"),
            "certificat": (io.BytesIO(network_material().certificate_pem), "reseau.pem"),
        },
        content_type="multipart/form-data",
    ).get_data(as_text=True)
    assert "Signature vérifiée" in page and "Nom de famille" in page
    jeton = page.split('name="jeton" value="')[1].split('"')[0]
    assert [folder.name for folder in pending.iterdir()] == [jeton]  # the forgotten one is swept
    done = client.post(
        "/formulaires/installer/confirmer", data={"csrf_token": token, "jeton": jeton}, follow_redirects=True
    )
    assert f"version {SHIPPED + 1} installé" in done.get_data(as_text=True)
    assert not any(pending.iterdir())
    with app.app_context():
        assert form_set().version == SHIPPED + 1


def certificate_pem_of_other() -> bytes:
    from tests.test_formsets import other_material

    return other_material().certificate_pem
