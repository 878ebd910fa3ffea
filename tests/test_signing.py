"""Programme seals: PAdES signatures validated against an explicit trust root; certificates and PKCS #12."""

from __future__ import annotations

import io
import subprocess
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.audit.models import AuditEvent
from app.crypto.certificates import CertificateError
from app.documents.rendering import render_pdf
from app.documents.sealing import read_sealed_pdf
from app.signing import keys
from app.signing.sealer import seal_pdf, signer_for
from app.signing.services import import_certificate
from app.signing.validation import check_sealed_pdf
from tests import factories
from tests.conftest import csrf_token
from tests.test_pdf import make_finalised_document, sample_renderable


def keys_path(app: Flask) -> Path:
    return Path(app.config["PARCOURS"].keys_path)


def make_pkcs12(tmp_path: Path, password: str) -> bytes:
    """A PKCS #12 with an ECDSA key, made by openssl as a certification authority's file would be."""
    key, cert, p12 = tmp_path / "key.pem", tmp_path / "cert.pem", tmp_path / "seal.p12"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
         "-keyout", str(key), "-out", str(cert), "-days", "30", "-subj", "/C=FR/O=CCAS de Test/CN=Cachet PRE Test"],
        check=True, capture_output=True,
    )  # fmt: skip
    subprocess.run(
        ["openssl", "pkcs12", "-export", "-inkey", str(key), "-in", str(cert), "-out", str(p12),
         "-passout", f"pass:{password}"],
        check=True, capture_output=True,
    )  # fmt: skip
    return p12.read_bytes()


def test_seal_is_valid_for_the_programme_certificate_only(app: Flask, session: Session, world: factories.World) -> None:
    document = make_finalised_document(session, world.child)
    sealed = read_sealed_pdf(document)
    root = keys.certificate_pem(keys_path(app), world.programme.code)
    check = check_sealed_pdf(sealed, root)
    assert check.valid, check.reason
    assert world.programme.code in check.signer
    keys.ensure_certificate(keys_path(app), world.foreign_programme.code, "Autre PRE")
    other = check_sealed_pdf(sealed, keys.certificate_pem(keys_path(app), world.foreign_programme.code))
    assert not other.valid and "non reconnu" in other.reason


@pytest.mark.parametrize("where", [0.3, 0.6, 0.9])
def test_one_changed_byte_makes_the_seal_invalid(
    app: Flask, session: Session, world: factories.World, where: float
) -> None:
    sealed = read_sealed_pdf(make_finalised_document(session, world.child))
    root = keys.certificate_pem(keys_path(app), world.programme.code)
    tampered = bytearray(sealed)
    position = int(len(sealed) * where)
    tampered[position] = (tampered[position] + 1) % 256
    assert not check_sealed_pdf(bytes(tampered), root).valid
    appended = sealed + b"\n% appended after sealing\n"
    assert not check_sealed_pdf(appended, root).valid


def test_unsigned_pdf_is_refused(app: Flask, world: factories.World) -> None:
    keys.ensure_certificate(keys_path(app), world.programme.code, world.programme.name)
    root = keys.certificate_pem(keys_path(app), world.programme.code)
    check = check_sealed_pdf(render_pdf(sample_renderable()), root)
    assert not check.valid and check.reason == "aucun cachet"


def test_key_files_are_private_and_the_signer_is_loaded_once(app: Flask, world: factories.World) -> None:
    path = keys_path(app)
    keys.ensure_certificate(path, world.programme.code, world.programme.name)
    folder = keys.programme_dir(path, world.programme.code)
    for name in (keys.KEY_FILE, keys.CERTIFICATE_FILE):
        assert (folder / name).stat().st_mode & 0o777 == 0o600
    assert folder.stat().st_mode & 0o777 == 0o700
    assert signer_for(path, world.programme.code) is signer_for(path, world.programme.code)
    assert keys.ensure_certificate(path, world.programme.code, world.programme.name) is False


def test_imported_pkcs12_seals_new_documents_and_earlier_ones_stay_valid(
    app: Flask, session: Session, world: factories.World, tmp_path: Path
) -> None:
    path = keys_path(app)
    before = read_sealed_pdf(make_finalised_document(session, world.child))
    old_root = keys.certificate_pem(path, world.programme.code)
    old_signer = signer_for(path, world.programme.code)
    with pytest.raises(CertificateError, match="mot de passe"):
        import_certificate(session, path, world.programme, make_pkcs12(tmp_path, "s3cret"), "wrong", None)
    import_certificate(session, path, world.programme, make_pkcs12(tmp_path, "s3cret"), "s3cret", world.admin.id)
    new_root = keys.certificate_pem(path, world.programme.code)
    assert new_root != old_root
    assert signer_for(path, world.programme.code) is not old_signer
    after = seal_pdf(render_pdf(sample_renderable()), signer_for(path, world.programme.code), name="PRE")
    assert check_sealed_pdf(after, new_root).valid
    assert "Cachet PRE Test" in check_sealed_pdf(after, new_root).signer
    assert not check_sealed_pdf(after, old_root).valid
    assert check_sealed_pdf(before, old_root).valid
    bundle = keys.all_certificates_pem(path, world.programme.code)
    assert check_sealed_pdf(before, bundle).valid and check_sealed_pdf(after, bundle).valid
    events = session.scalars(select(AuditEvent).where(AuditEvent.action == "keys.certificate_import")).all()
    assert [e.target_id for e in events] == [world.programme.code]


def test_admin_imports_a_pkcs12_from_the_web_page(app: Flask, login_as, world: factories.World, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    admin = login_as(world.admin)
    page = admin.get("/admin/certificat/")
    assert page.status_code == 200 and "auto-signé" in page.get_data(as_text=True)
    p12 = make_pkcs12(tmp_path, "motdepasse")
    token = csrf_token(admin, "/admin/certificat/")
    wrong = admin.post(
        "/admin/certificat/",
        data={"csrf_token": token, "password": "non", "pkcs12": (io.BytesIO(p12), "cachet.p12")},
        content_type="multipart/form-data",
    )
    assert wrong.status_code == 400 and "mot de passe incorrect" in wrong.get_data(as_text=True)
    done = admin.post(
        "/admin/certificat/",
        data={"csrf_token": token, "password": "motdepasse", "pkcs12": (io.BytesIO(p12), "cachet.p12")},
        content_type="multipart/form-data",
    )
    assert done.status_code == 302
    assert "Cachet PRE Test" in admin.get("/admin/certificat/").get_data(as_text=True)
    assert login_as(world.coordinateur).get("/admin/certificat/").status_code == 404
