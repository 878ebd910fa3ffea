"""Demo data for `parcours init --demo`: programme DEMO, one user per role, ~30 children.

Idempotent: a second run finds the programme and adds nothing. The random generator is seeded,
so every demo instance tells the same story.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.children.models import Parcours, ParcoursCode
from app.children.services import Guardian, Identity, create_child
from app.dates import DEFAULT_TIMEZONE
from app.db import db, new_public_id
from app.nomenclature import nomenclature
from app.users.models import Programme, User
from app.users.services import create_programme, create_user

DEMO_CODE = "DEMO"
DEMO_PASSWORD = "demo-parcours"  # noqa: S105 - demo instances only, printed on purpose
DEMO_USERS = [
    ("referent@demo.parcours", "Inès Moreau", "referent"),
    ("referent2@demo.parcours", "Karim Abdallah", "referent"),
    ("coordination@demo.parcours", "Claire Dupuis", "coordinateur"),
    ("eps@demo.parcours", "Dr Anli Madi", "eps"),
    ("admin@demo.parcours", "Service informatique", "admin"),
    ("reseau@demo.parcours", "Réseau départemental des PRE", "reseau"),
]

FAMILIES = [
    ("Martin", ["Léa", "Hugo"]),
    ("Ahamada", ["Fatima", "Nassim", "Zaïna"]),
    ("Bernard", ["Lucas"]),
    ("Saïd", ["Naël", "Inaya"]),
    ("Dubois", ["Chloé"]),
    ("Mohamed", ["Yanis", "Assia"]),
    ("Petit", ["Manon"]),
    ("Attoumani", ["Ibrahim", "Soifa"]),
    ("Robert", ["Enzo"]),
    ("Ali", ["Kamal", "Nour"]),
    ("Richard", ["Jade"]),
    ("Madi", ["Anissa", "Djamal"]),
    ("Durand", ["Louis"]),
    ("Combo", ["Rahma"]),
    ("Leroy", ["Emma", "Tom"]),
    ("Boina", ["Samir"]),
    ("N'Diaye", ["Aminata"]),
    ("Lefèvre", ["Noé"]),
    ("Soilihi", ["Maïssa", "Ousseni"]),
]
GUARDIAN_FIRST_NAMES = ["Sophie", "Mariama", "Nathalie", "Zalifa", "Julien", "Abdou", "Sandrine"]
STREETS = ["rue des Écoles", "allée des Manguiers", "rue du Commerce", "chemin de la Mairie", "impasse des Lilas"]


def create_demo(echo: Callable[[str], None] = print, timezone: str = DEFAULT_TIMEZONE) -> None:
    session = db.session
    if session.scalar(select(Programme).where(Programme.code == DEMO_CODE)) is None:
        programme = create_programme(session, DEMO_CODE, "PRE de démonstration", timezone=timezone)
        for email, name, role in DEMO_USERS:
            create_user(session, programme=programme, email=email, name=name, role=role, password=DEMO_PASSWORD)
        referents = [_by_email(session, "referent@demo.parcours"), _by_email(session, "referent2@demo.parcours")]
        _create_children(session, programme, referents)
        _create_documented_children(session)
        _create_seances(session)
        _create_exits(session)
        _create_collective_actions_and_programme_data(session)
        session.commit()
        echo("Données de démonstration créées (programme DEMO).")
    echo("Comptes de démonstration (mot de passe « demo-parcours ») :")
    for email, _name, role in DEMO_USERS:
        echo(f"  {email:<28} {role}")


def _create_documented_children(session: Session) -> None:
    """Children at every workflow step whose documents went through the real services (and seals)."""
    from app.documents.demo import create_documented_children
    from app.followup.demo import create_demo_actions

    referent = _by_email(session, "referent@demo.parcours")
    followed = create_documented_children(session, referent, _by_email(session, "coordination@demo.parcours"))
    create_demo_actions(session, referent, followed)


def _create_seances(session: Session) -> None:
    from app.eps.demo import create_demo_seances

    create_demo_seances(
        session, _by_email(session, "coordination@demo.parcours"), _by_email(session, "eps@demo.parcours")
    )


def _create_collective_actions_and_programme_data(session: Session) -> None:
    from app.collective.demo import create_demo_actions
    from app.programme_data.services import demo_year

    coordinator = _by_email(session, "coordination@demo.parcours")
    create_demo_actions(session, coordinator, _by_email(session, "referent@demo.parcours"))
    demo_year(session, coordinator)


def _create_exits(session: Session) -> None:
    from app.exits.demo import create_demo_exits

    create_demo_exits(
        session,
        _by_email(session, "coordination@demo.parcours"),
        _by_email(session, "referent@demo.parcours"),
        _by_email(session, "referent2@demo.parcours"),
    )


# The usual class at each age (French school system); younger children are not yet at school.
_CLASS_BY_AGE = ["NON_SCOLARISE"] * 3 + ["PS", "MS", "GS", "CP", "CE1", "CE2", "CM1", "CM2", "6E", "5E", "4E", "3E"]
_CLASS_BY_AGE += ["2NDE", "1RE", "TLE"]


def _niveau_at(age: int) -> str:
    return _CLASS_BY_AGE[min(max(age, 0), len(_CLASS_BY_AGE) - 1)]


def _rep(drawn: str, niveau: str) -> str:
    """A child out of school is not asked for REP (« sans objet »)."""
    return "sans_objet" if niveau == "NON_SCOLARISE" else drawn


def _by_email(session: Session, email: str) -> User:
    user = session.scalar(select(User).where(User.email == email))
    assert user is not None
    return user


def _create_children(session: Session, programme: Programme, referents: list[User]) -> None:
    rng = random.Random(2026)
    names = nomenclature()
    today = date.today()
    number = 0
    for family_number, (family_name, first_names) in enumerate(FAMILIES, start=1):
        guardian = Guardian(
            nom=family_name,
            prenom=rng.choice(GUARDIAN_FIRST_NAMES),
            lien="mère",
            telephone=f"06 39 {rng.randint(10, 99)} {rng.randint(10, 99)} {rng.randint(10, 99)}",
        )
        referent = referents[family_number % 2]
        for first_name in first_names:
            number += 1
            born = today - timedelta(days=rng.randint(3 * 365, 16 * 365))
            identity = Identity(
                nom=family_name,
                prenom=first_name,
                date_naissance=born,
                sexe=rng.choice("FM"),
                adresse=f"{rng.randint(1, 120)} {rng.choice(STREETS)}, 97600 Mamoudzou",
                ref_enfant=f"DEMO-{number:04d}",
                ref_famille=f"FAM-{family_number:03d}",
                responsables=[guardian],
            )
            oriented = today - timedelta(days=rng.randint(20, 600))
            child = create_child(
                session,
                programme_id=programme.id,
                identity=identity,
                referent_id=referent.id,
                actor_id=None,
                last_family_contact=today,
            )
            niveau = _niveau_at((oriented - born).days // 365)
            decision = rng.choice(["accepte", "accepte", "accepte", "en_attente", "refuse"])
            entree = oriented + timedelta(days=rng.randint(15, 45)) if decision == "accepte" else None
            if entree and entree > today:
                entree = today
            sortie = None
            if entree and (today - entree).days > 400:
                sortie = entree + timedelta(days=rng.randint(300, (today - entree).days))
            parcours = Parcours(
                public_id=new_public_id(),
                programme_id=programme.id,
                child_id=child.id,
                date_orientation=oriented,
                orienteur=rng.choice(names.codes("orienteur")),
                decision_eps=decision,
                date_decision=oriented + timedelta(days=14) if decision != "en_attente" else None,
                date_entree=entree,
                date_sortie=sortie,
                motif_sortie=rng.choice(names.codes("motif_sortie")) if sortie else None,
                niveau=niveau,
                cycle=names.cycle_of_niveau[niveau],
                qpv=rng.choice(["oui", "oui", "non"]),
                rep=_rep(rng.choice(names.codes("rep")[:3]), niveau),
                imported=True,  # recorded before Parcours: the paper orientation was complete
            )
            parcours.codes = [
                ParcoursCode(dimension="difficulte", code=c)
                for c in rng.sample(names.codes("difficulte"), rng.randint(1, 3))
            ]
            if entree:
                parcours.codes += [
                    ParcoursCode(dimension="action", code=c)
                    for c in rng.sample(names.codes("action"), rng.randint(1, 3))
                ]
            session.add(parcours)
    session.flush()
