"""Builders of test data. Passwords are hashed once per run (Argon2id is slow on purpose)."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from typing import Any

from sqlalchemy.orm import Session

from app.auth import totp
from app.children.models import Child, Parcours, ParcoursCode
from app.children.services import Guardian, Identity, create_child
from app.children.vault import cipher_for
from app.crypto.current import keyring
from app.db import new_public_id, utcnow
from app.documents.models import FINAL, Document, DocumentContent
from app.users.models import Programme, User
from app.users.passwords import hash_password
from app.users.services import create_programme

PASSWORD = "correct horse battery staple"
_numbers = itertools.count(1)


@cache
def _password_hash() -> str:
    return hash_password(PASSWORD)


def make_programme(session: Session, code: str | None = None) -> Programme:
    return create_programme(session, code or f"PRE{next(_numbers)}", "PRE de test")


# Seeds of the TOTP second factor of test accounts, by e-mail (tests compute codes from them).
TOTP_SEEDS: dict[str, str] = {}


def make_user(session: Session, programme: Programme, role: str, email: str | None = None) -> User:
    """An active account; admins and coordinators come with a confirmed TOTP second factor."""
    user = User(
        programme_id=programme.id,
        email=email or f"{role}{next(_numbers)}@test.parcours",
        name=f"{role.title()} {next(_numbers)}",
        role=role,
        password_hash=_password_hash(),
        active=True,
    )
    session.add(user)
    session.flush()
    if role in ("admin", "coordinateur"):
        TOTP_SEEDS[user.email] = totp.start_enrolment(user, keyring())
        user.totp_confirmed = True
        session.flush()
    return user


def make_identity(**overrides: object) -> Identity:
    values: dict[str, object] = {
        "nom": "Martin",
        "prenom": "Léa",
        "date_naissance": date(2015, 3, 14),
        "sexe": "F",
        "adresse": "3 rue des Écoles, 97600 Mamoudzou",
        "ref_enfant": f"REF-{next(_numbers)}",
        "ref_famille": "",
        "responsables": [Guardian(nom="Martin", prenom="Sophie", lien="mère", telephone="0639000000")],
    }
    values.update(overrides)
    return Identity(**values)  # type: ignore[arg-type]


def make_child(session: Session, programme: Programme, referent: User | None = None, **identity: object) -> Child:
    return create_child(
        session,
        programme_id=programme.id,
        identity=make_identity(**identity),
        referent_id=referent.id if referent else None,
        actor_id=None,
        last_family_contact=date.today(),
    )


def make_parcours(session: Session, child: Child, **values: object) -> Parcours:
    """A parcours; without its orientation document it stands for an imported (paper, finalised)
    orientation unless `imported=False` is given."""
    values.setdefault("imported", True)
    difficultes = values.pop("difficultes", ["scolaire"])
    actions = values.pop("actions", [])
    fields: dict[str, object] = {
        "date_orientation": date(2025, 9, 15),
        "orienteur": "education_nationale",
        "decision_eps": "en_attente",
    }
    fields.update(values)
    parcours = Parcours(public_id=new_public_id(), programme_id=child.programme_id, child_id=child.id, **fields)
    parcours.codes = [ParcoursCode(dimension="difficulte", code=c) for c in difficultes] + [  # type: ignore[attr-defined]
        ParcoursCode(dimension="action", code=c)
        for c in actions  # type: ignore[attr-defined]
    ]
    session.add(parcours)
    session.flush()
    return parcours


def make_document(
    session: Session,
    parcours: Parcours,
    *,
    form_id: str = "orientation",
    status: str = FINAL,
    answers: dict[str, Any] | None = None,
    at: datetime | None = None,
    public_id: str | None = None,
) -> Document:
    """A stored document of `parcours` (form version 1) with answers encrypted with the child's key."""
    at = at or utcnow()
    document = Document(
        public_id=public_id or new_public_id(),
        programme_id=parcours.programme_id,
        child_id=parcours.child_id,
        parcours_id=parcours.id,
        form_id=form_id,
        form_version=1,
        form_hash="0" * 64,
        status=status,
        created_at=at,
        updated_at=at,
        finalised_at=at if status == FINAL else None,
    )
    session.add(document)
    session.flush()
    sealed = cipher_for(parcours.child).encrypt_json("document_contents", document.id, "answers", answers or {})
    document.content = DocumentContent(document_id=document.id, answers=sealed)
    session.flush()
    return document


@dataclass
class World:
    programme: Programme
    coordinateur: User
    referent: User
    other_referent: User
    eps: User
    admin: User
    reseau: User
    child: Child  # in `referent`'s caseload
    other_child: Child  # in `other_referent`'s caseload
    foreign_programme: Programme
    foreign_coordinateur: User
    foreign_child: Child

    def users(self) -> dict[str, User]:
        return {
            "referent": self.referent,
            "coordinateur": self.coordinateur,
            "eps": self.eps,
            "admin": self.admin,
            "reseau": self.reseau,
        }


def make_world(session: Session) -> World:
    programme = make_programme(session)
    referent = make_user(session, programme, "referent")
    other_referent = make_user(session, programme, "referent")
    child = make_child(session, programme, referent, nom="Ahamada", prenom="Fatima")
    other_child = make_child(session, programme, other_referent, nom="Bernard", prenom="Lucas")
    make_parcours(session, child)
    make_parcours(session, other_child)
    foreign = make_programme(session)
    foreign_coordinateur = make_user(session, foreign, "coordinateur")
    foreign_child = make_child(session, foreign, None, nom="Durand", prenom="Louis")
    make_parcours(session, foreign_child)
    return World(
        programme=programme,
        coordinateur=make_user(session, programme, "coordinateur"),
        referent=referent,
        other_referent=other_referent,
        eps=make_user(session, programme, "eps"),
        admin=make_user(session, programme, "admin"),
        reseau=make_user(session, programme, "reseau"),
        child=child,
        other_child=other_child,
        foreign_programme=foreign,
        foreign_coordinateur=foreign_coordinateur,
        foreign_child=foreign_child,
    )
