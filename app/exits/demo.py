"""Demo data of issue 13 (exits, waiting list, scans): a perte-de-contact exit closed without the
family, an admitted child waiting for a référent, and a scan in a child's file."""

from __future__ import annotations

import io
from datetime import date, timedelta

from reportlab.pdfgen import canvas
from sqlalchemy.orm import Session

from app.children.models import Child, Parcours, ParcoursCode
from app.children.services import Guardian, Identity, create_child
from app.db import new_public_id
from app.exits import services
from app.parcours.services import record_decision
from app.scans import services as scans
from app.users.models import User


def _child(session: Session, coordinator: User, referent: User | None, nom: str, prenom: str, born: date) -> Child:
    identity = Identity(
        nom=nom,
        prenom=prenom,
        date_naissance=born,
        sexe="F" if prenom in ("Sitti", "Mariama") else "M",
        adresse="12 rue du Stade, 97600 Mamoudzou",
        responsables=[Guardian(nom=nom, prenom="Mariama", lien="mère", telephone="06 39 44 55 66")],
    )
    return create_child(
        session,
        programme_id=coordinator.programme_id,
        identity=identity,
        referent_id=referent.id if referent else None,
        actor_id=coordinator.id,
        last_family_contact=date.today() - timedelta(days=120),
    )


def _parcours(session: Session, child: Child, oriented: date) -> Parcours:
    parcours = Parcours(
        public_id=new_public_id(),
        programme_id=child.programme_id,
        child_id=child.id,
        date_orientation=oriented,
        orienteur="education_nationale",
        niveau="CM1",
        cycle="elementaire",
        qpv="oui",
        rep="rep_plus",
        imported=True,  # a complete paper orientation
    )
    parcours.codes = [ParcoursCode(dimension="difficulte", code="scolaire")]
    session.add(parcours)
    session.flush()
    return parcours


def _scan_pdf() -> bytes:
    buffer = io.BytesIO()
    page = canvas.Canvas(buffer)
    page.drawString(72, 760, "Bilan orthophonique (exemple de pièce numérisée)")
    page.drawString(72, 740, "Centre médico-psychologique de Mamoudzou")
    page.save()
    return buffer.getvalue()


def create_demo_exits(session: Session, coordinator: User, referent: User, other_referent: User) -> None:
    today = date.today()
    lost = _child(session, coordinator, referent, "Mroudjae", "Abdallah", date(2014, 6, 3))
    parcours = _parcours(session, lost, today - timedelta(days=320))
    record_decision(
        session,
        parcours,
        "accepte",
        today - timedelta(days=300),
        coordinator,
        referent_id=referent.id,
        date_entree=today - timedelta(days=290),
    )
    attempts = [
        services.Attempt(today - timedelta(days=75), "telephone", "messagerie pleine"),
        services.Attempt(today - timedelta(days=60), "courrier", "courrier sans réponse"),
        services.Attempt(today - timedelta(days=45), "visite_domicile", "logement vide selon les voisins"),
    ]
    services.close_without_family(
        session,
        coordinator,
        parcours,
        "perte_contact",
        today - timedelta(days=30),
        attempts,
        "Famille injoignable depuis le printemps ; l'école n'a plus de nouvelles.",
    )
    scans.upload(session, referent, lost, "bilan_partenaire", "bilan-orthophonie.pdf", _scan_pdf())

    # Followed, the family has just moved away: the coordinator may close it without them.
    moving = _child(session, coordinator, other_referent, "Faïd", "Ousseni", date(2012, 4, 17))
    followed = _parcours(session, moving, today - timedelta(days=230))
    record_decision(
        session,
        followed,
        "accepte",
        today - timedelta(days=215),
        coordinator,
        referent_id=other_referent.id,
        date_entree=today - timedelta(days=200),
    )

    waiting = _child(session, coordinator, None, "Hamada", "Sitti", date(2016, 11, 21))
    admitted = _parcours(session, waiting, today - timedelta(days=40))
    record_decision(session, admitted, "accepte", today - timedelta(days=18), coordinator, waiting_list=True)
    session.flush()
