"""Demo collective actions: a parent-workshop cycle run by the coordinator (open to families not
followed) and a référent's homework group, each with sessions this year and attendance."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.children.models import Child, Parcours
from app.collective import services
from app.nomenclature import Decision
from app.users.models import User


def _followed(session: Session, referent: User) -> list[Child]:
    query = (
        select(Child)
        .join(Parcours, Parcours.child_id == Child.id)
        .where(Child.referent_id == referent.id, Parcours.decision_eps == Decision.ACCEPTE)
        .where(Parcours.date_sortie.is_(None))
        .order_by(Child.id)
    )
    return list(dict.fromkeys(session.scalars(query)))


def create_demo_actions(session: Session, coordinator: User, referent: User) -> None:
    today = date.today()
    start = max(date(today.year, 1, 1), today - timedelta(days=120))
    children = _followed(session, referent)
    workshop = services.create_action(
        session,
        coordinator,
        services.ActionFields(
            "Cycle d'ateliers parents « Parler pour que les enfants écoutent »",
            "parentalite",
            "parents",
            "Association Parents Ensemble",
            start,
            None,
            15,
        ),
    )
    group = services.create_action(
        session,
        referent,
        services.ActionFields(
            "Groupe d'aide aux devoirs du mercredi",
            "accompagnement_scolaire",
            "enfants",
            "Centre social",
            start,
            None,
            8,
        ),
    )
    for week in range(3):
        held_on = min(today, start + timedelta(days=14 * week + 2))
        item = services.add_session(session, coordinator, workshop, held_on, "Salle polyvalente de la mairie")
        services.record_attendance(
            session, coordinator, item, [c.public_id for c in children[week : week + 2]], 2, 7 + week
        )
        item = services.add_session(session, referent, group, held_on, "Centre social, salle 2")
        services.record_attendance(session, referent, item, [c.public_id for c in children[:3]], 1, 0)
