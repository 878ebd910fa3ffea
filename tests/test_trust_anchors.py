"""SECURITY.md 30: archives are checked against the programme's certificate, old ciphertexts are refused."""

from __future__ import annotations

import json
import os
import subprocess
import zipfile
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import text
from sqlalchemy.orm import Session

from app.archive.export import export_year
from app.archive.verify import verify_archive
from app.children.services import read_identity, write_identity
from app.crypto import DecryptionError
from app.crypto.certificates import sign_detached_cms
from app.documents import services
from app.signing.keys import all_certificates_pem, load_material
from tests import documents_helpers as data
from tests.factories import World
from tests.test_archive import PARCOURS, rewrite
from tests.test_pdf import make_finalised_document


def _forged(app: Flask, session: Session, world: World, tmp_path: Path) -> Path:
    """An archive made and signed entirely with another key (another programme's), claiming to be ours."""
    make_finalised_document(session, world.foreign_child)
    genuine = tmp_path / "autre.zip"
    export_year(session, world.foreign_programme, 2025, genuine)
    material = load_material(app.config["PARCOURS"].keys_path, world.foreign_programme.code)
    with zipfile.ZipFile(genuine) as archive:
        manifest = json.loads(archive.read("manifest.json"))
    manifest["programme"] = world.programme.code
    claimed = json.dumps(manifest).encode()
    signature = sign_detached_cms(claimed, material)
    replaced = {"manifest.json": claimed, "manifest.json.sig": signature, "certificate.pem": material.certificate_pem}
    return rewrite(genuine, tmp_path / "forged.zip", lambda name, old: replaced.get(name, old), {})


def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PARCOURS_DATABASE_URL", "PARCOURS_INSTANCE")}
    return subprocess.run([PARCOURS, *args], capture_output=True, text=True, env=env, cwd=cwd, timeout=300, check=False)


def test_an_archive_signed_with_another_key_fails_even_with_its_own_certificate(
    app: Flask, session: Session, world: World, tmp_path: Path
) -> None:
    make_finalised_document(session, world.child)
    ours = tmp_path / "ours.zip"
    export_year(session, world.programme, 2025, ours)
    forged = _forged(app, session, world, tmp_path)
    certificate = tmp_path / "programme.pem"
    certificate.write_bytes(all_certificates_pem(app.config["PARCOURS"].keys_path, world.programme.code))

    problems = verify_archive(forged, lambda _programme: certificate.read_bytes())
    assert problems[0].path == "manifest.json" and "non reconnu" in problems[0].reason
    # Each document, sealed with the other key, is named too.
    assert [p.path.endswith(".pdf") and "non reconnu" in p.reason for p in problems[1:]] == [True]

    refused = _cli("archive", "verify", str(forged), "--certificate", str(certificate), cwd=tmp_path)
    assert refused.returncode == 1
    assert "manifest.json" in refused.stderr and "n'est pas intègre" in refused.stderr
    accepted = _cli("archive", "verify", str(ours), "--certificate", str(certificate), cwd=tmp_path)
    assert accepted.returncode == 0, accepted.stderr
    # Outside an instance and without --certificate there is nothing to trust: refused, said in French.
    no_anchor = _cli("archive", "verify", str(ours), cwd=tmp_path)
    assert no_anchor.returncode == 1 and "Aucune ancre de confiance" in no_anchor.stderr


def test_an_older_answers_ciphertext_written_back_is_detected(world: World, session: Session) -> None:
    document = services.start_orientation(session, world.referent, data.orientation())
    session.commit()
    old = session.execute(
        text("SELECT answers FROM document_contents WHERE document_id = :id"), {"id": document.id}
    ).scalar_one()
    services.save_draft(session, world.referent, document, data.orientation(adresse="Nouvelle adresse"), 1)
    session.commit()
    assert services.read_answers(document)["adresse"] == "Nouvelle adresse"
    session.execute(
        text("UPDATE document_contents SET answers = :old WHERE document_id = :id"), {"old": old, "id": document.id}
    )
    session.expire_all()
    with pytest.raises(DecryptionError):
        services.read_answers(document)


def test_an_older_identity_ciphertext_written_back_is_detected(world: World, session: Session) -> None:
    child = world.child
    old = session.execute(text("SELECT nom FROM child_identities WHERE child_id = :id"), {"id": child.id}).scalar_one()
    identity = read_identity(child)
    identity.nom = "Nouveau"
    write_identity(session, child, identity)
    session.commit()
    session.execute(text("UPDATE child_identities SET nom = :old WHERE child_id = :id"), {"old": old, "id": child.id})
    session.expire_all()
    with pytest.raises(DecryptionError):
        read_identity(child)
