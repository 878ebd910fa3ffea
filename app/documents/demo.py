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


def _bilan(day: date) -> dict[str, Any]:
    """A journal entry: the synthèse before the exit."""
    return {
        "date": day.isoformat(),
        "type": "synthese",
        "participants": "La famille, la référente",
        "lieu": "Bureau du PRE",
        "faits": "Présent aux 6 séances du CLAS.",
        "appreciation": "Plus à l'aise avec le travail écrit.",
        "ajustement": "Préparer le relais vers le centre social.",
    }


def _paper(name: str, day: date) -> dict[str, str]:
    return {"image": "", "signer": name, "paper_date": day.isoformat()}


def _contrat(signed: date, nom: str, prenom: str, referent: User, coordinator: User) -> dict[str, Any]:
    """A contract signed on paper by the family on `signed` (the parcours' entry date)."""
    return {
        "representants": [{"nom": nom, "prenom": "Zaharia", "lien": "mère"}],
        "referent": referent.name,
        "coordination": coordinator.name,
        "engagement_enfant": "Venir aux séances du CLAS et apporter ses cahiers.",
        "engagement_famille": "Venir aux rendez-vous de suivi ; prévenir en cas d'absence.",
        "engagement_pre": "Trouver une place au CLAS ; rencontrer l'école avec la famille.",
        "objectifs": [{"objectif": "Rendre les devoirs chaque semaine"}, {"objectif": "Arriver à l'heure à l'école"}],
        "date_debut": signed.isoformat(),
        "date_fin_prevue": (signed + timedelta(days=365)).isoformat(),
        "date_revision": (signed + timedelta(days=182)).isoformat(),
        "signature_parent": _paper(f"Zaharia {nom}", signed),
        "signature_enfant": _paper(f"{prenom} {nom}", signed),
        "signature_referent": _paper(referent.name, signed - timedelta(days=1)),
        "signature_coordination": _paper(coordinator.name, signed - timedelta(days=1)),
    }


def _sign_contract(
    session: Session, referent: User, coordinator: User, parcours: Parcours, signed: date, nom: str, prenom: str
) -> services.Document:
    contract = services.start_document(session, referent, parcours, "contrat")
    answers = _contrat(signed, nom, prenom, referent, coordinator)
    return services.finalise(session, referent, contract, answers, contract.lock_version)


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
    record_decision(session, document.parcours, "accepte", entree, coordinator, referent_id=referent.id)
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
    _sign_contract(session, referent, coordinator, parcours, oriented + timedelta(days=20), "Bacar", "Naïma")
    for days, kind, participants, place, facts, assessment, adjustment in JOURNAL:
        entry = services.start_document(session, referent, parcours, "suivi")
        answers = {"date": (entree + timedelta(days=days)).isoformat(), "type": kind, "participants": participants}
        answers |= {"lieu": place, "faits": facts, "appreciation": assessment, "ajustement": adjustment}
        services.finalise(session, referent, entry, answers, entry.lock_version)
    # An avenant signed on screen today: one more objective and a later review.
    avenant = services.start_document(session, referent, parcours, "avenant")
    avenant_answers = {
        "changements": "La famille demande un soutien en lecture ; le point d'étape est repoussé d'un mois.",
        "objectifs": [{"objectif": "Lire un livre par mois avec un adulte"}],
        "date_revision": (oriented + timedelta(days=20 + 212)).isoformat(),
        "signature_parent": _signed("Zaharia Bacar", 6),
        "signature_enfant": _signed("Naïma Bacar", 7),
        "signature_referent": _signed(referent.name, 8),
        "signature_coordination": _signed(coordinator.name, 9),
    }
    services.finalise(session, referent, avenant, avenant_answers, avenant.lock_version)
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
    _sign_contract(session, referent, coordinator, parcours, entree, "Mari", "Soulaïmane")
    entry = services.start_document(session, referent, parcours, "suivi")
    services.finalise(session, referent, entry, _bilan(entree + timedelta(days=60)), entry.lock_version)
    fin = services.start_document(session, coordinator, parcours, "fin_prise_en_charge")
    fin_answers = {
        "date_sortie": today.isoformat(),
        "motif_sortie": "objectifs_atteints",
        "signature_coordination": _signed(coordinator.name, 5),
        "signature_parent": _paper("Zaharia Mari", today),
    }
    services.finalise(session, coordinator, fin, fin_answers, fin.lock_version)
    sortie = services.start_document(session, referent, parcours, "sortie_evaluation")
    levels = ("en_partie", "atteint")
    evaluations = [
        {
            "objectif": row["objectif"],
            "progression": progression,
            "avis_famille": "Il aime y aller maintenant.",
            "avis_professionnels": "Progrès réguliers, à consolider au collège.",
        }
        for row, progression in zip(services.read_answers(sortie)["evaluations"], levels, strict=False)
    ]
    sortie_answers = {
        "evaluations": evaluations,
        "orientation_suite": "droit_commun",
        "orientation_precision": "",
        "commentaire": "Parcours mené à son terme avec la famille ; inscrit au CLAS du centre social.",
    }
    services.finalise(session, referent, sortie, sortie_answers, sortie.lock_version)
