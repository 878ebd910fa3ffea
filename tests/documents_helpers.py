"""Shared builders for the document tests: complete answers of each form, a real PNG signature."""

from __future__ import annotations

import base64
import struct
import zlib
from typing import Any


def png_data_url(width: int = 8, height: int = 4) -> str:
    """A genuine (white, 8-bit RGB) PNG as a data URL, like the signature pad sends."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    rows = b"".join(b"\x00" + b"\xff\xff\xff" * width for _ in range(height))
    png = (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )
    return "data:image/png;base64," + base64.b64encode(png).decode()


SIGNED = {"image": png_data_url(), "signer": "Sophie Zidane", "paper_date": ""}
ON_PAPER = {"image": "", "signer": "", "paper_date": "2025-10-02"}


def orientation(**overrides: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "nom": "Zidane",
        "prenom": "Lina",
        "date_naissance": "2016-04-02",
        "sexe": "F",
        "adresse": "12 rue des Manguiers, 97600 Mamoudzou",
        "qpv": "oui",
        "ref_famille": "FAM-77",
        "responsables": [{"nom": "Zidane", "prenom": "Sophie", "lien": "mère", "autorite_parentale": "oui"}],
        "etablissement": "École des Palmiers",
        "rep": "rep_plus",
        "niveau": "CE2",
        "orienteur": "education_nationale",
        "structure": "École des Palmiers",
        "date_orientation": "2025-10-01",
        "difficultes": ["scolaire", "langage"],
        "faits_observes": "Absences répétées le lundi.",
        "mesures_existantes": "non",
        "famille_accord": "oui",
        "date_accord": "2025-09-30",
        "signature_parent": SIGNED,
    }
    values.update(overrides)
    return values


def suivi(**overrides: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "date_contrat": "2025-11-05",
        "objectifs": [{"objectif": "Retrouver le goût de la lecture"}, {"objectif": "Venir à l'école le lundi"}],
        "actions": [
            {"type": "accompagnement_scolaire", "intervenant": "CLAS", "modalite": "collective"},
            {"type": "parentalite", "modalite": "individuelle"},
        ],
        "rencontres": [{"date": "2025-12-10", "faits": "Présente 4 lundis sur 4.", "appreciation": "Progrès."}],
        "signature_parent": SIGNED,
        "signature_referent": ON_PAPER,
    }
    values.update(overrides)
    return values


def fin(**overrides: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "date_entree": "2025-10-20",
        "date_sortie": "2026-01-15",
        "motif_sortie": "objectifs_atteints",
        "suite": "Accueil au centre social le mercredi.",
        "signature_coordination": ON_PAPER,
        "signature_parent": SIGNED,
    }
    values.update(overrides)
    return values


def sortie(**overrides: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "evaluations": [
            {"objectif": "Lecture", "progression": "atteint", "avis_famille": "Contente.", "avis_professionnels": "Oui"}
        ],
        "orientation_suite": "droit_commun",
        "commentaire": "Bon parcours.",
    }
    values.update(overrides)
    return values


PAPER_SIGNED = {"image": "", "signer": "Marc Coordo", "paper_date": "2025-10-22"}


def contrat(**overrides: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "representants": [{"nom": "Zidane", "prenom": "Sophie", "lien": "mère"}],
        "referent": "Rania Référente",
        "coordination": "Marc Coordo",
        "engagement_famille": "Venir aux rendez-vous.",
        "engagement_pre": "Trouver une aide aux devoirs.",
        "objectifs": [{"objectif": "Retrouver le goût de la lecture"}, {"objectif": "Venir à l'école le lundi"}],
        "date_debut": "2025-10-22",
        "date_fin_prevue": "2026-10-21",
        "date_revision": "2026-04-22",
        "signature_parent": {"image": "", "signer": "Sophie Zidane", "paper_date": "2025-10-21"},
        "signature_referent": {"image": "", "signer": "Rania Référente", "paper_date": "2025-10-20"},
        "signature_coordination": PAPER_SIGNED,
    }
    values.update(overrides)
    return values


def avenant(**overrides: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "changements": "Ajout d'un objectif de langage.",
        "objectifs": [{"objectif": "Parler en classe"}],
        "date_fin_prevue": "2027-01-31",
        "signature_parent": SIGNED,
        "signature_referent": SIGNED,
        "signature_coordination": PAPER_SIGNED,
    }
    values.update(overrides)
    return values


def as_formdata(raw: dict[str, Any]) -> list[tuple[str, str]]:
    """The browser's encoding of `raw`: `group-0-field`, `signature-image`, repeated checkbox names."""
    pairs: list[tuple[str, str]] = []

    def add(name: str, value: Any) -> None:
        if isinstance(value, dict):
            for part, inner in value.items():
                pairs.append((f"{name}-{part}", inner))
        elif isinstance(value, list):
            pairs.extend((name, v) for v in value)
        else:
            pairs.append((name, value))

    for name, value in raw.items():
        if isinstance(value, list) and value and isinstance(value[0], dict):
            for index, row in enumerate(value):
                for sub, inner in row.items():
                    add(f"{name}-{index}-{sub}", inner)
        else:
            add(name, value)
    return pairs


def start_suivi_v1(session: Any, actor: Any, parcours: Any) -> Any:
    """A draft fiche de suivi of version 1 (contract and meetings in one document), as filled before the
    journal: such documents keep their version, render, export and count."""
    from app.documents import services
    from app.formengine import form_set

    return services._new_document(session, actor, parcours, form_set().get("suivi", 1), {})
