"""`parcours purge` is an élimination: visa of the archives départementales, archived years, bordereau."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.audit.models import AuditEvent
from app.children.models import Child
from app.cli import main
from app.db import db
from app.retention.elimination import EliminationError, plan_elimination, record_visa
from app.retention.models import Elimination, EliminationVisa
from app.signing import keys
from app.signing.validation import check_sealed_pdf
from app.users.models import Programme, User
from tests.factories import World, make_child, make_document, make_parcours, make_programme, make_user

Factory = Callable[[str], Path]


def _purge(instance: Path, *args: str) -> Result:
    return CliRunner().invoke(main, ["purge", *args], env={"PARCOURS_INSTANCE": str(instance)})


def _closed_child(
    session: Session, programme: Programme, referent: User, contact: date, document_at: datetime, nom: str
) -> Child:
    child = make_child(session, programme, referent, nom=nom)
    parcours = make_parcours(
        session,
        child,
        date_orientation=date(contact.year - 1, 9, 1),
        decision_eps="accepte",
        date_entree=date(contact.year - 1, 10, 1),
        date_sortie=contact,
        motif_sortie="objectifs_atteints",
    )
    make_document(session, parcours, form_id="suivi", at=document_at)
    child.last_family_contact = contact
    return child


def _populate(app: Flask) -> dict[str, int]:
    with app.app_context():
        programme = make_programme(db.session, "PRE-ELIM")
        referent = make_user(db.session, programme, "referent")
        archived = _closed_child(
            db.session, programme, referent, date(2021, 6, 30), datetime(2021, 6, 30, 9), "Archivée"
        )
        unarchived = _closed_child(
            db.session, programme, referent, date(2021, 7, 2), datetime(2022, 1, 10, 9), "NonArchivée"
        )
        older = _closed_child(db.session, programme, referent, date(2018, 5, 3), datetime(2018, 5, 3, 9), "Ancienne")
        recent = make_child(db.session, programme, referent, nom="Récente")
        make_parcours(db.session, recent)
        db.session.commit()
        return {"archived": archived.id, "unarchived": unarchived.id, "older": older.id, "recent": recent.id}


def _visa(app: Flask, number: str, first: int = 2020, last: int = 2022) -> None:
    with app.app_context():
        pre = db.session.scalar(select(Programme).where(Programme.code == "PRE-ELIM"))
        assert pre is not None
        record_visa(
            db.session, pre, number=number, granted_on=date(2025, 3, 4), first_year=first, last_year=last, actor=None
        )
        db.session.commit()


def _purged(app: Flask) -> set[int]:
    with app.app_context():
        return set(db.session.scalars(select(Child.id).where(Child.purged_at.is_not(None))))


def test_visa_is_checked_when_recorded(session: Session, world: World) -> None:
    def attempt(number: str, granted_on: date, first: int, last: int) -> None:
        record_visa(
            session,
            world.programme,
            number=number,
            granted_on=granted_on,
            first_year=first,
            last_year=last,
            actor=world.coordinateur,
        )

    with pytest.raises(EliminationError, match="futur"):
        attempt("2025-12", date.today() + timedelta(days=1), 2020, 2021)
    with pytest.raises(EliminationError, match="années"):
        attempt("2025-12", date(2025, 1, 6), 2022, 2021)
    with pytest.raises(EliminationError, match="numéro"):
        attempt("   ", date(2025, 1, 6), 2020, 2021)
    attempt("2025-12", date(2025, 1, 6), 2020, 2021)
    with pytest.raises(EliminationError, match="déjà"):
        attempt("2025-12", date(2025, 2, 6), 2020, 2021)
    [event] = session.scalars(select(AuditEvent).where(AuditEvent.action == "elimination.visa_record"))
    assert event.actor_id == world.coordinateur.id


def test_a_used_or_future_visa_covers_nothing(session: Session, world: World) -> None:
    visa = record_visa(
        session, world.programme, number="V1", granted_on=date(2025, 1, 6), first_year=2020, last_year=2022, actor=None
    )
    assert plan_elimination(session, world.programme, date.today(), 2).visa is visa
    visa.used_at = datetime(2025, 2, 1)
    assert plan_elimination(session, world.programme, date.today(), 2).visa is None


def test_purge_is_an_elimination_under_visa_with_a_sealed_bordereau(
    make_app: Callable[[Path], Flask], fresh_instance: Factory, tmp_path: Path
) -> None:
    instance = fresh_instance("elimination")
    app = make_app(instance)
    ids = _populate(app)

    refused = _purge(instance)
    assert refused.exit_code == 1 and "Aucun visa" in refused.output
    assert _purged(app) == set()

    _visa(app, "AD-976-2025-017")
    export = CliRunner().invoke(
        main,
        ["archive", "export", "--year", "2021", str(tmp_path / "a2021.zip")],
        env={"PARCOURS_INSTANCE": str(instance)},
    )
    assert export.exit_code == 0, export.output

    dry = _purge(instance, "--dry-run")
    assert dry.exit_code == 0, dry.output
    assert "1 dossier(s) seraient éliminés" in dry.output and "2022" in dry.output and "hors visa" in dry.output
    assert _purged(app) == set()

    bordereau_file = tmp_path / "bordereau.pdf"
    done = _purge(instance, "--bordereau", str(bordereau_file))
    assert done.exit_code == 0, done.output
    assert _purged(app) == {ids["archived"]}  # the unarchived, the older (outside the visa) and the recent stay
    assert bordereau_file.stat().st_mode & 0o777 == 0o600

    with app.app_context():
        [elimination] = db.session.scalars(select(Elimination))
        assert (elimination.files, elimination.documents, elimination.forced) == (1, 1, 0)
        assert elimination.bordereau == bordereau_file.read_bytes()
        visa = db.session.get(EliminationVisa, elimination.visa_id)
        assert visa is not None and visa.used_at is not None
        actions = set(db.session.scalars(select(AuditEvent.action)))
        assert {"elimination.perform", "child.purge"} <= actions
    root = keys.certificate_pem(instance / "keys", "PRE-ELIM")
    check = check_sealed_pdf(bordereau_file.read_bytes(), root)
    assert check.valid, check.reason
    text = subprocess.run(
        ["pdftotext", "-layout", str(bordereau_file), "-"], check=True, capture_output=True, text=True
    ).stdout
    assert "Bordereau d'élimination" in text and "AD-976-2025-017" in text and "04/03/2025" in text
    assert "2020-2021" in text  # dates extrêmes of the eliminated file
    for name in ("Archivée", "NonArchivée", "Ancienne", "Martin", "Léa"):
        assert name not in text

    again = _purge(instance)
    assert again.exit_code == 1 and "Aucun visa" in again.output  # a visa serves one élimination

    _visa(app, "AD-976-2025-018")
    forced = _purge(instance, "--force")
    assert forced.exit_code == 0, forced.output
    assert _purged(app) == {ids["archived"], ids["unarchived"]}
    with app.app_context():
        [event] = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "elimination.force_unarchived"))
        child = db.session.get(Child, ids["unarchived"])
        assert child is not None and event.target_id == child.public_id
        assert db.session.scalars(select(Elimination.forced).order_by(Elimination.id)).all() == [0, 1]


def test_the_coordinator_records_a_visa_and_downloads_the_bordereau(
    app: Flask, session: Session, world: World, login_as
) -> None:  # type: ignore[no-untyped-def]
    from tests.conftest import csrf_token

    client = login_as(world.coordinateur)
    page = client.get("/elimination")
    assert page.status_code == 200 and "Enregistrer un visa" in page.text
    token = csrf_token(client, "/elimination")
    form = {
        "csrf_token": token,
        "number": "AD-2025-9",
        "granted_on": "2025-04-01",
        "first_year": "2020",
        "last_year": "2023",
    }
    future = client.post(
        "/elimination/visa", data={**form, "granted_on": (date.today() + timedelta(days=3)).isoformat()}
    )
    assert future.status_code == 400 and "futur" in future.text
    saved = client.post("/elimination/visa", data=form, follow_redirects=True)
    assert saved.status_code == 200 and "AD-2025-9" in saved.text
    visa = session.scalar(select(EliminationVisa).where(EliminationVisa.number == "AD-2025-9"))
    assert visa is not None and visa.programme_id == world.programme.id
    elimination = Elimination(
        public_id="bord1",
        programme_id=world.programme.id,
        visa_id=visa.id,
        files=3,
        documents=7,
        bordereau=b"%PDF-1.7 test",
    )
    session.add(elimination)
    session.commit()
    listed = client.get("/elimination")
    assert "/elimination/bord1/bordereau.pdf" in listed.text
    download = client.get("/elimination/bord1/bordereau.pdf")
    assert download.status_code == 200 and download.data == b"%PDF-1.7 test"
    assert session.scalars(select(AuditEvent).where(AuditEvent.action == "elimination.bordereau_download")).all()
