"""Demo children whose documents went through the real services: one at each workflow step.

Every document below is entered, finalised (clear columns written, PDF sealed) and decided
exactly as a user would do it in the browser, so the demo shows what the app really produces.
"""

from __future__ import annotations

import base64
import math
import struct
import zlib
from datetime import date, timedelta
from typing import Any

from sqlalchemy.orm import Session

from app.children.models import Parcours
from app.documents import services
from app.formengine import form_set
from app.parcours.services import record_decision
from app.users.models import User


def signature_png(seed: int, width: int = 240, height: int = 80) -> str:
    """A hand-drawn-looking stroke on white, as the signature pad sends it (PNG data URL)."""
    ink = set()
    for x in range(10, width - 10):
        y = height / 2 + math.sin(x / (9 + seed)) * 18 + math.sin(x / 3.1) * 4
        for dy in (-1, 0, 1):
            ink.add((x, int(y) + dy))
    rows = bytearray()
    for y in range(height):
        rows.append(0)
        for x in range(width):
            rows.extend(b"\x1b\x1b\x1f" if (x, y) in ink else b"\xff\xff\xff")

    def chunk(kind: bytes, payload: bytes) -> bytes:
        crc = zlib.crc32(kind + payload) & 0xFFFFFFFF
        return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", crc)

    png = (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(bytes(rows), 9))
        + chunk(b"IEND", b"")
    )
    return "data:image/png;base64," + base64.b64encode(png).decode()


def _signed(name: str, seed: int) -> dict[str, str]:
    return {"image": signature_png(seed), "signer": name, "paper_date": ""}


def _orientation(nom: str, prenom: str, born: date, oriented: date, **extra: Any) -> dict[str, Any]:
    answers: dict[str, Any] = {
        "nom": nom,
        "prenom": prenom,
        "date_naissance": born.isoformat(),
        "sexe": extra.pop("sexe", "F"),
        "adresse": "8 rue du Stade, 97600 Mamoudzou",
        "qpv": "oui",
        "ref_famille": f"FAM-D{prenom[:3].upper()}",
        "responsables": [{"nom": nom, "prenom": "Zaharia", "lien": "mère", "autorite_parentale": "oui"}],
        "etablissement": "École élémentaire Les Hauts-Vallons",
        "rep": "rep_plus",
        "niveau": "CE2",
        "orienteur": "education_nationale",
        "structure": "École élémentaire Les Hauts-Vallons",
        "personne": "Mme Combo",
        "fonction": "Directrice",
        "date_orientation": oriented.isoformat(),
        "difficultes": ["scolaire", "familial_parentalite"],
        "faits_observes": "Arrive souvent en retard le matin ; ne rend pas les devoirs depuis la rentrée.",
        "mesures_existantes": "oui",
        "mesures_detail": "Aide personnalisée à l'école depuis septembre.",
        "famille_accord": "oui",
        "date_accord": oriented.isoformat(),
        "signature_parent": _signed(f"Zaharia {nom}", 1),
    }
    answers.update(extra)
    return answers


def _suivi(contract: date, nom: str, prenom: str, referent: User) -> dict[str, Any]:
    return {
        "date_contrat": contract.isoformat(),
        "objectifs": [{"objectif": "Rendre les devoirs chaque semaine"}, {"objectif": "Arriver à l'heure à l'école"}],
        "actions": [
            {
                "type": "accompagnement_scolaire",
                "intervenant": "CLAS du quartier",
                "debut": contract.isoformat(),
                "modalite": "collective",
            },
            {"type": "parentalite", "intervenant": "Maison des familles", "modalite": "individuelle"},
        ],
        "rencontres": [
            {
                "date": (contract + timedelta(days=20)).isoformat(),
                "faits": "Présent aux 6 séances du CLAS.",
                "appreciation": "Plus à l'aise avec le travail écrit.",
                "ajustement": "Ajouter une séance de lecture.",
            }
        ],
        "signature_parent": _signed(f"Zaharia {nom}", 2),
        "signature_enfant": _signed(f"{prenom} {nom}", 3),
        "signature_referent": _signed(referent.name, 4),
    }


def create_documented_children(session: Session, referent: User, coordinator: User) -> Parcours:
    """Four children: orientation draft, waiting for the EPS, accepted with a journal, ended and evaluated.

    Returns the followed child's parcours (the demo adds its actions)."""
    today = date.today()
    services.start_orientation(
        session, referent, _orientation("Houmadi", "Anaïs", date(2017, 5, 2), today - timedelta(days=2), niveau="CM1")
    )

    pending = services.start_orientation(
        session, referent, _orientation("Chanfi", "Ylan", date(2014, 2, 11), today - timedelta(days=10), sexe="M")
    )
    services.finalise(
        session,
        referent,
        pending,
        _orientation("Chanfi", "Ylan", date(2014, 2, 11), today - timedelta(days=10), sexe="M", niveau="6E"),
        pending.lock_version,
    )

    followed = _followed(session, referent, coordinator, today)
    _ended(session, referent, coordinator, today)
    session.flush()
    return followed


def _accept(
    session: Session, referent: User, coordinator: User, raw: dict[str, Any], entree: date
) -> services.Document:
    document = services.start_orientation(session, referent, raw)
    services.finalise(session, referent, document, raw, document.lock_version)
    record_decision(
        session, document.parcours, "accepte", entree, coordinator, referent_id=referent.id, date_entree=entree
    )
    return document


JOURNAL = [  # days after entry, type, participants, place, facts, assessment, adjustment
    (
        6,
        "entretien",
        "La mère, Naïma",
        "Bureau du PRE",
        "Naïma a rendu 2 devoirs sur 5 ce mois-ci.",
        "La mère se dit débordée le soir.",
        "Proposer l'accompagnement à la scolarité.",
    ),
    (
        20,
        "visite_domicile",
        "Les deux parents",
        "Domicile",
        "Pas de coin calme pour les devoirs.",
        "Famille très coopérante.",
        "Chercher une place au CLAS du quartier.",
    ),
    (
        34,
        "reunion_ecole",
        "L'enseignante, la mère",
        "École élémentaire",
        "Arrivées en retard 3 fois en 2 semaines.",
        "Progrès en lecture signalés.",
        "",
    ),
    (
        41,
        "synthese",
        "La référente",
        "Bureau du PRE",
        "Présente aux 6 séances du CLAS.",
        "Plus à l'aise avec le travail écrit.",
        "Ajouter une séance de lecture.",
    ),
]


def _followed(session: Session, referent: User, coordinator: User, today: date) -> Parcours:
    """Accepted, with a journal of several finalised entries and one entry still being written."""
    oriented = today - timedelta(days=60)
    entree = oriented + timedelta(days=14)
    raw = _orientation("Bacar", "Naïma", date(2016, 9, 23), oriented)
    parcours = _accept(session, referent, coordinator, raw, entree).parcours
    for days, kind, participants, place, facts, assessment, adjustment in JOURNAL:
        entry = services.start_document(session, referent, parcours, "suivi")
        answers = {"date": (entree + timedelta(days=days)).isoformat(), "type": kind, "participants": participants}
        answers |= {"lieu": place, "faits": facts, "appreciation": assessment, "ajustement": adjustment}
        services.finalise(session, referent, entry, answers, entry.lock_version)
    draft = services.start_document(session, referent, parcours, "suivi")
    services.save_draft(
        session, referent, draft, {"type": "entretien", "faits": "Appel de la mère :"}, draft.lock_version
    )
    return parcours


def _ended(session: Session, referent: User, coordinator: User, today: date) -> None:
    oriented = today - timedelta(days=420)
    entree = oriented + timedelta(days=21)
    raw = _orientation("Mari", "Soulaïmane", date(2013, 1, 8), oriented, sexe="M", niveau="CM2")
    orientation = _accept(session, referent, coordinator, raw, entree)
    parcours = orientation.parcours
    # Followed before the journal existed: a fiche de suivi of version 1 (contract and meetings in one).
    suivi = services._new_document(session, referent, parcours, form_set().get("suivi", 1), {})
    services.finalise(
        session, referent, suivi, _suivi(entree + timedelta(days=7), "Mari", "Soulaïmane", referent), suivi.lock_version
    )
    fin = services.start_document(session, coordinator, parcours, "fin_prise_en_charge")
    fin_answers = {
        "date_entree": entree.isoformat(),
        "date_sortie": today.isoformat(),
        "motif_sortie": "objectifs_atteints",
        "suite": "Inscrit à l'accompagnement à la scolarité du centre social, sans le PRE.",
        "signature_coordination": _signed(coordinator.name, 5),
        "signature_parent": {"image": "", "signer": "", "paper_date": today.isoformat()},
    }
    services.finalise(session, coordinator, fin, fin_answers, fin.lock_version)
    sortie = services.start_document(session, referent, parcours, "sortie_evaluation")
    evaluations = [
        {
            "objectif": row["objectif"],
            "progression": progression,
            "avis_famille": "Il aime y aller maintenant.",
            "avis_professionnels": "Progrès réguliers, à consolider au collège.",
        }
        for row, progression in zip(services.read_answers(sortie)["evaluations"], ("nette", "atteint"), strict=False)
    ]
    sortie_answers = {
        "evaluations": evaluations,
        "orientation_suite": "droit_commun",
        "commentaire": "Parcours mené à son terme avec la famille.",
    }
    services.finalise(session, referent, sortie, sortie_answers, sortie.lock_version)
