"""The families' information notice: a public page and a sealed PDF per programme, edited by the coordinator."""

from __future__ import annotations

import subprocess
from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.audit.models import AuditEvent
from app.retention.notice import HEADINGS, notice_pdf
from app.signing import keys
from app.signing.validation import check_sealed_pdf
from tests.conftest import csrf_token
from tests.factories import World


def _text_of(pdf: bytes, tmp_path: Path) -> str:
    path = tmp_path / "notice.pdf"
    path.write_bytes(pdf)
    result = subprocess.run(["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True, text=True)
    return " ".join(result.stdout.split())


def test_the_public_page_shows_the_default_notice_to_anyone(client: FlaskClient, world: World) -> None:
    page = client.get(f"/information-familles/{world.programme.code.lower()}")
    assert page.status_code == 200
    for _name, heading in HEADINGS:
        assert heading in page.text
    assert "2 ans après le dernier contact venant de vous" in page.text
    assert "CNIL" in page.text and world.programme.name in page.text
    assert client.get("/information-familles/INCONNU").status_code == 404


def test_the_notice_pdf_is_sealed_by_the_programme(app: Flask, session: Session, world: World, tmp_path: Path) -> None:
    pdf = notice_pdf(session, world.programme)
    root = keys.certificate_pem(app.config["PARCOURS"].keys_path, world.programme.code)
    check = check_sealed_pdf(pdf, root)
    assert check.valid, check.reason
    text = _text_of(pdf, tmp_path)
    assert "Notice d'information des familles" in text and "Quels sont vos droits ?" in text
    served = app.test_client().get(f"/information-familles/{world.programme.code}/notice.pdf")
    assert served.status_code == 200 and served.mimetype == "application/pdf"
    assert check_sealed_pdf(served.data, root).valid


def test_the_coordinator_adapts_the_notice(
    app: Flask,
    session: Session,
    world: World,
    login_as,
    tmp_path: Path,  # type: ignore[no-untyped-def]
) -> None:
    client = login_as(world.coordinateur)
    form = client.get("/notice-familles")
    assert form.status_code == 200 and "2 ans après le dernier contact" in form.text  # the default, to adapt
    token = csrf_token(client, "/notice-familles")
    values = {name: f"Texte {name} du programme." for name, _heading in HEADINGS}
    values["contact"] = "DPO de la Ville de Mamoudzou : dpo@mamoudzou.example"
    refused = client.post("/notice-familles", data={**values, "rights": "", "csrf_token": token})
    assert refused.status_code == 400 and "obligatoire" in refused.text
    saved = client.post("/notice-familles", data={**values, "csrf_token": token})
    assert saved.status_code == 302
    public = app.test_client().get(f"/information-familles/{world.programme.code}")
    assert "dpo@mamoudzou.example" in public.text and "Texte purposes du programme." in public.text
    assert "dpo@mamoudzou.example" in _text_of(notice_pdf(session, world.programme), tmp_path)
    other = app.test_client().get(f"/information-familles/{world.foreign_programme.code}")
    assert "dpo@mamoudzou.example" not in other.text  # per programme
    [event] = session.scalars(select(AuditEvent).where(AuditEvent.action == "notice.update"))
    assert (event.actor_id, event.target_id) == (world.coordinateur.id, world.programme.code)


def test_a_referent_cannot_edit_the_notice(world: World, login_as) -> None:  # type: ignore[no-untyped-def]
    client = login_as(world.referent)
    assert client.get("/notice-familles").status_code == 404


def test_notice_and_bordereau_layouts_pass_the_pdfa_2b_validator(world: World) -> None:
    from app.retention.notice import default_notice, notice_sheet
    from app.retention.pdf import Block, Sheet, render_sheet
    from tests.test_pdf import pdfa_findings

    notice = render_sheet(notice_sheet(world.programme, default_notice(world.programme)))
    table = Block("Documents éliminés", columns=["Année", "Dossiers"], rows=[["2021", "3"], ["Total", "3"]])
    bordereau = render_sheet(Sheet("PRE", "Bordereau d'élimination", "Archives publiques", "Élimination", [table]))
    assert pdfa_findings(notice) == [] and pdfa_findings(bordereau) == []
