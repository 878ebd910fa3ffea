"""Demo séances: a past one, held and closed with its sealed relevé, and a future one with its agenda."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy.orm import Session

from app.eps import charter, queries, services
from app.eps.models import AJOURNEE, ORIENTATION
from app.users.models import User

PAST_DAYS = 21
NEXT_DAYS = 10


def create_demo_seances(session: Session, coordinator: User, member: User) -> None:
    charter.accept_charter(session, member, charter.ensure_text(session, coordinator.programme_id, "charte").version)
    held_on = datetime.combine(date.today() - timedelta(days=PAST_DAYS), datetime.min.time()).replace(hour=17)
    past = services.schedule(session, coordinator, held_on, "Salle du conseil, mairie")
    services.set_participants(session, coordinator, past, [member.id], [("Mme Zaharia", "Collège de Kawéni")])
    orientations = [
        c
        for c in queries.candidates(session, coordinator.programme_id)
        if c.kind == ORIENTATION and c.since <= held_on.date()
    ]
    reviews = [c for c in queries.candidates(session, coordinator.programme_id) if c.kind == "revue"]
    outcomes = [("accepte", None), ("ajourne", "informations_ecole"), ("refuse", None)]
    for candidate, (outcome, manque) in zip(orientations, outcomes, strict=False):
        item = services.add_item(session, coordinator, past, candidate.parcours, candidate.kind)
        services.decide(
            session,
            coordinator,
            item,
            outcome,
            held_on.date(),
            preconisations=["accompagnement_scolaire"],
            manque=manque,
        )
    for candidate in reviews[:1]:
        item = services.add_item(session, coordinator, past, candidate.parcours, candidate.kind)
        services.decide(session, coordinator, item, "poursuite", held_on.date(), preconisations=["parentalite"])
    services.record_attendance(session, coordinator, past, {member.id}, {e.id for e in past.externals})
    services.close(session, coordinator, past)

    upcoming = datetime.combine(date.today() + timedelta(days=NEXT_DAYS), datetime.min.time()).replace(hour=17)
    future = services.schedule(session, coordinator, upcoming, "Salle du conseil, mairie")
    services.set_participants(session, coordinator, future, [member.id], [("M. Houmadi", "Service social")])
    pending = queries.candidates(session, coordinator.programme_id)
    for kind in (AJOURNEE, ORIENTATION, "revue"):
        for candidate in [c for c in pending if c.kind == kind][:2]:
            services.add_item(session, coordinator, future, candidate.parcours, candidate.kind)
