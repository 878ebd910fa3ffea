"""Creating children, reading their identity, and finding them by name."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from app.audit import services as audit
from app.children.models import Child, ChildIdentity, ChildSearchIndex
from app.children.queries import visible_to
from app.children.vault import blind_index, cipher_for, give_new_key
from app.users.models import User

PSEUDONYM_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
IDENTITY_TABLE = "child_identities"


@dataclass
class Guardian:
    nom: str
    prenom: str
    lien: str = ""
    telephone: str = ""
    autorite_parentale: bool = True


@dataclass
class Identity:
    """A child's identifying values, in clear, only ever held in memory."""

    nom: str
    prenom: str
    date_naissance: date
    sexe: str
    adresse: str = ""
    ref_enfant: str = ""
    ref_famille: str = ""
    responsables: list[Guardian] = field(default_factory=list)


def new_public_id() -> str:
    return secrets.token_urlsafe(12)


def new_pseudonym() -> str:
    return "E-" + "".join(secrets.choice(PSEUDONYM_ALPHABET) for _ in range(4))


def family_digest(ref_famille: str) -> str:
    return blind_index().digest("ref_famille", ref_famille)


def ref_digest(ref_enfant: str) -> str:
    return blind_index().digest("ref_enfant", ref_enfant)


def _search_digests(identity: Identity) -> set[str]:
    index = blind_index()
    born = identity.date_naissance.isoformat()
    return {
        index.digest("nom", identity.nom),
        index.digest("prenom_nom", identity.prenom, identity.nom),
        index.digest("identite", identity.nom, identity.prenom, born),
    }


def create_child(
    session: Session,
    *,
    programme_id: int,
    identity: Identity,
    referent_id: int | None,
    actor_id: int | None,
    last_contact: date,
    imported: bool = False,
) -> Child:
    """Create a child with its own data key, encrypted identity and search digests."""
    taken = set(session.scalars(select(Child.pseudonym).where(Child.programme_id == programme_id)))
    pseudonym = new_pseudonym()
    while pseudonym in taken:
        pseudonym = new_pseudonym()
    child = Child(
        public_id=new_public_id(),
        programme_id=programme_id,
        referent_id=referent_id,
        pseudonym=pseudonym,
        sexe=identity.sexe,
        annee_naissance=identity.date_naissance.year,
        famille_digest=family_digest(identity.ref_famille) if identity.ref_famille else None,
        ref_digest=ref_digest(identity.ref_enfant) if identity.ref_enfant else None,
        last_contact=last_contact,
        imported=imported,
        kek_version=0,
    )
    session.add(child)
    session.flush()
    give_new_key(child)
    write_identity(session, child, identity)
    audit.record(
        session,
        "child.create",
        actor_id=actor_id,
        programme_id=programme_id,
        target_type="children",
        target_id=child.public_id,
    )
    return child


def write_identity(session: Session, child: Child, identity: Identity) -> None:
    """Encrypt the identity into the child's row and refresh its search digests."""
    cipher = cipher_for(child)

    def seal(name: str, value: str) -> bytes:
        return cipher.encrypt_text(IDENTITY_TABLE, child.id, name, value)

    row = child.identity or ChildIdentity(child_id=child.id)
    row.nom = seal("nom", identity.nom)
    row.prenom = seal("prenom", identity.prenom)
    row.date_naissance = seal("date_naissance", identity.date_naissance.isoformat())
    row.adresse = seal("adresse", identity.adresse)
    row.ref_enfant = seal("ref_enfant", identity.ref_enfant)
    row.ref_famille = seal("ref_famille", identity.ref_famille)
    row.responsables = cipher.encrypt_json(
        IDENTITY_TABLE, child.id, "responsables", [vars(g) for g in identity.responsables]
    )
    child.identity = row
    child.sexe = identity.sexe
    child.annee_naissance = identity.date_naissance.year
    child.famille_digest = family_digest(identity.ref_famille) if identity.ref_famille else None
    session.execute(delete(ChildSearchIndex).where(ChildSearchIndex.child_id == child.id))
    session.add_all(
        ChildSearchIndex(programme_id=child.programme_id, child_id=child.id, digest=d)
        for d in _search_digests(identity)
    )
    session.flush()


def read_identity(child: Child) -> Identity:
    cipher = cipher_for(child)
    row = child.identity

    def open_(name: str) -> str:
        value: bytes | None = getattr(row, name)
        return cipher.decrypt_text(IDENTITY_TABLE, child.id, name, value) if value else ""

    guardians = (
        cipher.decrypt_json(IDENTITY_TABLE, child.id, "responsables", row.responsables) if row.responsables else []
    )
    return Identity(
        nom=open_("nom"),
        prenom=open_("prenom"),
        date_naissance=date.fromisoformat(open_("date_naissance")),
        sexe=child.sexe,
        adresse=open_("adresse"),
        ref_enfant=open_("ref_enfant"),
        ref_famille=open_("ref_famille"),
        responsables=[Guardian(**g) for g in guardians],
    )


def search(session: Session, user: User, text: str) -> list[Child]:
    """Children visible to `user` matching a last name, "prénom nom" (either order), or
    "nom prénom JJ/MM/AAAA"; exact matches on the normalised names only."""
    words = text.split()
    if not words:
        return []
    index = blind_index()
    digests = {index.digest("nom", text)}
    for cut in range(1, len(words)):
        first, second = " ".join(words[:cut]), " ".join(words[cut:])
        digests.add(index.digest("prenom_nom", first, second))
        digests.add(index.digest("prenom_nom", second, first))
    matching = select(ChildSearchIndex.child_id).where(
        ChildSearchIndex.programme_id == user.programme_id, ChildSearchIndex.digest.in_(digests)
    )
    return list(session.scalars(visible_to(user).where(Child.id.in_(matching))))
