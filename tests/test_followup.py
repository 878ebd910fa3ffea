"""The follow-up journal (suivi v2: one document per entry), actions with a status, the last review."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.children.models import Parcours
from app.documents import services
from app.documents.models import DRAFT, FINAL, Document, JournalEntry
from app.documents.sealing import read_sealed_pdf
from app.eps.queries import candidates
from app.followup import services as actions
from app.followup.models import ActionStatus, ParcoursAction
from app.followup.queries import journal_of, last_reviews
from app.indicators.compute import compute
from app.workflow.queries import coordinator_todo
from tests import documents_helpers as data
from tests.factories import World, make_parcours

TODAY = date.today()


def _ongoing(session: Session, world: World, entered_days_ago: int = 200) -> Parcours:
    entree = TODAY - timedelta(days=entered_days_ago)
    return make_parcours(
        session,
        world.child,
        date_orientation=entree - timedelta(days=20),
        decision_eps="accepte",
        date_decision=entree,
        date_entree=entree,
        imported=False,
    )


def entry(day: date, kind: str = "entretien", **extra: Any) -> dict[str, Any]:
    answers = {"date": day.isoformat(), "type": kind, "participants": "La mère", "faits": "Arrive à l'heure."}
    answers.update(extra)
    return answers


def add_entry(session: Session, world: World, parcours: Parcours, day: date, kind: str = "entretien") -> Document:
    document = services.start_document(session, world.referent, parcours, "suivi")
    return services.finalise(session, world.referent, document, entry(day, kind), document.lock_version)


# --- the journal ------------------------------------------------------------------------------


def test_each_journal_entry_is_its_own_document_finalised_on_its_own(session: Session, world: World) -> None:
    parcours = _ongoing(session, world)
    first = add_entry(session, world, parcours, TODAY - timedelta(days=30))
    second = services.start_document(session, world.referent, parcours, "suivi")
    assert second.id != first.id and second.status == DRAFT and (second.form_id, second.form_version) == ("suivi", 2)
    # Starting again while the new entry is untouched opens it, not a third one.
    assert services.start_document(session, world.referent, parcours, "suivi").id == second.id
    services.save_draft(session, world.referent, second, {"faits": "Deux absences."}, second.lock_version)
    third = services.start_document(session, world.referent, parcours, "suivi")
    assert third.id not in (first.id, second.id)
    services.finalise(session, world.referent, third, entry(TODAY - timedelta(days=3), "visite_domicile"), 1)
    assert first.status == FINAL and second.status == DRAFT and third.status == FINAL
    assert services.read_answers(first)["faits"] == "Arrive à l'heure."
    lines = journal_of(session, parcours.id)
    assert [line.document.id for line in lines] == [second.id, third.id, first.id]  # draft, then newest first
    assert [(line.entry_date, line.kind) for line in lines[1:]] == [
        (TODAY - timedelta(days=3), "visite_domicile"),
        (TODAY - timedelta(days=30), "entretien"),
    ]
    assert read_sealed_pdf(first).startswith(b"%PDF") and read_sealed_pdf(third).startswith(b"%PDF")


def test_a_journal_entry_has_no_contract_nor_signature_needs_date_and_type(session: Session, world: World) -> None:
    form = services.definition_of(services.start_document(session, world.referent, _ongoing(session, world), "suivi"))
    assert {f.type for f in form.fields()} <= {"date", "single_choice", "text", "long_text"}
    assert form.field("type").choice_codes() == (  # type: ignore[union-attr]
        "entretien",
        "visite_domicile",
        "reunion_ecole",
        "passage_eps",
        "synthese",
    )
    document = services.start_document(session, world.referent, _ongoing(session, world, 100), "suivi")
    with pytest.raises(services.InvalidAnswers) as refused:
        services.finalise(session, world.referent, document, {"faits": "Sans date."}, document.lock_version)
    assert set(refused.value.errors) == {"date", "type"}


def test_correcting_an_entry_replaces_its_date_and_leaves_the_others(session: Session, world: World) -> None:
    parcours = _ongoing(session, world)
    kept = add_entry(session, world, parcours, TODAY - timedelta(days=50))
    wrong = add_entry(session, world, parcours, TODAY - timedelta(days=40))
    correction = services.correct(session, world.referent, wrong)
    assert correction.previous_id == wrong.id
    assert services.correct(session, world.referent, wrong).id == correction.id
    services.finalise(session, world.referent, correction, entry(TODAY - timedelta(days=45)), correction.lock_version)
    rows = session.scalars(select(JournalEntry).where(JournalEntry.parcours_id == parcours.id)).all()
    assert sorted((r.document_id, r.entry_date) for r in rows) == [
        (kept.id, TODAY - timedelta(days=50)),
        (correction.id, TODAY - timedelta(days=45)),
    ]
    assert [line.document.id for line in journal_of(session, parcours.id)] == [correction.id, kept.id]
    assert last_reviews(session, [parcours.id]) == {parcours.id: TODAY - timedelta(days=45)}


def test_a_version_1_fiche_de_suivi_still_renders_seals_and_counts(
    session: Session, world: World, login_as: Any
) -> None:
    parcours = _ongoing(session, world)
    old = data.start_suivi_v1(session, world.referent, parcours)
    services.finalise(session, world.referent, old, data.suivi(), old.lock_version)
    assert (old.form_version, services.definition_of(old).title) == (1, "Fiche de suivi et contrat")
    assert read_sealed_pdf(old).startswith(b"%PDF")
    assert parcours.codes_of("action") == ["accompagnement_scolaire", "parentalite"]
    year = compute(session, world.programme.id, TODAY.year)["enfants_suivis"]["par_action"]
    assert year["accompagnement_scolaire"] == 1 and year["parentalite"] == 1
    session.commit()
    client = login_as(world.referent)
    page = client.get(f"/enfants/{world.child.public_id}/documents/{old.public_id}").get_data(as_text=True)
    assert "Retrouver le goût de la lecture" in page and "Fiche de suivi et contrat" in page
    child_page = client.get(f"/enfants/{world.child.public_id}").get_data(as_text=True)
    assert f"/documents/{old.public_id}" in child_page and "Journal de suivi" in child_page
    # Its finalisation is the parcours' last review until a journal entry is newer.
    assert last_reviews(session, [parcours.id]) == {parcours.id: old.finalised_at.date()}  # type: ignore[union-attr]


def test_the_child_page_lists_the_journal_newest_first(session: Session, world: World, login_as: Any) -> None:
    parcours = _ongoing(session, world)
    add_entry(session, world, parcours, date(2026, 3, 2), "reunion_ecole")
    add_entry(session, world, parcours, date(2026, 5, 9), "synthese")
    add_entry(session, world, parcours, date(2026, 4, 1), "visite_domicile")
    session.commit()
    page = login_as(world.referent).get(f"/enfants/{world.child.public_id}").get_data(as_text=True)
    journal = page.split("Journal de suivi")[1].split("</ol>")[0]
    assert journal.index("09/05/2026 · Synthèse") < journal.index("01/04/2026 · Visite à domicile")
    assert journal.index("01/04/2026") < journal.index("02/03/2026 · Réunion avec l&#39;école")
    assert "Nouvelle entrée" in page and "Commencer : Entrée du journal" not in page


# --- the last review ---------------------------------------------------------------------------


def test_the_last_review_is_the_last_journal_entry(session: Session, world: World) -> None:
    recent = _ongoing(session, world)
    add_entry(session, world, recent, TODAY - timedelta(days=10))
    stale = _ongoing(session, world)
    add_entry(session, world, stale, TODAY - timedelta(days=120))
    add_entry(session, world, stale, TODAY - timedelta(days=150))
    never = _ongoing(session, world)
    listed = {p.id: last for p, last in coordinator_todo(session, world.coordinateur).without_review}
    assert recent.id not in listed
    assert listed[stale.id] == TODAY - timedelta(days=120)
    assert listed[never.id] == never.date_entree


def test_the_eps_review_counts_a_passage_en_eps_or_a_synthesis_not_a_meeting(session: Session, world: World) -> None:
    met = _ongoing(session, world)
    add_entry(session, world, met, TODAY - timedelta(days=5), "entretien")
    reviewed = _ongoing(session, world)
    add_entry(session, world, reviewed, TODAY - timedelta(days=5), "passage_eps")
    synthesis = _ongoing(session, world)
    add_entry(session, world, synthesis, TODAY - timedelta(days=5), "synthese")
    due = {c.parcours.id for c in candidates(session, world.programme.id)}
    assert met.id in due and reviewed.id not in due and synthesis.id not in due


# --- actions -----------------------------------------------------------------------------------


def values(**overrides: str) -> actions.ActionValues:
    raw = {"code": "sante_soins", "status": "proposee", "modalite": "individuelle", "intervenant": "CMP Nord"}
    raw.update(overrides)
    return actions.parse(raw)


def test_an_action_changes_status_over_time_without_any_signature(session: Session, world: World) -> None:
    parcours = _ongoing(session, world)
    action = actions.save_action(session, world.referent, parcours, values(cout="85,5", financeur="CAF"))
    assert action.status == ActionStatus.PROPOSEE and parcours.codes_of("action") == ["sante_soins"]
    assert b"CMP Nord" not in action.payload and b"CAF" not in action.payload  # type: ignore[operator]
    started = values(status="en_cours", debut="02/03/2026", cout="85,5", financeur="CAF")
    actions.save_action(session, world.referent, parcours, started, action)
    done = values(status="terminee", debut="2026-03-02", fin="2026-06-30")
    actions.save_action(session, world.referent, parcours, done, action)
    stored = session.scalars(select(ParcoursAction).where(ParcoursAction.parcours_id == parcours.id)).all()
    assert [(a.status, a.debut, a.fin) for a in stored] == [
        (ActionStatus.TERMINEE, date(2026, 3, 2), date(2026, 6, 30))
    ]
    assert actions.details(stored[0]) == {"intervenant": "CMP Nord", "cout": "", "financeur": ""}
    assert session.scalars(select(Document).where(Document.parcours_id == parcours.id)).all() == []


def test_action_codes_feed_par_action_and_follow_a_changed_type(session: Session, world: World) -> None:
    parcours = _ongoing(session, world)
    action = actions.save_action(session, world.referent, parcours, values())
    actions.save_action(session, world.referent, parcours, values(code="parentalite", status="abandonnee"))
    year = compute(session, world.programme.id, TODAY.year)["enfants_suivis"]["par_action"]
    assert (year["sante_soins"], year["parentalite"], year["langue_fle"]) == (1, 1, 0)
    actions.save_action(session, world.referent, parcours, values(code="langue_fle"), action)
    assert parcours.codes_of("action") == ["langue_fle", "parentalite"]
    # An imported parcours keeps the codes the import gave it.
    imported = make_parcours(
        session, world.other_child, decision_eps="accepte", date_entree=TODAY, actions=["acces_droits"]
    )
    changed = actions.save_action(session, world.other_referent, imported, values(code="acces_droits"))
    actions.save_action(session, world.other_referent, imported, values(code="autre"), changed)
    assert imported.codes_of("action") == ["acces_droits", "autre"]


@pytest.mark.parametrize(
    ("field", "raw"),
    [
        ("code", {"code": "yoga"}),
        ("status", {"status": "oubliee"}),
        ("fin", {"debut": "2026-05-01", "fin": "2026-04-01"}),
        ("debut", {"debut": "31/02/2026"}),
        ("cout", {"cout": "beaucoup"}),
        ("cout", {"cout": "-5"}),
        ("intervenant", {"intervenant": "x" * 201}),
    ],
)
def test_a_wrong_action_is_refused_with_a_french_message(field: str, raw: dict[str, str]) -> None:
    with pytest.raises(actions.ActionError) as refused:
        values(**raw)
    assert set(refused.value.errors) == {field}
    assert refused.value.errors[field][0].isupper()


def test_actions_page_adds_and_updates(session: Session, world: World, login_as: Any) -> None:
    parcours = _ongoing(session, world)
    session.commit()
    client = login_as(world.referent)
    url = f"/enfants/{world.child.public_id}/parcours/{parcours.public_id}/actions"
    token = data_token(client, url)
    form = {"csrf_token": token, "code": "vacances_sejours", "status": "en_attente", "modalite": "collective"}
    response = client.post(url, data={**form, "intervenant": "Centre social", "cout": "150", "financeur": "CAF"})
    assert response.status_code == 303
    page = client.get(url).get_data(as_text=True)
    assert "Centre social" in page and "150,00 €" in page and "En attente" in page
    action = session.scalar(select(ParcoursAction).where(ParcoursAction.parcours_id == parcours.id))
    assert action is not None
    refused = client.post(url, data={**form, "action": action.public_id, "status": "en_cours", "debut": "32/01/2026"})
    assert refused.status_code == 422 and "Cette date n&#39;existe pas" in refused.get_data(as_text=True)
    session.refresh(action)
    assert action.status == ActionStatus.EN_ATTENTE
    assert client.post(url, data={**form, "action": action.public_id, "status": "en_cours"}).status_code == 303
    session.refresh(action)
    assert action.status == ActionStatus.EN_COURS
    other = f"/enfants/{world.other_child.public_id}/parcours/{world.other_child.parcours[0].public_id}/actions"
    assert client.get(other).status_code == 404


def data_token(client: Any, url: str) -> str:
    from tests.conftest import csrf_token

    return csrf_token(client, url)


def test_purging_the_child_shreds_the_actions_details(session: Session, world: World) -> None:
    from app.retention.purge import shred

    parcours = _ongoing(session, world)
    action = actions.save_action(session, world.referent, parcours, values(financeur="CAF"))
    add_entry(session, world, parcours, TODAY - timedelta(days=3))
    shred(session, [world.child])
    stored = session.get(ParcoursAction, action.id)
    assert stored is not None and stored.payload is None and stored.code == "sante_soins"


def test_a_journal_entry_with_the_family_is_a_family_contact_a_synthesis_is_not(session: Session, world: World) -> None:
    parcours = _ongoing(session, world)
    world.child.last_family_contact = TODAY - timedelta(days=400)
    add_entry(session, world, parcours, TODAY - timedelta(days=20), "synthese")
    add_entry(session, world, parcours, TODAY - timedelta(days=30), "passage_eps")
    assert world.child.last_family_contact == TODAY - timedelta(days=400)
    add_entry(session, world, parcours, TODAY - timedelta(days=60), "visite_domicile")
    assert world.child.last_family_contact == TODAY - timedelta(days=60)


def test_the_caseload_shows_the_last_journal_entry_as_dernier_bilan(
    session: Session, world: World, login_as: Any
) -> None:
    parcours = _ongoing(session, world)
    add_entry(session, world, parcours, date(2026, 2, 3))
    add_entry(session, world, parcours, date(2026, 1, 5))
    session.commit()
    page = login_as(world.referent).get("/enfants/").get_data(as_text=True)
    assert "Dernier bilan" in page
    row = page.split("Ahamada")[1].split("</tr>")[0]
    assert "03/02/2026" in row and "05/01/2026" not in row


def test_the_year_archive_seals_the_actions_of_each_parcours(app, session: Session, world: World, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Actions live outside any signed document: the archive of a year seals what they were, per parcours."""
    import json
    import subprocess
    import zipfile

    from app.archive.export import export_year
    from app.archive.verify import verify_archive
    from app.signing.keys import all_certificates_pem

    parcours = _ongoing(session, world, entered_days_ago=400)
    year = TODAY.year - 1
    under_way = values(status="en_cours", debut=f"{year}-03-02", cout="85,5", financeur="CAF")
    actions.save_action(session, world.referent, parcours, under_way)
    later = values(code="parentalite", status="proposee", debut=f"{year + 2}-01-05", intervenant="Maison des familles")
    later_action = actions.save_action(session, world.referent, parcours, later)
    later_action.updated_at = later_action.created_at = datetime(year + 1, 1, 2)  # neither under way nor changed
    session.flush()
    output = tmp_path / "archive.zip"
    export_year(session, world.programme, year, output, actor_id=world.coordinateur.id)
    path = f"documents/{world.child.pseudonym}/actions-v1-{parcours.public_id}.pdf"
    with zipfile.ZipFile(output) as archive:
        [entry] = [f for f in json.loads(archive.read("manifest.json"))["files"] if f["form_id"] == "actions"]
        assert entry["path"] == path
        pdf = tmp_path / "actions.pdf"
        pdf.write_bytes(archive.read(path))
    extracted = subprocess.run(["pdftotext", str(pdf), "-"], check=True, capture_output=True, text=True).stdout
    text = " ".join(extracted.split())
    assert "CMP Nord" in text and "85,50 € (CAF)" in text and f"02/03/{year}" in text
    assert "Maison des familles" not in text
    keys_path, code = app.config["PARCOURS"].keys_path, world.programme.code
    certificates = all_certificates_pem(keys_path, code)
    assert verify_archive(output, lambda programme: certificates if programme == code else None) == []
