"""The référent's home is their to-do: each section lists what is due in their own caseload only."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.audit.models import AuditEvent
from app.children.models import Parcours
from app.documents import services
from app.followup import services as actions
from app.home.queries import referent_todo
from tests import documents_helpers as data
from tests.factories import World, make_child, make_parcours

TODAY = date.today()


def _ongoing(session: Session, child: Any, entered_days_ago: int) -> Parcours:
    entree = TODAY - timedelta(days=entered_days_ago)
    return make_parcours(
        session, child, date_orientation=entree - timedelta(days=30), decision_eps="accepte", date_entree=entree
    )


def _entry(session: Session, world: World, parcours: Parcours, days_ago: int) -> None:
    document = services.start_document(session, world.referent, parcours, "suivi")
    answers = {"date": (TODAY - timedelta(days=days_ago)).isoformat(), "type": "entretien"}
    services.finalise(session, world.referent, document, answers, document.lock_version)


def _action(session: Session, world: World, parcours: Parcours, status: str, code: str) -> None:
    raw = {"code": code, "status": status, "modalite": "individuelle"}
    actions.save_action(session, world.referent, parcours, actions.parse(raw))


def test_reviews_are_due_after_n_weeks_without_a_journal_entry(session: Session, world: World) -> None:
    quiet = _ongoing(session, make_child(session, world.programme, world.referent, nom="Calme"), 120)
    _entry(session, world, quiet, 50)
    seen = _ongoing(session, make_child(session, world.programme, world.referent, nom="Vu"), 120)
    _entry(session, world, seen, 20)
    new = _ongoing(session, make_child(session, world.programme, world.referent, nom="Nouveau"), 10)
    theirs = _ongoing(session, world.other_child, 300)
    todo = referent_todo(session, world.referent, weeks=6)
    assert [(r.parcours.id, r.since) for r in todo.reviews_due] == [(quiet.id, TODAY - timedelta(days=50))]
    two_weeks = [r.parcours.id for r in referent_todo(session, world.referent, weeks=2).reviews_due]
    assert two_weeks == [quiet.id, seen.id]  # entered 10 days ago, `new` is not due yet
    assert new.id in {r.parcours.id for r in referent_todo(session, world.referent, weeks=1).reviews_due}
    assert theirs.id in {r.parcours.id for r in referent_todo(session, world.other_referent, weeks=6).reviews_due}


def test_drafts_actions_and_orientations_of_the_caseload_only(session: Session, world: World) -> None:
    parcours = _ongoing(session, world.child, 30)
    _action(session, world, parcours, "proposee", "sante_soins")
    _action(session, world, parcours, "en_attente", "vacances_sejours")
    _action(session, world, parcours, "en_cours", "accompagnement_scolaire")
    draft = services.start_document(session, world.referent, parcours, "suivi")
    other_orientation = services.start_orientation(session, world.other_referent, data.orientation(nom="Autre"))
    drafted = services.start_orientation(session, world.referent, data.orientation(nom="Brouillon"))
    todo = referent_todo(session, world.referent)
    assert {(a.code, a.status.value) for a in todo.actions_waiting} == {
        ("sante_soins", "proposee"),
        ("vacances_sejours", "en_attente"),
    }
    assert {d.id for d in todo.drafts} == {draft.id, drafted.id}
    # The world's child has an orientation waiting for the EPS (imported, finalised); a draft one never does.
    assert [p.id for p in todo.awaiting_eps] == [world.child.parcours[0].id]
    assert other_orientation.id not in {d.id for d in todo.drafts}
    other = referent_todo(session, world.other_referent)
    assert other.actions_waiting == [] and [d.id for d in other.drafts] == [other_orientation.id]


def test_the_referent_lands_on_their_to_do_with_links(session: Session, world: World, login_as: Any) -> None:
    parcours = _ongoing(session, world.child, 120)
    _action(session, world, parcours, "proposee", "sante_soins")
    draft = services.start_document(session, world.referent, parcours, "suivi")
    session.commit()
    page = login_as(world.referent).get("/").get_data(as_text=True)
    child = f"/enfants/{world.child.public_id}"
    assert "À faire" in page and "Ahamada" in page and "Bernard" not in page
    bilans = page.split('id="todo-bilans"')[1].split('id="todo-brouillons"')[0]
    assert f"{child}#journal-{parcours.public_id}" in bilans
    drafts = page.split('id="todo-brouillons"')[1].split('id="todo-actions"')[0]
    assert f"{child}/documents/{draft.public_id}" in drafts and "Entrée du journal de suivi" in drafts
    waiting = page.split('id="todo-actions"')[1].split('id="todo-eps"')[0]
    assert f"{child}/parcours/{parcours.public_id}/actions" in waiting and "Proposée" in waiting
    assert "Ahamada" in page.split('id="todo-eps"')[1]
    events = session.scalars(select(AuditEvent).where(AuditEvent.action == "home.todo.read")).all()
    assert len(events) == 1


def test_an_empty_to_do_says_so_and_the_coordinator_keeps_their_home(world: World, login_as: Any) -> None:
    page = login_as(world.other_referent).get("/").get_data(as_text=True)
    assert "Chaque parcours en cours a une entrée récente au journal." in page
    assert "Aucun brouillon en cours." in page and "Aucune action proposée ou en attente." in page
    coordinator = login_as(world.coordinateur).get("/").get_data(as_text=True)
    assert "À traiter" in coordinator and "Bilans à faire" not in coordinator


def test_contracts_to_renew_are_those_due_within_30_days_or_past(session: Session, world: World, login_as: Any) -> None:
    def contract(nom: str, **dates: date) -> Parcours:
        parcours = _ongoing(session, make_child(session, world.programme, world.referent, nom=nom), 200)
        for column, day in dates.items():
            setattr(parcours, column, day)
        return parcours

    review_soon = contract(
        "Revision", date_revision_prevue=TODAY + timedelta(days=12), date_fin_prevue=TODAY + timedelta(days=200)
    )
    ended = contract("Echu", date_fin_prevue=TODAY - timedelta(days=3))
    contract("Tranquille", date_revision_prevue=TODAY + timedelta(days=31), date_fin_prevue=TODAY + timedelta(days=300))
    contract("Sanscontrat")
    closed = contract("Sorti", date_fin_prevue=TODAY - timedelta(days=40))
    closed.date_sortie = TODAY - timedelta(days=1)
    todo = referent_todo(session, world.referent)
    assert [(r.parcours.id, r.due, r.what) for r in todo.renewals] == [
        (ended.id, TODAY - timedelta(days=3), "fin"),
        (review_soon.id, TODAY + timedelta(days=12), "revision"),
    ]
    assert referent_todo(session, world.other_referent).renewals == []
    session.commit()
    page = login_as(world.referent).get("/").get_data(as_text=True)
    renewals = page.split('id="todo-contrats"')[1].split('id="todo-brouillons"')[0]
    assert "Echu" in renewals and "Revision" in renewals and "Tranquille" not in renewals
    assert f"#parcours-{ended.public_id}" in renewals
    assert f"Fin prévue le {(TODAY - timedelta(days=3)).strftime('%d/%m/%Y')}" in renewals


def test_the_coordinators_home_lists_the_parcours_without_a_review(session: Session, world: World, login_as) -> None:  # type: ignore[no-untyped-def]
    stale = _ongoing(session, world.child, entered_days_ago=200)
    _entry(session, world, stale, days_ago=120)
    session.commit()
    page = login_as(world.coordinateur).get("/").get_data(as_text=True)
    listed = page.split('id="todo-bilan"')[1].split('id="todo-documents"')[0]
    entree, last = (TODAY - timedelta(days=d) for d in (200, 120))
    assert "Ahamada" in listed
    assert entree.strftime("%d/%m/%Y") in listed and last.strftime("%d/%m/%Y") in listed
