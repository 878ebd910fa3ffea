"""Workflow rules of a parcours (decision, référent, overlap, closing) and the coordinator's home."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.audit.models import AuditEvent
from app.children.models import Parcours
from app.db import utcnow
from app.documents.models import DRAFT, FINAL, Document
from app.nomenclature import age_band
from app.parcours.services import (
    WorkflowError,
    assign_referent,
    check_no_overlap,
    close_parcours,
    record_decision,
    require_accepted,
)
from app.workflow.queries import months_before
from tests.factories import World, make_child, make_document, make_parcours, make_user

ORIENTED = date(2025, 9, 15)  # the factories' date_orientation


def _events(session: Session, action: str) -> list[AuditEvent]:
    return list(session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def _pending(world: World) -> Parcours:
    """The orientation the world's child starts with (made by the factories, waiting for the EPS)."""
    return next(p for p in world.child.parcours if p.date_orientation == ORIENTED and p.decision_eps != "accepte")


def _accepted(session: Session, world: World, entree: date, sortie: date | None = None, **values: object) -> Parcours:
    return make_parcours(
        session,
        world.child,
        date_orientation=values.pop("date_orientation", entree - timedelta(days=30)),
        decision_eps="accepte",
        date_decision=entree - timedelta(days=10),
        date_entree=entree,
        date_sortie=sortie,
        motif_sortie="objectifs_atteints" if sortie else None,
        **values,
    )


# --- decisions -------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["referent", "eps", "admin"])
def test_only_a_coordinator_records_a_decision(world: World, session: Session, role: str) -> None:
    actor = world.users()[role]
    with pytest.raises(WorkflowError, match="coordonnateur"):
        record_decision(session, _pending(world), "refuse", date(2025, 10, 1), actor)
    assert _pending(world).decision_eps == "en_attente"


def test_coordinator_of_another_programme_cannot_decide(world: World, session: Session) -> None:
    with pytest.raises(WorkflowError):
        record_decision(session, _pending(world), "refuse", date(2025, 10, 1), world.foreign_coordinateur)


def test_acceptance_assigns_the_referent_sets_dates_and_is_audited(world: World, session: Session) -> None:
    parcours = _pending(world)
    world.child.last_family_contact = date(2025, 9, 15)
    record_decision(
        session,
        parcours,
        "accepte",
        date(2025, 10, 1),
        world.coordinateur,
        referent_id=world.other_referent.id,
        date_entree=date(2025, 10, 6),
    )
    assert (parcours.decision_eps, parcours.date_decision, parcours.date_entree) == (
        "accepte",
        date(2025, 10, 1),
        date(2025, 10, 6),
    )
    assert world.child.referent_id == world.other_referent.id
    assert world.child.last_family_contact == date(2025, 9, 15)  # an EPS decision is no family contact
    [event] = _events(session, "parcours.decision:accepte")
    assert (event.actor_id, event.target_id) == (world.coordinateur.id, parcours.public_id)
    assert len(_events(session, "child.referent.transfer")) == 1  # from the orientation's author


def test_acceptance_needs_a_referent(world: World, session: Session) -> None:
    with pytest.raises(WorkflowError, match="référent"):
        record_decision(session, _pending(world), "accepte", date(2025, 10, 1), world.coordinateur)


def test_referent_of_another_programme_is_refused(world: World, session: Session) -> None:
    stranger = make_user(session, world.foreign_programme, "referent")
    with pytest.raises(WorkflowError, match="référent"):
        record_decision(
            session, _pending(world), "accepte", date(2025, 10, 1), world.coordinateur, referent_id=stranger.id
        )
    assert world.child.referent_id == world.referent.id


@pytest.mark.parametrize("who", ["eps", "coordinateur", "inactive"])
def test_referent_must_be_an_active_referent(world: World, session: Session, who: str) -> None:
    if who == "inactive":
        user = make_user(session, world.programme, "referent")
        user.active = False
    else:
        user = world.users()[who]
    with pytest.raises(WorkflowError):
        record_decision(session, _pending(world), "accepte", date(2025, 10, 1), world.coordinateur, referent_id=user.id)


def test_date_entree_before_orientation_is_refused(world: World, session: Session) -> None:
    with pytest.raises(WorkflowError, match="précéder la date d'orientation"):
        record_decision(
            session,
            _pending(world),
            "accepte",
            date(2025, 10, 1),
            world.coordinateur,
            referent_id=world.referent.id,
            date_entree=ORIENTED - timedelta(days=1),
        )
    assert _pending(world).date_entree is None


@pytest.mark.parametrize("decision", ["refuse", "reoriente", "en_attente"])
def test_date_entree_only_with_acceptance(world: World, session: Session, decision: str) -> None:
    with pytest.raises(WorkflowError, match="accepté"):
        record_decision(
            session, _pending(world), decision, date(2025, 10, 1), world.coordinateur, date_entree=date(2025, 10, 6)
        )


def test_decision_date_is_checked(world: World, session: Session) -> None:
    parcours = _pending(world)
    for bad in (None, ORIENTED - timedelta(days=1), date.today() + timedelta(days=1)):
        with pytest.raises(WorkflowError):
            record_decision(session, parcours, "refuse", bad, world.coordinateur)
    with pytest.raises(WorkflowError, match="inconnue"):
        record_decision(session, parcours, "peut-etre", date(2025, 10, 1), world.coordinateur)


def test_refusing_after_acceptance_clears_the_entry_and_back_to_waiting_clears_the_date(
    world: World, session: Session
) -> None:
    parcours = _pending(world)
    record_decision(
        session, parcours, "accepte", date(2025, 10, 1), world.coordinateur, world.referent.id, date(2025, 10, 2)
    )
    record_decision(session, parcours, "reoriente", date(2025, 10, 3), world.coordinateur)
    assert (parcours.decision_eps, parcours.date_entree) == ("reoriente", None)
    record_decision(session, parcours, "en_attente", date(2025, 10, 4), world.coordinateur)
    assert (parcours.decision_eps, parcours.date_decision) == ("en_attente", None)
    assert len(_events(session, "parcours.decision:en_attente")) == 1


def test_a_closed_parcours_keeps_its_decision(world: World, session: Session) -> None:
    closed = _accepted(session, world, date(2023, 1, 10), date(2023, 12, 20))
    with pytest.raises(WorkflowError, match="clos"):
        record_decision(session, closed, "refuse", date(2024, 1, 5), world.coordinateur)


# --- overlap ---------------------------------------------------------------------------------


def test_accepted_parcours_of_one_child_never_overlap(world: World, session: Session) -> None:
    _accepted(session, world, date(2024, 1, 8))  # still open
    with pytest.raises(WorkflowError, match="chevaucher"):
        record_decision(
            session,
            _pending(world),
            "accepte",
            date(2025, 10, 1),
            world.coordinateur,
            referent_id=world.referent.id,
            date_entree=date(2025, 10, 6),
        )
    assert _pending(world).decision_eps == "en_attente"


@pytest.mark.parametrize(
    ("start", "end", "overlaps"),
    [
        (date(2023, 1, 1), date(2023, 12, 31), False),  # ends the day before
        (date(2023, 1, 1), date(2024, 1, 1), True),  # shares the first day
        (date(2024, 6, 30), date(2024, 9, 1), True),  # shares the last day
        (date(2024, 7, 1), None, False),  # starts the day after, still open
        (date(2023, 1, 1), None, True),  # open, started before
        (date(2024, 3, 1), date(2024, 3, 31), True),  # inside
    ],
)
def test_overlap_boundaries_are_inclusive(
    world: World, session: Session, start: date, end: date | None, overlaps: bool
) -> None:
    _accepted(session, world, date(2024, 1, 1), date(2024, 6, 30))
    candidate = _pending(world)
    if overlaps:
        with pytest.raises(WorkflowError):
            check_no_overlap(session, world.child, candidate, start, end)
    else:
        check_no_overlap(session, world.child, candidate, start, end)


def test_other_childrens_and_non_accepted_parcours_do_not_count(world: World, session: Session) -> None:
    make_parcours(session, world.other_child, decision_eps="accepte", date_entree=date(2025, 1, 1))
    make_parcours(session, world.child, decision_eps="refuse", date_entree=None)
    assert check_no_overlap(session, world.child, _pending(world), date(2025, 1, 1), None) is None
    # The same period against an accepted parcours of this child is refused: the check above can fail.
    _accepted(session, world, date(2025, 1, 1))
    with pytest.raises(WorkflowError, match="chevaucher"):
        check_no_overlap(session, world.child, _pending(world), date(2025, 1, 1), None)


# --- closing ---------------------------------------------------------------------------------


def test_closing_a_parcours_not_accepted_is_refused(world: World, session: Session) -> None:
    with pytest.raises(WorkflowError, match="accepté"):
        close_parcours(session, _pending(world), date(2026, 1, 5), "objectifs_atteints", world.coordinateur)
    with pytest.raises(WorkflowError, match="accepté"):
        require_accepted(_pending(world))


def test_closing_sets_exit_and_is_audited_without_moving_the_family_contact(world: World, session: Session) -> None:
    parcours = _accepted(session, world, date(2024, 9, 2))
    world.child.last_family_contact = date(2024, 9, 2)
    close_parcours(session, parcours, date(2025, 6, 30), "relais_droit_commun", world.referent)
    assert (parcours.date_sortie, parcours.motif_sortie) == (date(2025, 6, 30), "relais_droit_commun")
    assert world.child.last_family_contact == date(2024, 9, 2)  # the family's signature counts, not the closing
    [event] = _events(session, "parcours.close")
    assert (event.actor_id, event.target_id) == (world.referent.id, parcours.public_id)
    require_accepted(parcours)


def test_closing_checks_dates_reason_and_actor(world: World, session: Session) -> None:
    parcours = _accepted(session, world, date(2024, 9, 2))
    with pytest.raises(WorkflowError, match="précéder la date d'entrée"):
        close_parcours(session, parcours, date(2024, 9, 1), "objectifs_atteints", world.coordinateur)
    with pytest.raises(WorkflowError, match="Motif"):
        close_parcours(session, parcours, date(2025, 6, 30), "fin", world.coordinateur)
    for outsider in (world.other_referent, world.eps, world.foreign_coordinateur):
        with pytest.raises(WorkflowError):
            close_parcours(session, parcours, date(2025, 6, 30), "objectifs_atteints", outsider)
    assert parcours.date_sortie is None


def test_closing_needs_an_entry_date_and_may_record_it(world: World, session: Session) -> None:
    parcours = make_parcours(session, world.child, decision_eps="accepte", date_decision=date(2025, 10, 1))
    with pytest.raises(WorkflowError, match="date d'entrée"):
        close_parcours(session, parcours, date(2026, 1, 5), "demenagement", world.coordinateur)
    close_parcours(
        session, parcours, date(2026, 1, 5), "demenagement", world.coordinateur, date_entree=date(2025, 10, 6)
    )
    assert (parcours.date_entree, parcours.date_sortie) == (date(2025, 10, 6), date(2026, 1, 5))


def test_closing_may_not_create_an_overlap(world: World, session: Session) -> None:
    first = _accepted(session, world, date(2023, 1, 9))
    _accepted(session, world, date(2024, 1, 8), date(2024, 12, 20))
    with pytest.raises(WorkflowError, match="chevaucher"):
        close_parcours(session, first, date(2024, 2, 1), "autre", world.coordinateur)
    close_parcours(session, first, date(2024, 1, 5), "autre", world.coordinateur)


# --- référent ---------------------------------------------------------------------------------


def test_assign_referent_rules(world: World, session: Session) -> None:
    with pytest.raises(WorkflowError):
        assign_referent(session, world.child, world.other_referent, world.referent)
    stranger = make_user(session, world.foreign_programme, "referent")
    with pytest.raises(WorkflowError):
        assign_referent(session, world.child, stranger, world.coordinateur)
    with pytest.raises(WorkflowError):
        assign_referent(session, world.child, world.eps, world.coordinateur)
    assign_referent(session, world.child, world.other_referent, world.coordinateur)
    assert world.child.referent_id == world.other_referent.id
    # The child had a référent: moving it is a transfer, audited as such.
    [event] = _events(session, "child.referent.transfer")
    assert event.target_id == world.child.public_id and _events(session, "child.referent.assign") == []


# --- small helpers ----------------------------------------------------------------------------


def test_age_band_and_month_arithmetic() -> None:
    assert [age_band(2026 - age, 2026) for age in (0, 1, 2, 5, 6, 10, 11, 16, 17, 18)] == [
        "moins_de_2",
        "moins_de_2",
        "2-5",
        "2-5",
        "6-10",
        "6-10",
        "11-16",
        "11-16",
        "17+",
        "17+",
    ]
    assert months_before(date(2026, 5, 31), 3) == date(2026, 2, 28)
    assert months_before(date(2026, 1, 15), 3) == date(2025, 10, 15)


# --- coordinator home -------------------------------------------------------------------------


def _document(session: Session, parcours: Parcours, form_id: str, status: str, age_days: int) -> Document:
    at = utcnow() - timedelta(days=age_days)
    return make_document(session, parcours, form_id=form_id, status=status, at=at)


def test_coordinator_home_lists_what_needs_attention(world: World, session: Session, login_as) -> None:  # type: ignore[no-untyped-def]
    long_ago = date.today() - timedelta(days=200)
    stale = make_child(session, world.programme, world.referent, nom="Sansbilan", prenom="Ali")
    make_parcours(session, stale, date_orientation=long_ago, decision_eps="accepte", date_entree=long_ago)
    reviewed = make_child(session, world.programme, world.referent, nom="Avecbilan", prenom="Ina")
    reviewed_parcours = make_parcours(
        session, reviewed, date_orientation=long_ago, decision_eps="accepte", date_entree=long_ago
    )
    _document(session, reviewed_parcours, "suivi", FINAL, age_days=20)
    drafted = make_child(session, world.programme, world.referent, nom="Brouillonancien", prenom="Noé")
    draft_parcours = make_parcours(session, drafted, date_orientation=date.today() - timedelta(days=20))
    _document(session, draft_parcours, "orientation", DRAFT, age_days=10)
    fresh = make_child(session, world.programme, world.referent, nom="Brouillonrecent", prenom="Eva")
    _document(session, make_parcours(session, fresh), "suivi", DRAFT, age_days=2)
    foreign_stale = make_child(session, world.foreign_programme, None, nom="Etrangerstale", prenom="Max")
    make_parcours(session, foreign_stale, date_orientation=long_ago, decision_eps="accepte", date_entree=long_ago)

    response = login_as(world.coordinateur).get("/")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "À traiter" in page
    # world has two pending orientations, plus the fresh one's; a draft orientation never reaches the EPS
    assert "3 orientations attendent une décision de l'EPS" in page
    assert f'href="/enfants/{stale.public_id}"' in page and "Sansbilan" in page
    assert "Avecbilan" not in page
    assert f'href="/enfants/{drafted.public_id}"' in page and "Fiche d&#39;orientation" in page
    assert "Brouillonrecent" not in page.split("Documents en attente")[1]  # its draft is recent
    assert "Etrangerstale" not in page and "Durand" not in page
    assert _events(session, "home.todo.read")


def test_eps_home_is_the_list_of_their_seances(world: World, login_as) -> None:  # type: ignore[no-untyped-def]
    response = login_as(world.eps).get("/")
    assert response.status_code == 302 and response.headers["Location"].endswith("/eps/seances")
