"""Retention counts from the last contact coming from the family, never from a staff edit."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path

from alembic import command
from flask import Flask
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from app.children.models import Child, Parcours
from app.children.services import family_dates_of_parcours
from app.db import db
from app.documents import services
from app.migrate import alembic_config
from app.retention.purge import expired_children
from tests import documents_helpers as data
from tests.factories import World, make_child, make_document, make_parcours, make_programme, make_user

LONG_AGO = date(2022, 3, 1)
NO_FAMILY_SIGNATURE = {"image": "", "signer": "", "paper_date": ""}


def _accepted(session: Session, world: World) -> Parcours:
    return make_parcours(
        session,
        world.child,
        date_orientation=date(2021, 10, 1),
        decision_eps="accepte",
        date_decision=date(2021, 10, 15),
        date_entree=date(2021, 10, 20),
        date_sortie=date(2022, 2, 28),
        motif_sortie="objectifs_atteints",
    )


def test_staff_edits_and_decisions_do_not_move_the_family_contact(session: Session, world: World) -> None:
    parcours = _accepted(session, world)
    world.child.last_family_contact = LONG_AGO
    draft = data.start_suivi_v1(session, world.referent, parcours)
    answers = data.suivi(rencontres=[], signature_parent=NO_FAMILY_SIGNATURE)
    services.save_draft(session, world.referent, draft, answers, draft.lock_version)
    services.save_draft(session, world.referent, draft, answers, draft.lock_version)
    assert world.child.last_family_contact == LONG_AGO
    # Staff activity alone leaves the child past retention.
    assert world.child in expired_children(session, date.today(), 2)


def test_a_meeting_with_the_family_moves_it_to_the_meeting_date(session: Session, world: World) -> None:
    parcours = _accepted(session, world)
    world.child.last_family_contact = LONG_AGO
    suivi = data.start_suivi_v1(session, world.referent, parcours)
    signed_on_paper = {"image": "", "signer": "", "paper_date": "2022-05-02"}
    meeting = {"date": "2023-01-12", "faits": "Entretien avec la mère."}
    answers = data.suivi(signature_parent=signed_on_paper, rencontres=[meeting])
    services.finalise(session, world.referent, suivi, answers, suivi.lock_version)
    assert world.child.last_family_contact == date(2023, 1, 12)


def test_a_family_signature_counts_on_its_date_not_the_day_it_was_typed(session: Session, world: World) -> None:
    parcours = _accepted(session, world)
    world.child.last_family_contact = LONG_AGO
    suivi = data.start_suivi_v1(session, world.referent, parcours)
    signed_on_paper = {"image": "", "signer": "", "paper_date": "2022-09-05"}
    answers = data.suivi(signature_parent=signed_on_paper, rencontres=[])
    services.finalise(session, world.referent, suivi, answers, suivi.lock_version)
    assert world.child.last_family_contact == date(2022, 9, 5)


def test_a_signature_drawn_on_screen_is_a_contact_today(session: Session, world: World) -> None:
    parcours = _accepted(session, world)
    world.child.last_family_contact = LONG_AGO
    suivi = data.start_suivi_v1(session, world.referent, parcours)
    services.finalise(session, world.referent, suivi, data.suivi(rencontres=[]), suivi.lock_version)
    assert world.child.last_family_contact == date.today()


def test_the_family_agreement_of_an_orientation_is_a_contact(session: Session, world: World) -> None:
    on_paper = {"image": "", "signer": "", "paper_date": "2025-09-29"}
    answers = data.orientation(date_accord="2025-09-30", signature_parent=on_paper)
    document = services.start_orientation(session, world.referent, answers)
    assert document.child.last_family_contact == date(2025, 9, 30)


def test_imported_parcours_count_orientation_contract_and_a_signed_exit_only() -> None:
    lost = family_dates_of_parcours(date(2021, 1, 4), date(2021, 2, 8), date(2022, 6, 30), "perte_contact")
    signed = family_dates_of_parcours(date(2021, 1, 4), date(2021, 2, 8), date(2022, 6, 30), "objectifs_atteints")
    assert (max(lost), max(signed)) == (date(2021, 2, 8), date(2022, 6, 30))


def test_migration_derives_the_family_contact_from_dates_and_signed_documents(
    make_app: Callable[[Path], Flask], fresh_instance: Callable[[str], Path]
) -> None:
    app = make_app(fresh_instance("migrated"))
    with app.app_context():
        programme = make_programme(db.session)
        referent = make_user(db.session, programme, "referent")
        staff_only = make_child(db.session, programme, referent)
        make_parcours(db.session, staff_only, date_orientation=date(2021, 4, 1))
        signed = make_child(db.session, programme, referent, nom="Signé")
        parcours = make_parcours(
            db.session,
            signed,
            date_orientation=date(2021, 4, 1),
            decision_eps="accepte",
            date_entree=date(2021, 5, 3),
            date_sortie=date(2023, 2, 1),
            motif_sortie="perte_contact",
        )
        make_document(db.session, parcours, form_id="suivi", at=datetime(2022, 11, 7, 10, 0))
        make_document(db.session, parcours, form_id="sortie_evaluation", at=datetime(2023, 3, 1, 10, 0))
        ids = staff_only.id, signed.id
        db.session.commit()
        config = alembic_config(db.engine.url.render_as_string(hide_password=False))
        with db.engine.begin() as connection:
            config.attributes["connection"] = connection
            command.downgrade(config, "0008_accounts_throttle")
            # As every staff edit used to leave it:
            connection.execute(text("UPDATE children SET last_contact = :today"), {"today": date.today()})
            command.upgrade(config, "head")
        db.session.expire_all()
        found = {c.id: c.last_family_contact for c in db.session.scalars(select(Child).where(Child.id.in_(ids)))}
    assert found == {ids[0]: date(2021, 4, 1), ids[1]: date(2022, 11, 7)}
    assert date.today() - found[ids[1]] > timedelta(days=365)


def test_a_staff_correction_keeps_the_family_contact_of_the_signed_version(session: Session, world: World) -> None:
    parcours = _accepted(session, world)
    world.child.last_family_contact = LONG_AGO
    suivi = data.start_suivi_v1(session, world.referent, parcours)
    signed_on_paper = {"image": "", "signer": "", "paper_date": "2022-05-02"}
    answers = data.suivi(signature_parent=signed_on_paper, rencontres=[])
    services.finalise(session, world.referent, suivi, answers, suivi.lock_version)
    correction = services.correct(session, world.referent, suivi)
    corrected = {**answers, "objectifs": [{"objectif": "Objectif reformulé par l'équipe"}]}
    services.finalise(session, world.referent, correction, corrected, correction.lock_version)
    assert world.child.last_family_contact == date(2022, 5, 2)
