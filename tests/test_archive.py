"""Yearly archives: layout, signed manifest (checked with openssl), seals, verification, CLI and web."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import zipfile
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.archive.export import export_year
from app.archive.verify import TrustAnchor, verify_archive
from app.audit.models import AuditEvent
from app.db import db
from app.documents.models import Document
from app.documents.sealing import read_sealed_pdf, register_renderable_builder, renderable_builder
from app.signing.keys import all_certificates_pem
from app.signing.validation import check_sealed_pdf
from tests import factories
from tests.conftest import csrf_token
from tests.test_pdf import make_finalised_document, renderable_for

PARCOURS = str(Path(sys.executable).parent / "parcours")


def unzip(archive: Path, into: Path) -> Path:
    with zipfile.ZipFile(archive) as zf:
        zf.extractall(into)
    return into


def rewrite(archive: Path, out: Path, change: Callable[[str, bytes], bytes | None], extra: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(archive) as source, zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            data = change(info.filename, source.read(info))
            if data is not None:
                target.writestr(info.filename, data)
        for name, data in extra.items():
            target.writestr(name, data)
    return out


@pytest.fixture()
def anchor(app: Flask, world: factories.World) -> TrustAnchor:
    """The programme's own certificates, the only ones an archive of it may be signed with."""
    keys_path, code = app.config["PARCOURS"].keys_path, world.programme.code
    return lambda programme: all_certificates_pem(keys_path, code) if programme == code else None


@pytest.fixture()
def year_archive(app: Flask, session: Session, world: factories.World, tmp_path: Path) -> tuple[Path, list[Document]]:
    documents = [
        make_finalised_document(session, world.child, form_id="orientation"),
        make_finalised_document(session, world.child, form_id="suivi", finalised_at=datetime(2025, 12, 31, 23, 59)),
        make_finalised_document(session, world.other_child, form_id="sortie_evaluation"),
    ]
    make_finalised_document(session, world.child, finalised_at=datetime(2024, 12, 31, 23, 59))  # another year
    make_finalised_document(session, world.foreign_child)  # another programme
    output = tmp_path / "archive-2025.zip"
    summary = export_year(session, world.programme, 2025, output, actor_id=world.coordinateur.id)
    assert summary.documents == 3 and summary.sealed_now == 0
    return output, documents


def test_archive_layout_and_manifest(year_archive: tuple[Path, list[Document]], world: factories.World) -> None:
    output, documents = year_archive
    with zipfile.ZipFile(output) as zf:
        names = set(zf.namelist())
        manifest = json.loads(zf.read("manifest.json"))
        readme = zf.read("LISEZMOI.txt").decode()
        expected = {f"documents/{d.child.pseudonym}/{d.form_id}-v{d.form_version}-{d.public_id}.pdf" for d in documents}
        assert names == expected | {"manifest.json", "manifest.json.sig", "certificate.pem", "LISEZMOI.txt"}
        assert manifest["programme"] == world.programme.code and manifest["year"] == 2025
        assert manifest["form_set_version"] and manifest["created_at"].endswith("Z")
        assert {f["path"] for f in manifest["files"]} == expected
        for entry in manifest["files"]:
            data = zf.read(entry["path"])
            assert entry["sha256"] == hashlib.sha256(data).hexdigest() and entry["size"] == len(data)
            assert {entry["form_id"], entry["form_version"]} <= {"orientation", "suivi", "sortie_evaluation", 1}
            check = check_sealed_pdf(data, zf.read("certificate.pem"))
            assert check.valid, check.reason
        # Archived files are the stored sealed PDFs, not new renderings.
        stored = {d.public_id: read_sealed_pdf(d) for d in documents}
        for d in documents:
            assert zf.read(f"documents/{d.child.pseudonym}/{d.form_id}-v1-{d.public_id}.pdf") == stored[d.public_id]
    assert "openssl cms -verify" in readme and "sha256sum -c" in readme
    assert oct(output.stat().st_mode & 0o777) == oct(0o600)


def test_manifest_signature_and_hashes_verify_with_openssl_and_sha256sum(
    year_archive: tuple[Path, list[Document]], tmp_path: Path
) -> None:
    folder = unzip(year_archive[0], tmp_path / "out")
    cms = subprocess.run(
        ["openssl", "cms", "-verify", "-binary", "-inform", "DER", "-in", "manifest.json.sig", "-content",
         "manifest.json", "-CAfile", "certificate.pem", "-purpose", "any", "-out", os.devnull],
        cwd=folder, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert cms.returncode == 0 and "Verification successful" in cms.stderr, cms.stderr
    # The exact command of LISEZMOI.txt, with sed and sha256sum only.
    readme = (folder / "LISEZMOI.txt").read_text()
    command = next(line.strip() for line in readme.splitlines() if line.strip().startswith("sed -n"))
    command = command.removesuffix("\\").strip() + " | sha256sum -c"
    sums = subprocess.run(["bash", "-c", command], cwd=folder, capture_output=True, text=True, check=False)
    assert sums.returncode == 0 and sums.stdout.count(": OK") == 3, sums.stdout + sums.stderr
    (folder / "manifest.json").write_bytes(
        (folder / "manifest.json").read_bytes().replace(b'"year": 2025', b'"year": 2026')
    )
    forged = subprocess.run(
        ["openssl", "cms", "-verify", "-binary", "-inform", "DER", "-in", "manifest.json.sig", "-content",
         "manifest.json", "-CAfile", "certificate.pem", "-purpose", "any", "-out", os.devnull],
        cwd=folder, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert forged.returncode != 0


def test_verify_names_each_tampered_missing_and_extra_file(
    year_archive: tuple[Path, list[Document]], tmp_path: Path, anchor: TrustAnchor
) -> None:
    output, _documents = year_archive
    assert verify_archive(output, anchor) == []
    pdfs = sorted(n for n in zipfile.ZipFile(output).namelist() if n.endswith(".pdf"))
    tampered, missing = pdfs[0], pdfs[1]

    def change(name: str, data: bytes) -> bytes | None:
        if name == missing:
            return None
        if name == tampered:
            return data[:2000] + bytes([data[2000] ^ 1]) + data[2001:]
        return data

    broken = rewrite(output, tmp_path / "broken.zip", change, {"documents/intrus.pdf": b"%PDF-1.4"})
    problems = {p.path: p.reason for p in verify_archive(broken, anchor)}
    assert set(problems) == {tampered, missing, "documents/intrus.pdf"}
    assert "SHA-256" in problems[tampered]
    assert "absent" in problems[missing]
    assert "en trop" in problems["documents/intrus.pdf"]


def test_a_changed_manifest_or_missing_signature_is_reported(
    year_archive: tuple[Path, list[Document]], tmp_path: Path, anchor: TrustAnchor
) -> None:
    output, _ = year_archive
    forged = rewrite(
        output, tmp_path / "forged.zip", lambda n, d: d.replace(b"2025", b"2026") if n == "manifest.json" else d, {}
    )
    assert [p.path for p in verify_archive(forged, anchor)] == ["manifest.json"]
    unsigned = rewrite(output, tmp_path / "unsigned.zip", lambda n, d: None if n == "manifest.json.sig" else d, {})
    assert [str(p) for p in verify_archive(unsigned, anchor)] == ["manifest.json.sig : absent de l'archive"]


@pytest.fixture()
def builder() -> Iterator[None]:
    previous = renderable_builder()
    register_renderable_builder(lambda _session, document: renderable_for(document))
    yield
    if previous is not None:
        register_renderable_builder(previous)


def test_export_seals_unsealed_documents_in_worker_processes(
    app: Flask, session: Session, world: factories.World, tmp_path: Path, builder: None, anchor: TrustAnchor
) -> None:
    unsealed = [make_finalised_document(session, world.child, seal=False) for _ in range(9)]
    assert all(d.content.pdf is None for d in unsealed)
    summary = export_year(session, world.programme, 2025, tmp_path / "a.zip")
    assert summary.sealed_now == 9 and summary.documents == 9
    assert verify_archive(tmp_path / "a.zip", anchor) == []
    for document in session.scalars(select(Document).where(Document.id.in_([d.id for d in unsealed]))):
        assert document.content.pdf is not None
    events = session.scalars(select(AuditEvent).where(AuditEvent.action == "archive.export")).all()
    assert [e.target_id for e in events] == [f"{world.programme.code}-2025"]


def test_document_pdf_download_is_the_stored_file_audited_and_not_cached(
    app: Flask,
    session: Session,
    login_as,
    world: factories.World,  # type: ignore[no-untyped-def]
) -> None:
    document = make_finalised_document(session, world.child)
    session.commit()
    url = f"/enfants/{world.child.public_id}/documents/{document.public_id}/pdf"
    response = login_as(world.referent).get(url)
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.data == read_sealed_pdf(document)
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Content-Disposition"].startswith("attachment")
    assert session.scalar(select(AuditEvent).where(AuditEvent.action == "document.pdf")) is not None
    assert login_as(world.other_referent).get(url).status_code == 404
    wrong_child = f"/enfants/{world.other_child.public_id}/documents/{document.public_id}/pdf"
    assert login_as(world.coordinateur).get(wrong_child).status_code == 404
    assert login_as(world.foreign_coordinateur).get(url).status_code == 404


def test_coordinator_exports_from_the_web_and_downloads(
    app: Flask,
    session: Session,
    login_as,
    world: factories.World,
    tmp_path: Path,  # type: ignore[no-untyped-def]
    anchor: TrustAnchor,
) -> None:
    make_finalised_document(session, world.child)
    session.commit()
    app.config["ARCHIVE_JOBS_INLINE"] = True
    try:
        coordinator = login_as(world.coordinateur)
        assert coordinator.get("/archives").status_code == 200
        started = coordinator.post("/archives", data={"csrf_token": csrf_token(coordinator, "/archives"), "year": 2025})
        assert started.status_code == 302
        job_url = started.headers["Location"]
        assert "archive-progress" in coordinator.get(job_url).get_data(as_text=True)
        state = coordinator.get(job_url + "/etat").get_json()
        assert state["status"] == "termine" and state["percent"] == 100 and state["download"]
        download = coordinator.get(state["download"])
        assert download.status_code == 200 and download.headers["Cache-Control"] == "no-store"
        (tmp_path / "web.zip").write_bytes(download.data)
        download.close()
        assert verify_archive(tmp_path / "web.zip", anchor) == []
        assert login_as(world.foreign_coordinateur).get(job_url).status_code == 404
        assert login_as(world.referent).get("/archives").status_code == 404
    finally:
        app.config.pop("ARCHIVE_JOBS_INLINE")


def run(instance: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "PARCOURS_DATABASE_URL"}
    env["PARCOURS_INSTANCE"] = str(instance)
    return subprocess.run([PARCOURS, *args], capture_output=True, text=True, env=env, timeout=300, check=False)


def test_cli_export_then_verify_fails_naming_a_changed_pdf(
    fresh_instance: Callable[[str], Path], make_app: Callable[[Path], Flask], tmp_path: Path
) -> None:
    instance = fresh_instance("cli")
    other = make_app(instance)
    with other.app_context():
        session = db.session
        programme = factories.make_programme(session, "CLI")
        child = factories.make_child(session, programme)
        for form_id in ("orientation", "suivi"):
            make_finalised_document(session, child, form_id=form_id)
        session.commit()
    output = tmp_path / "out.zip"
    exported = run(instance, "archive", "export", "--year", "2025", str(output))
    assert exported.returncode == 0, exported.stderr
    assert "2 document(s)" in exported.stdout
    verified = run(instance, "archive", "verify", str(output))
    assert verified.returncode == 0, verified.stderr
    pdf = next(n for n in zipfile.ZipFile(output).namelist() if n.endswith(".pdf"))
    changed = rewrite(
        output, tmp_path / "changed.zip", lambda n, d: d.replace(b"ReportLab", b"ReportLaB") if n == pdf else d, {}
    )
    failed = run(instance, "archive", "verify", str(changed))
    assert failed.returncode == 1 and pdf in failed.stderr
    usage = run(instance, "archive", "export", str(output))
    assert usage.returncode == 2


def test_unsealed_document_pdf_says_it_is_not_available_yet(
    app: Flask,
    session: Session,
    login_as,
    world: factories.World,  # type: ignore[no-untyped-def]
) -> None:
    document = make_finalised_document(session, world.child, seal=False)
    session.commit()
    response = login_as(world.referent).get(f"/enfants/{world.child.public_id}/documents/{document.public_id}/pdf")
    assert response.status_code == 409 and "pas encore disponible" in response.get_data(as_text=True)
