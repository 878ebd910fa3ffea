"""Demo actions of a followed child: one in each state, through the real service (encrypted details)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.orm import Session

from app.children.models import Parcours
from app.followup.services import ActionValues, save_action
from app.users.models import User


def create_demo_actions(session: Session, referent: User, parcours: Parcours) -> None:
    assert parcours.date_entree is not None
    start = parcours.date_entree
    actions = [
        ActionValues(
            "accompagnement_scolaire",
            "en_cours",
            "collective",
            start + timedelta(days=21),
            None,
            "CLAS du quartier",
            "",
            "Ville",
        ),
        ActionValues(
            "sante_soins",
            "terminee",
            "individuelle",
            start + timedelta(days=7),
            start + timedelta(days=35),
            "Bilan orthophonique, CMP",
            "",
            "",
        ),
        ActionValues("culture_loisirs_sport", "proposee", "collective", None, None, "Club de football", "", ""),
        ActionValues(
            "vacances_sejours", "en_attente", "individuelle", None, None, "Séjour d'été, centre social", "150.00", "CAF"
        ),
        ActionValues(
            "parentalite",
            "abandonnee",
            "collective",
            start + timedelta(days=10),
            start + timedelta(days=24),
            "Maison des familles",
            "",
            "",
        ),
    ]
    for values in actions:
        save_action(session, referent, parcours, values)
