"""Creating children, reading their identity, and finding them by name."""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, cast

from sqlalchemy import Table, bindparam, delete, select
from sqlalchemy.orm import Session, joinedload, selectinload

from app.audit import services as audit
from app.authz.caseload import holds_caseload
from app.authz.permissions import Permission
from app.authz.policy import policy
from app.bulk import allocate_ids, insert_rows
from app.children.models import Child, ChildIdentity, ChildSearchIndex
from app.children.queries import matching_children, visible_to
from app.children.vault import blind_index, cipher_for, give_new_key
from app.children.vault import forget_blind_indexes as forget_blind_indexes  # re-exported for the re-index
from app.crypto import ChildCipher, new_data_key
from app.crypto.current import keyring
from app.db import db, new_public_id, utcnow
from app.users.models import User

CHILDREN = cast(Table, Child.__table__)
IDENTITIES = cast(Table, ChildIdentity.__table__)
SEARCH_INDEX = cast(Table, ChildSearchIndex.__table__)
PSEUDONYM_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
# Exits that the coordinator closes without a family signature: their date is no contact with the family.
EXITS_WITHOUT_FAMILY = frozenset({"perte_contact", "demenagement", "refus_retrait_famille"})
IDENTITY_TABLE = "child_identities"

log = logging.getLogger(__name__)


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


@dataclass(frozen=True)
class Names:
    """What a list of children shows of each: only these fields are decrypted for it."""

    nom: str
    prenom: str
    date_naissance: date


def new_pseudonym() -> str:
    return "E-" + "".join(secrets.choice(PSEUDONYM_ALPHABET) for _ in range(4))


def family_digest(programme_id: int, ref_famille: str) -> str:
    return blind_index(programme_id).digest("ref_famille", ref_famille)


def ref_digest(programme_id: int, ref_enfant: str) -> str:
    return blind_index(programme_id).digest("ref_enfant", ref_enfant)


def search_digests(programme_id: int, identity: Identity) -> set[str]:
    """Blind-index digests under which `search` finds this identity."""
    index = blind_index(programme_id)
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
    last_family_contact: date,
    imported: bool = False,
    taken_pseudonyms: set[str] | None = None,
) -> Child:
    """Create a child with its own data key, encrypted identity and search digests.

    `taken_pseudonyms` (the programme's pseudonyms, updated here) spares a query per child
    when creating many."""
    if taken_pseudonyms is None:
        taken_pseudonyms = taken_pseudonyms_of(session, programme_id)
    pseudonym = unused_pseudonym(taken_pseudonyms)
    child = Child(
        public_id=new_public_id(),
        programme_id=programme_id,
        referent_id=referent_id,
        pseudonym=pseudonym,
        sexe=identity.sexe,
        annee_naissance=identity.date_naissance.year,
        famille_digest=family_digest(programme_id, identity.ref_famille) if identity.ref_famille else None,
        ref_digest=ref_digest(programme_id, identity.ref_enfant) if identity.ref_enfant else None,
        last_family_contact=last_family_contact,
        imported=imported,
        kek_version=0,
    )
    session.add(child)
    session.flush()
    give_new_key(child)
    write_identity(session, child, identity)
    audit.record_for(session, "child.create", child, actor_id=actor_id)
    return child


def record_family_contact(child: Child, day: date) -> None:
    """Move the child's last contact with the family forward to `day` (never past today)."""
    day = min(day, date.today())
    if child.last_family_contact is None or day > child.last_family_contact:
        child.last_family_contact = day


def family_dates_of_parcours(
    date_orientation: date, date_entree: date | None, date_sortie: date | None, motif_sortie: str | None
) -> list[date]:
    """Dates of a parcours that were contacts with the family: the orientation (made with their
    agreement), the contract (signed by them) and an exit they signed."""
    dates = [date_orientation, *([date_entree] if date_entree else [])]
    if date_sortie and motif_sortie not in EXITS_WITHOUT_FAMILY:
        dates.append(date_sortie)
    return dates


# Built once: every page of a child runs it.
CHILD_BY_PUBLIC_ID = (
    select(Child)
    .options(joinedload(Child.identity), selectinload(Child.parcours))
    .where(Child.public_id == bindparam("public_id"))
)


def load_child(child_id: str) -> Child | None:
    """The child with this public id, whoever may see it (the caller authorises).

    Its identity and parcours come in one round trip each: the pages that show a child need them.
    """
    return db.session.scalar(CHILD_BY_PUBLIC_ID, {"public_id": child_id})


def taken_pseudonyms_of(session: Session, programme_id: int) -> set[str]:
    return set(session.scalars(select(Child.pseudonym).where(Child.programme_id == programme_id)))


def unused_pseudonym(taken: set[str]) -> str:
    """A new pseudonym not in `taken`, which is updated."""
    pseudonym = new_pseudonym()
    while pseudonym in taken:
        pseudonym = new_pseudonym()
    taken.add(pseudonym)
    return pseudonym


def sealed_identity(cipher: ChildCipher, child_id: int, identity: Identity, write: int) -> dict[str, bytes]:
    """The encrypted columns of `child_identities` for this identity, as the row's `write`-th write."""

    def seal(name: str, value: str) -> bytes:
        return cipher.encrypt_text(IDENTITY_TABLE, child_id, name, value, write=write)

    return {
        "nom": seal("nom", identity.nom),
        "prenom": seal("prenom", identity.prenom),
        "date_naissance": seal("date_naissance", identity.date_naissance.isoformat()),
        "adresse": seal("adresse", identity.adresse),
        "ref_enfant": seal("ref_enfant", identity.ref_enfant),
        "ref_famille": seal("ref_famille", identity.ref_famille),
        "responsables": cipher.encrypt_json(
            IDENTITY_TABLE, child_id, "responsables", [vars(g) for g in identity.responsables], write=write
        ),
    }


@dataclass
class NewChild:
    identity: Identity
    referent_id: int | None
    last_family_contact: date


@dataclass
class CreatedChild:
    id: int
    public_id: str
    cipher: ChildCipher


def create_children(
    session: Session,
    *,
    programme_id: int,
    children: Sequence[NewChild],
    actor_id: int | None,
    imported: bool = False,
    taken_pseudonyms: set[str] | None = None,
) -> list[CreatedChild]:
    """Create many children at once (bulk inserts, one audit `child.create` each), in order.

    Same result as `create_child` for each, without a query or flush per child."""
    if not children:
        return []
    taken = taken_pseudonyms_of(session, programme_id) if taken_pseudonyms is None else taken_pseudonyms
    ids = allocate_ids(session, CHILDREN, len(children))
    ring, now = keyring(), utcnow()
    keys: list[bytes] = []
    rows: list[dict[str, Any]] = []
    for child_id, new in zip(ids, children, strict=True):
        data_key = new_data_key()
        wrapped, kek_version = ring.wrap(data_key)
        keys.append(data_key)
        ref, famille = new.identity.ref_enfant, new.identity.ref_famille
        rows.append(
            {
                "id": child_id,
                "public_id": new_public_id(),
                "programme_id": programme_id,
                "referent_id": new.referent_id,
                "pseudonym": unused_pseudonym(taken),
                "sexe": new.identity.sexe,
                "annee_naissance": new.identity.date_naissance.year,
                "famille_digest": family_digest(programme_id, famille) if famille else None,
                "ref_digest": ref_digest(programme_id, ref) if ref else None,
                "wrapped_key": wrapped,
                "kek_version": kek_version,
                "key_version": 1,
                "last_family_contact": new.last_family_contact,
                "imported": imported,
                "created_at": now,
            }
        )
    insert_rows(session, CHILDREN, rows)
    created = [CreatedChild(i, row["public_id"], ChildCipher(k, 1)) for i, row, k in zip(ids, rows, keys, strict=True)]
    identities: list[dict[str, Any]] = []
    digests: list[dict[str, Any]] = []
    for child, new in zip(created, children, strict=True):
        sealed = sealed_identity(child.cipher, child.id, new.identity, 1)
        identities.append({"child_id": child.id, "write_count": 1, **sealed})
        digests.extend(
            {"programme_id": programme_id, "child_id": child.id, "digest": d}
            for d in search_digests(programme_id, new.identity)
        )
    insert_rows(session, IDENTITIES, identities)
    insert_rows(session, SEARCH_INDEX, digests)
    audit.record_many(session, "child.create", actor_id, programme_id, "children", [c.public_id for c in created])
    return created


def write_identity(session: Session, child: Child, identity: Identity) -> None:
    """Encrypt the identity into the child's row and refresh its search digests."""
    row = child.identity or ChildIdentity(child_id=child.id, write_count=0)
    row.write_count = (row.write_count or 0) + 1
    for name, value in sealed_identity(cipher_for(child), child.id, identity, row.write_count).items():
        setattr(row, name, value)
    child.identity = row
    child.sexe = identity.sexe
    child.annee_naissance = identity.date_naissance.year
    famille = identity.ref_famille
    child.famille_digest = family_digest(child.programme_id, famille) if famille else None
    session.execute(delete(ChildSearchIndex).where(ChildSearchIndex.child_id == child.id))
    session.add_all(
        ChildSearchIndex(programme_id=child.programme_id, child_id=child.id, digest=d)
        for d in search_digests(child.programme_id, identity)
    )
    session.flush()


def _openers(child: Child) -> tuple[Callable[[str], str], Callable[[str], Any]]:
    """Decrypt one field of the child's identity row: as text ("" when empty), as JSON (None)."""
    cipher = cipher_for(child)
    row = child.identity
    write = row.write_count or 0

    def text(name: str) -> str:
        value: bytes | None = getattr(row, name)
        return cipher.decrypt_text(IDENTITY_TABLE, child.id, name, value, write=write) if value else ""

    def json(name: str) -> Any:
        value: bytes | None = getattr(row, name)
        return cipher.decrypt_json(IDENTITY_TABLE, child.id, name, value, write=write) if value else None

    return text, json


def read_names(child: Child) -> Names:
    open_, _json = _openers(child)
    return Names(nom=open_("nom"), prenom=open_("prenom"), date_naissance=date.fromisoformat(open_("date_naissance")))


def read_identity(child: Child) -> Identity:
    open_, open_json = _openers(child)
    guardians = open_json("responsables") or []
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
    index = blind_index(user.programme_id)
    digests = {index.digest("nom", text)}
    for cut in range(1, len(words)):
        first, second = " ".join(words[:cut]), " ".join(words[cut:])
        digests.add(index.digest("prenom_nom", first, second))
        digests.add(index.digest("prenom_nom", second, first))
    matching = select(ChildSearchIndex.child_id).where(
        ChildSearchIndex.programme_id == user.programme_id, ChildSearchIndex.digest.in_(digests)
    )
    query = (
        visible_to(user).where(Child.id.in_(matching)).options(joinedload(Child.identity), selectinload(Child.parcours))
    )
    return list(session.scalars(query))


def read_identities(session: Session, user: User, children: Iterable[Child], action: str) -> dict[int, Names | None]:
    """Decrypt the names of `children` shown to `user` on one list; one audit event per child
    shown, so that the trail says which records were seen, not how many.

    An identity that does not decrypt (altered, or its key lost) is None, logged and audited by the
    child's public id only, so that one bad row never takes the whole page down."""
    children = list(children)
    identities: dict[int, Names | None] = {}
    for child in children:
        try:
            identities[child.id] = read_names(child)
        except (ValueError, PermissionError):  # DecryptionError, bad JSON or date, shredded key
            identities[child.id] = None
            unreadable(session, user, child)
    audit.record_many(session, action, user.id, user.programme_id, "children", [child.public_id for child in children])
    return identities


def unreadable(session: Session, user: User, child: Child) -> None:
    """Record that the child's identity could not be read (nothing of its data in the log or the trail)."""
    audit.append(session, [unreadable_event(user, child)])


def unreadable_event(user: User, child: Child) -> dict[str, Any]:
    """Log that the child's identity could not be read, and the audit event saying so (to `append`)."""
    log.warning("identity of child %s does not decrypt", child.public_id)
    return audit.event_for("child.unreadable", child, actor_id=user.id, outcome="error")


# --- possible duplicates: an orientation never hands over an existing child -------------------
def child_for_orientation(session: Session, actor: User, identity: Identity, agreed: date) -> Child:
    """The child a new orientation goes to: a match the actor may see, else a new child of theirs.

    `agreed` is the family's agreement to the orientation: the new child's last family contact."""
    matches = matching_children(session, actor.programme_id, identity.nom, identity.prenom, identity.date_naissance)
    for child in matches:
        if policy(actor, Permission.CHILD_VIEW, child):
            return child
    child = create_child(
        session,
        programme_id=actor.programme_id,
        identity=identity,
        referent_id=actor.id if holds_caseload(actor) else None,
        actor_id=actor.id,
        last_family_contact=agreed,
    )
    if matches:
        child.possible_duplicate_of = matches[0].id
        session.flush()
    return child


def mark_distinct(session: Session, child: Child, actor: User) -> None:
    """The coordinator checked both files: they are two different children."""
    if child.possible_duplicate_of is None:
        return
    child.possible_duplicate_of = None
    audit.record(
        session,
        "child.duplicate.resolve",
        actor_id=actor.id,
        programme_id=child.programme_id,
        target_type="children",
        target_id=child.public_id,
    )
    session.flush()
