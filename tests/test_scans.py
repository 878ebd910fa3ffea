"""Scans attached to a child's file: checked by content, size-limited, encrypted, attachment only,
audited, archived with their hashes, purged with the child."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from pathlib import Path

import pytest
from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image, PngImagePlugin
from reportlab.pdfgen import canvas
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from app.archive.export import export_year
from app.archive.verify import verify_archive
from app.audit.models import AuditEvent
from app.scans import content
from app.scans.models import Scan
from app.signing.keys import all_certificates_pem
from tests.conftest import csrf_token
from tests.factories import World

MARKER = "ZQXMARKERSCAN"


def png(width: int = 40, height: int = 30, colour: str = "white", note: str = MARKER) -> bytes:
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", note)
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), colour).save(buffer, "PNG", pnginfo=info)
    return buffer.getvalue()


def jpeg() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), "blue").save(buffer, "JPEG")
    return buffer.getvalue()


def pdf(line: str = "Contrat signé") -> bytes:
    buffer = io.BytesIO()
    page = canvas.Canvas(buffer)
    page.drawString(72, 720, line)
    page.save()
    return buffer.getvalue()


def _upload(client, child_id: str, data: bytes, name: str, category: str = "contrat_signe"):  # type: ignore[no-untyped-def]
    token = csrf_token(client, f"/enfants/{child_id}")
    form = {"csrf_token": token, "category": category, "file": (io.BytesIO(data), name)}
    return client.post(f"/enfants/{child_id}/pieces", data=form, content_type="multipart/form-data")


def _actions(session: Session, action: str) -> list[AuditEvent]:
    return list(session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def test_upload_list_and_download_as_attachment(world: World, session: Session, login_as) -> None:  # type: ignore[no-untyped-def]
    client = login_as(world.referent)
    data = png()
    response = _upload(client, world.child.public_id, data, f"contrat {MARKER}.png")
    assert response.status_code == 302
    page = client.get(f"/enfants/{world.child.public_id}").get_data(as_text=True)
    assert "Pièce ajoutée au dossier." in page and "Contrat papier signé" in page
    assert f"contrat {MARKER}.png" in page  # the uploaded name, decrypted for who may see the file
    [scan] = session.scalars(select(Scan).where(Scan.child_id == world.child.id))
    assert len(_actions(session, "scan.upload")) == 1
    download = client.get(f"/pieces/{scan.public_id}")
    assert download.status_code == 200 and download.data == data
    assert download.headers["Content-Disposition"].startswith("attachment;")
    assert MARKER not in download.headers["Content-Disposition"]  # the name sent never carries the uploaded one
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    assert download.headers["Content-Type"] == "image/png"
    [event] = _actions(session, "scan.download")
    assert event.actor_id == world.referent.id and event.target_id == scan.public_id
    # Another référent does not see it: 404, like a missing scan.
    assert login_as(world.other_referent).get(f"/pieces/{scan.public_id}").status_code == 404


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (b"MZ\x90\x00 not a scan", "rapport.pdf", "ni un PDF, ni une image JPEG ou PNG"),
        (b"<html><script>alert(1)</script></html>", "page.png", "ni un PDF, ni une image JPEG ou PNG"),
        (b"%PDF-1.7\n1 0 obj garbage", "faux.pdf", "se présente comme un PDF mais il est illisible"),
        (png()[:60], "coupe.png", "se présente comme un PNG mais il est illisible"),
        (b"", "vide.pdf", "Choisissez un fichier"),
    ],
)
def test_wrong_or_broken_files_are_refused_in_french(
    world: World,
    session: Session,
    login_as,  # type: ignore[no-untyped-def]
    data: bytes,
    name: str,
    message: str,
) -> None:
    client = login_as(world.referent)
    response = _upload(client, world.child.public_id, data, name)
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert message in page
    assert session.scalars(select(Scan)).all() == []


def test_size_limit_is_a_config_key(app: Flask, world: World, session: Session, login_as, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setitem(app.config["PARCOURS"].extra, "scans_max_bytes", 2000)
    client = login_as(world.referent)
    big = png(400, 400, note=MARKER * 200)
    assert len(big) > 2000
    page = client.get(_upload(client, world.child.public_id, big, "gros.png").headers["Location"]).get_data(
        as_text=True
    )
    assert "au plus" in page and session.scalars(select(Scan)).all() == []
    _upload(client, world.child.public_id, png(10, 10, note="x"), "petit.png")
    assert len(session.scalars(select(Scan)).all()) == 1


def test_encrypted_at_rest_no_plaintext_in_the_database(world: World, session: Session, login_as) -> None:  # type: ignore[no-untyped-def]
    client = login_as(world.coordinateur)
    data = pdf(MARKER)
    _upload(client, world.child.public_id, data, f"bilan-{MARKER}.pdf", "bilan_partenaire")
    rows = session.execute(text("SELECT filename, content, category, kind FROM scans")).all()
    assert len(rows) == 1
    filename, stored, category, kind = rows[0]
    assert (category, kind) == ("bilan_partenaire", "pdf")
    assert MARKER.encode() not in bytes(filename) and MARKER.encode() not in bytes(stored)
    assert data[:64] not in bytes(stored) and b"%PDF" not in bytes(stored)
    # A ciphertext moved to another scan's row does not decrypt.
    _upload(client, world.child.public_id, png(), "autre.png", "courrier")
    first, second = session.scalars(select(Scan).order_by(Scan.id)).all()
    from app.scans import services

    second.content = first.content
    with pytest.raises(ValueError):
        services.read(second)


def test_archive_lists_scans_with_their_hashes_and_verifies(
    app: Flask,
    world: World,
    session: Session,
    login_as,
    tmp_path: Path,  # type: ignore[no-untyped-def]
) -> None:
    from datetime import datetime

    client = login_as(world.referent)
    data = jpeg()
    _upload(client, world.child.public_id, data, "courrier.jpg", "courrier")
    scan = session.scalars(select(Scan)).one()
    output = tmp_path / "archive.zip"
    export_year(session, world.programme, datetime.now().year, output, actor_id=world.coordinateur.id)
    with zipfile.ZipFile(output) as archive:
        manifest = json.loads(archive.read("manifest.json"))
        path = f"pieces/{world.child.pseudonym}/courrier-{scan.public_id}.jpg"
        [entry] = [f for f in manifest["files"] if f["path"].startswith("pieces/")]
        assert entry["path"] == path and entry["category"] == "courrier"
        assert entry["sha256"] == hashlib.sha256(data).hexdigest() and entry["size"] == len(data)
        assert archive.read(path) == data
    keys_path, code = app.config["PARCOURS"].keys_path, world.programme.code
    certificates = all_certificates_pem(keys_path, code)
    assert verify_archive(output, lambda programme: certificates if programme == code else None) == []


def test_purge_deletes_the_scans(world: World, session: Session, login_as) -> None:  # type: ignore[no-untyped-def]
    from app.retention.purge import shred

    _upload(login_as(world.referent), world.child.public_id, png(), "contrat.png")
    _upload(login_as(world.other_referent), world.other_child.public_id, png(), "contrat.png")
    shred(session, [world.child])
    remaining = session.scalars(select(Scan)).all()
    assert [s.child_id for s in remaining] == [world.other_child.id]


# --- the content check, as a property --------------------------------------------------------


@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=2048), st.sampled_from([b"", b"%PDF-", b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n"]))
def test_arbitrary_bytes_are_refused_or_parse_as_their_magic_says(body: bytes, prefix: bytes) -> None:
    data = prefix + body
    try:
        kind = content.check(data)
    except content.ContentError as error:
        assert str(error)  # always a message for the user, never another exception
    else:
        assert kind == content.magic_kind(data)


@settings(max_examples=30, deadline=None)
@given(
    st.integers(min_value=1, max_value=300),
    st.integers(min_value=1, max_value=300),
    st.sampled_from(["PNG", "JPEG"]),
    st.tuples(*[st.integers(0, 255)] * 3),
)
def test_real_images_are_accepted_and_truncated_ones_refused(width: int, height: int, fmt: str, colour) -> None:  # type: ignore[no-untyped-def]
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), colour).save(buffer, fmt)
    data = buffer.getvalue()
    assert content.check(data) == fmt.lower()
    with pytest.raises(content.ContentError):
        content.check(data[: len(data) // 3])
