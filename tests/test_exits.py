"""Exits that always close: the coordinator closes perte de contact, déménagement or refus without
the family; the indicators count the exit; a programme may have the EPS validate it first."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from flask import Flask
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from app.audit.models import AuditEvent
from app.children.models import Parcours
from app.eps import queries as eps_queries
from app.eps import services as eps
from app.exits import services
from app.exits.models import EFFECTIVE, PROPOSED, REFUSED, Closure
from app.indicators.compute import compute
from app.signing.keys import all_certificates_pem
from app.signing.validation import check_sealed_pdf
from app.users.models import Programme
from tests.conftest import csrf_token
from tests.factories import World, make_parcours

MARKER = "ZQXMARKEREXIT"
ENTRY = date(2025, 10, 1)


def _ongoing(session: Session, world: World) -> Parcours:
    parcours = world.child.parcours[0]
    parcours.decision_eps = "accepte"  # type: ignore[assignment]
    parcours.date_decision = date(2025, 9, 20)
    parcours.date_entree = ENTRY
    session.flush()
    return parcours


def _attempts() -> list[services.Attempt]:
    return [
        services.Attempt(date(2026, 1, 5), "telephone", f"messagerie {MARKER}"),
        services.Attempt(date(2026, 1, 20), "courrier", "lettre recommandée"),
    ]


def test_closing_without_the_family_counts_the_exit_and_keeps_a_sealed_record(
    app: Flask, session: Session, world: World
) -> None:
    parcours = _ongoing(session, world)
    contact_before = world.child.last_family_contact
    before = compute(session, world.programme.id, 2026)
    closure = services.close_without_family(
        session, world.coordinateur, parcours, "perte_contact", date(2026, 2, 1), _attempts(), f"note {MARKER}"
    )
    assert closure.status == EFFECTIVE
    assert (parcours.date_sortie, parcours.motif_sortie) == (date(2026, 2, 1), "perte_contact")
    after = compute(session, world.programme.id, 2026)
    assert after["parcours"]["sortis"] == before["parcours"]["sortis"] + 1
    assert after["sorties"]["par_motif"]["perte_contact"] == before["sorties"]["par_motif"]["perte_contact"] + 1
    # No family contact: the retention clock keeps running from the last one.
    assert world.child.last_family_contact == contact_before
    pdf = services.read_pdf(closure)
    keys_path, code = app.config["PARCOURS"].keys_path, world.programme.code
    assert check_sealed_pdf(pdf, all_certificates_pem(keys_path, code)).valid
    details = services.details_of(closure)
    assert [a.means for a in details.attempts] == ["telephone", "courrier"] and MARKER in details.note
    raw = session.execute(text("SELECT details, pdf FROM parcours_closures")).one()
    assert all(MARKER.encode() not in bytes(value) for value in raw)
    actions = set(session.scalars(select(AuditEvent.action)))
    assert {"parcours.closure:effective", "parcours.close"} <= actions


@pytest.mark.parametrize(
    ("motif", "day", "attempts", "message"),
    [
        ("perte_contact", date.today() + timedelta(days=1), _attempts(), "ne peut pas être dans le futur"),
        ("demenagement", ENTRY - timedelta(days=1), [], "ne peut pas précéder la date d'entrée \\(01/10/2025\\)"),
        ("perte_contact", date(2026, 2, 1), [], "au moins une tentative de contact"),
        ("objectifs_atteints", date(2026, 2, 1), [], "perte de contact, déménagement ou refus"),
        (
            "refus_retrait_famille",
            date(2026, 2, 1),
            [services.Attempt(date.today() + timedelta(days=3), "telephone")],
            "tentative de contact ne peut pas être datée dans le futur",
        ),
    ],
)
def test_wrong_closures_are_refused_in_french(
    session: Session, world: World, motif: str, day: date, attempts: list[services.Attempt], message: str
) -> None:
    parcours = _ongoing(session, world)
    with pytest.raises(services.ExitError, match=message):
        services.close_without_family(session, world.coordinateur, parcours, motif, day, attempts)
    assert parcours.date_sortie is None


def test_only_the_coordinator_closes_an_ongoing_parcours(session: Session, world: World) -> None:
    parcours = _ongoing(session, world)
    with pytest.raises(services.ExitError, match="coordonnateur"):
        services.close_without_family(session, world.referent, parcours, "demenagement", date(2026, 1, 1), [])
    waiting = make_parcours(session, world.other_child)
    with pytest.raises(services.ExitError, match="parcours en cours"):
        services.close_without_family(session, world.coordinateur, waiting, "demenagement", date(2026, 1, 1), [])


def test_eps_validates_the_exit_when_the_programme_asks_for_it(session: Session, world: World) -> None:
    programme = session.get(Programme, world.programme.id)
    assert programme is not None
    programme.exits_need_eps = True
    parcours = _ongoing(session, world)
    closure = services.close_without_family(
        session, world.coordinateur, parcours, "demenagement", date(2026, 1, 15), [], "parti à Lyon"
    )
    assert closure.status == PROPOSED and parcours.date_sortie is None and closure.pdf is None
    [candidate] = [c for c in eps_queries.candidates(session, world.programme.id) if c.parcours.id == parcours.id]
    assert candidate.kind == "sortie"  # on the next séance's agenda as a proposed exit
    seance = eps.schedule(session, world.coordinateur, datetime.now() - timedelta(days=1), "Mairie")
    item = eps.add_item(session, world.coordinateur, seance, parcours, "sortie")
    eps.decide(session, world.coordinateur, item, "sortie_proposee", date.today())
    assert closure.status == EFFECTIVE and parcours.date_sortie == date(2026, 1, 15)
    assert parcours.motif_sortie == "demenagement" and services.read_pdf(closure).startswith(b"%PDF")


def test_eps_may_keep_the_parcours_going(session: Session, world: World) -> None:
    session.get(Programme, world.programme.id).exits_need_eps = True  # type: ignore[union-attr]
    parcours = _ongoing(session, world)
    closure = services.close_without_family(
        session, world.coordinateur, parcours, "refus_retrait_famille", date(2026, 1, 15), []
    )
    seance = eps.schedule(session, world.coordinateur, datetime.now() - timedelta(days=1), "Mairie")
    item = eps.add_item(session, world.coordinateur, seance, parcours, "sortie")
    eps.decide(session, world.coordinateur, item, "poursuite", date.today())
    assert closure.status == REFUSED and parcours.date_sortie is None
    # A new closure may be proposed again later.
    again = services.close_without_family(
        session, world.coordinateur, parcours, "refus_retrait_famille", date(2026, 2, 1), []
    )
    assert again.status == PROPOSED


def test_the_coordinator_closes_from_the_child_page(session: Session, world: World, login_as) -> None:  # type: ignore[no-untyped-def]
    parcours = _ongoing(session, world)
    client = login_as(world.coordinateur)
    page = client.get(f"/enfants/{world.child.public_id}").get_data(as_text=True)
    assert f"/parcours/{parcours.public_id}/cloture" in page
    url = f"/parcours/{parcours.public_id}/cloture"
    form = {
        "csrf_token": csrf_token(client, url),
        "motif": "perte_contact",
        "date_sortie": "2026-02-01",
        "attempts-0-day": "2026-01-05",
        "attempts-0-means": "visite_domicile",
        "attempts-0-detail": "personne",
        "note": "Famille injoignable",
    }
    future = client.post(url, data={**form, "date_sortie": (date.today() + timedelta(days=2)).isoformat()})
    assert future.status_code == 422 and "ne peut pas être dans le futur" in future.get_data(as_text=True)
    done = client.post(url, data=form)
    assert done.status_code == 302
    page = client.get(done.headers["Location"]).get_data(as_text=True)
    assert "Parcours clos." in page and "Relevé de clôture sans signature" in page
    closure = session.scalars(select(Closure)).one()
    download = client.get(f"/clotures/{closure.public_id}.pdf")
    assert download.status_code == 200 and download.headers["Content-Disposition"].startswith("attachment;")
    # The référent reads the record in the child's file, but cannot close a parcours.
    referent = login_as(world.referent)
    assert referent.get(f"/clotures/{closure.public_id}.pdf").status_code == 200
    assert referent.get(url).status_code == 404


def test_the_closure_record_goes_to_the_yearly_archive(app: Flask, session: Session, world: World, tmp_path) -> None:  # type: ignore[no-untyped-def]
    import json
    import zipfile

    from app.archive.export import export_year
    from app.archive.verify import verify_archive

    closure = services.close_without_family(
        session, world.coordinateur, _ongoing(session, world), "demenagement", date(2026, 1, 10), []
    )
    output = tmp_path / "archive.zip"
    assert closure.effective_at is not None
    export_year(session, world.programme, closure.effective_at.year, output, actor_id=world.coordinateur.id)
    path = f"documents/{world.child.pseudonym}/cloture-v1-{closure.public_id}.pdf"
    with zipfile.ZipFile(output) as archive:
        [entry] = [f for f in json.loads(archive.read("manifest.json"))["files"] if f["form_id"] == "cloture"]
        assert entry["path"] == path and archive.read(path) == services.read_pdf(closure)
    keys_path, code = app.config["PARCOURS"].keys_path, world.programme.code
    certificates = all_certificates_pem(keys_path, code)
    assert verify_archive(output, lambda programme: certificates if programme == code else None) == []


def test_a_wrong_exit_date_is_explained_in_french(session: Session, world: World, login_as) -> None:  # type: ignore[no-untyped-def]
    parcours = _ongoing(session, world)
    client = login_as(world.coordinateur)
    url = f"/parcours/{parcours.public_id}/cloture"
    form = {"csrf_token": csrf_token(client, url), "motif": "demenagement", "note": ""}
    for written, message in [("31/02/2026", "Cette date n&#39;existe pas."), ("demain", "au format JJ/MM/AAAA")]:
        page = client.post(url, data={**form, "date_sortie": written})
        assert page.status_code == 422 and "Date de sortie : " in page.get_data(as_text=True)
        assert message in page.get_data(as_text=True)
    assert client.post(url, data={**form, "date_sortie": "15/01/2026"}).status_code == 302
    session.expire_all()
    assert session.get(Parcours, parcours.id).date_sortie == date(2026, 1, 15)  # type: ignore[union-attr]


def test_an_admission_whose_contract_is_never_signed_closes_without_having_begun(
    app: Flask,
    session: Session,
    world: World,
    login_as,  # type: ignore[no-untyped-def]
    tmp_path,  # type: ignore[no-untyped-def]
) -> None:
    """The family never signs: the coordinator closes the admission. It counts neither as an entry nor
    as an exit, the caseload says so, no contract can be signed any more, and retention can run."""
    import subprocess
    from html import unescape

    from app.retention.purge import expired_children

    parcours = world.child.parcours[0]
    parcours.decision_eps = "accepte"  # type: ignore[assignment]
    parcours.date_decision = date(2025, 9, 20)
    session.flush()
    far_future = date(2040, 1, 1)
    assert world.child not in expired_children(session, far_future, 5)  # an open admission is kept
    before = compute(session, world.programme.id, 2026)
    client = login_as(world.coordinateur)
    page = client.get(f"/enfants/{world.child.public_id}").get_data(as_text=True)
    url = f"/parcours/{parcours.public_id}/cloture"
    assert url in page and "contrat à signer" in page
    form_page = unescape(client.get(url).get_data(as_text=True))
    assert "le contrat n'a pas été signé : le parcours n'a pas commencé" in form_page
    form = {"csrf_token": csrf_token(client, url), "motif": "refus_retrait_famille", "note": ""}
    early = client.post(url, data={**form, "date_sortie": "2025-09-10"})
    assert early.status_code == 422
    assert "ne peut pas précéder l'admission par l'EPS (20/09/2025)" in unescape(early.get_data(as_text=True))
    assert client.post(url, data={**form, "date_sortie": "2026-01-10"}).status_code == 302

    session.expire_all()
    parcours = session.get(Parcours, parcours.id)  # type: ignore[assignment]
    assert (parcours.date_entree, parcours.date_sortie) == (None, date(2026, 1, 10))
    after = compute(session, world.programme.id, 2026)
    for block, key in [("parcours", "entres"), ("parcours", "sortis"), ("enfants_suivis", "total")]:
        assert after[block][key] == before[block][key]
    assert world.child in expired_children(session, far_future, 5)
    caseload = client.get("/enfants/").get_data(as_text=True)
    assert "Admission sans suite (contrat non signé) le 10/01/2026" in caseload
    page = client.get(f"/enfants/{world.child.public_id}").get_data(as_text=True)
    assert "Commencer : Contrat" not in page and url not in page
    closure = session.scalars(select(Closure)).one()
    pdf = tmp_path / "cloture.pdf"
    pdf.write_bytes(services.read_pdf(closure))
    text = subprocess.run(["pdftotext", str(pdf), "-"], check=True, capture_output=True, text=True).stdout
    assert "aucune : le contrat n'a pas été signé" in text and "clos avant d'avoir commencé" in " ".join(text.split())
