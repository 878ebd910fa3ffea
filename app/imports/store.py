"""Database side of the import: what is already stored, and the bulk writes of a checked file."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, cast

from sqlalchemy import Table, bindparam, delete, select, update
from sqlalchemy.orm import Session

from app.bulk import allocate_ids, insert_rows
from app.children.models import Child, ChildIdentity, Parcours, ParcoursCode, ParcoursDetails
from app.children.services import (
    IDENTITY_TABLE,
    CreatedChild,
    Identity,
    NewChild,
    create_children,
    family_digest,
    ref_digest,
    taken_pseudonyms_of,
)
from app.crypto import ChildCipher
from app.crypto.current import keyring
from app.db import new_public_id, utcnow
from app.i18n import _
from app.imports.rows import ImportIssue, ImportRow
from app.nomenclature import Decision

CHILDREN = cast(Table, Child.__table__)
IDENTITIES = cast(Table, ChildIdentity.__table__)
PARCOURS = cast(Table, Parcours.__table__)
CODES = cast(Table, ParcoursCode.__table__)
DETAILS = cast(Table, ParcoursDetails.__table__)
DETAILS_TABLE = "parcours_details"
DETAILS_FIELD = "payload"
CHUNK = 2000
PARCOURS_FIELDS = (
    "orienteur",
    "decision_eps",
    "date_decision",
    "date_entree",
    "date_sortie",
    "motif_sortie",
    "niveau",
    "cycle",
    "qpv",
    "rep",
)


@dataclass
class StoredParcours:
    id: int
    date_orientation: date
    values: dict[str, Any]
    codes: dict[str, set[str]] = field(default_factory=lambda: {"difficulte": set(), "action": set()})
    payload: dict[str, str] | None = None

    @property
    def accepted(self) -> bool:
        return self.values["decision_eps"] == Decision.ACCEPTE

    @property
    def date_entree(self) -> date | None:
        value: date | None = self.values["date_entree"]
        return value

    @property
    def date_sortie(self) -> date | None:
        value: date | None = self.values["date_sortie"]
        return value


@dataclass
class KnownChild:
    id: int
    programme_id: int
    cipher: ChildCipher | None  # None when the child was purged
    sexe: str
    famille_digest: str | None
    referent_id: int | None
    last_family_contact: date
    identity: dict[str, str] = field(default_factory=dict)
    parcours: list[StoredParcours] = field(default_factory=list)


@dataclass
class ChildPlan:
    rows: list[ImportRow]  # by date_orientation
    referent_id: int | None
    last_family_contact: date


@dataclass
class ChildUpdate:
    ref_enfant: str
    child: KnownChild
    referent_id: int | None
    last_family_contact: date


def payload_of(row: ImportRow) -> dict[str, str] | None:
    """The encrypted free values of a row's parcours (school and address at that time)."""
    values = {k: v for k, v in (("etablissement", row.etablissement), ("adresse", row.adresse)) if v}
    return values or None


def values_of(row: ImportRow) -> dict[str, Any]:
    return {name: getattr(row, name) for name in PARCOURS_FIELDS}


@dataclass
class ParcoursPlan:
    row: ImportRow
    stored: StoredParcours | None

    @property
    def changed(self) -> bool:
        stored = self.stored
        return stored is None or (
            stored.values != values_of(self.row)
            or stored.codes != {"difficulte": set(self.row.difficultes), "action": set(self.row.actions)}
            or stored.payload != payload_of(self.row)
        )


@dataclass
class Plan:
    new_children: list[ChildPlan] = field(default_factory=list)
    child_updates: list[ChildUpdate] = field(default_factory=list)
    parcours: list[ParcoursPlan] = field(default_factory=list)


def _cipher(wrapped: bytes | None, kek_version: int, key_version: int) -> ChildCipher | None:
    return ChildCipher(keyring().unwrap(wrapped, kek_version), key_version) if wrapped else None


def known_children(session: Session, programme_id: int, refs: set[str]) -> dict[str, KnownChild]:
    """The programme's children whose `ref_enfant` is in `refs`, with their identity and parcours."""
    c = CHILDREN.c
    candidates = session.execute(
        select(c.id, c.ref_digest, c.wrapped_key, c.kek_version, c.key_version, c.sexe, c.famille_digest)
        .add_columns(c.referent_id, c.last_family_contact)
        .where(c.programme_id == programme_id, c.ref_digest.is_not(None))
    ).all()
    if not candidates:
        return {}
    digests = {ref_digest(programme_id, ref): ref for ref in refs}
    known: dict[int, tuple[str, KnownChild]] = {}
    for r in candidates:
        if r.ref_digest in digests:
            cipher = _cipher(r.wrapped_key, r.kek_version, r.key_version)
            contact = r.last_family_contact
            child = KnownChild(r.id, programme_id, cipher, r.sexe, r.famille_digest, r.referent_id, contact)
            known[r.id] = (digests[r.ref_digest], child)
    if not known:
        return {}
    in_programme = select(Child.id).where(Child.programme_id == programme_id, Child.ref_digest.is_not(None))
    _load_identities(session, in_programme, known)
    _load_parcours(session, in_programme, known)
    return {ref: child for ref, child in known.values()}


def _load_identities(session: Session, children: Any, known: dict[int, tuple[str, KnownChild]]) -> None:
    i = IDENTITIES.c
    query = select(i.child_id, i.nom, i.prenom, i.date_naissance, i.write_count).where(i.child_id.in_(children))
    for r in session.execute(query):
        if r.child_id in known and (cipher := known[r.child_id][1].cipher):
            known[r.child_id][1].identity = {
                name: cipher.decrypt_text(IDENTITY_TABLE, r.child_id, name, getattr(r, name), write=r.write_count or 0)
                for name in ("nom", "prenom", "date_naissance")
            }


def _load_parcours(session: Session, children: Any, known: dict[int, tuple[str, KnownChild]]) -> None:
    p = PARCOURS.c
    query = select(p.id, p.child_id, p.date_orientation, *(p[name] for name in PARCOURS_FIELDS))
    by_id: dict[int, tuple[KnownChild, StoredParcours]] = {}
    for r in session.execute(query.where(p.child_id.in_(children)).order_by(p.id)):
        if r.child_id in known:
            child = known[r.child_id][1]
            stored = StoredParcours(r.id, r.date_orientation, {name: getattr(r, name) for name in PARCOURS_FIELDS})
            child.parcours.append(stored)
            by_id[r.id] = (child, stored)
    of_programme = select(p.id).where(p.child_id.in_(children))
    pc = CODES.c
    for r in session.execute(select(pc.parcours_id, pc.dimension, pc.code).where(pc.parcours_id.in_(of_programme))):
        if r.parcours_id in by_id:
            by_id[r.parcours_id][1].codes.setdefault(r.dimension, set()).add(r.code)
    pd = DETAILS.c
    for r in session.execute(select(pd.parcours_id, pd.payload).where(pd.parcours_id.in_(of_programme))):
        if r.parcours_id in by_id and (cipher := by_id[r.parcours_id][0].cipher):
            by_id[r.parcours_id][1].payload = cipher.decrypt_json(
                DETAILS_TABLE, r.parcours_id, DETAILS_FIELD, r.payload
            )


def _same_text(a: str, b: str) -> bool:
    return " ".join(a.split()).casefold() == " ".join(b.split()).casefold()


def identity_mismatches(child: KnownChild, row: ImportRow) -> list[ImportIssue]:
    """Differences between a row and the stored identity of the child with the same `ref_enfant`."""
    reason = _("ne correspond pas à l'enfant déjà enregistré avec ce ref_enfant")
    if child.cipher is None:
        return [
            ImportIssue(row.line, "ref_enfant", _("enfant déjà enregistré puis effacé (purge) : import impossible"))
        ]
    differs = {
        "nom": not _same_text(child.identity.get("nom", ""), row.nom),
        "prenom": not _same_text(child.identity.get("prenom", ""), row.prenom),
        "date_naissance": child.identity.get("date_naissance") != row.date_naissance.isoformat(),
        "sexe": child.sexe != row.sexe,
        "ref_famille": child.famille_digest
        != (family_digest(child.programme_id, row.ref_famille) if row.ref_famille else None),
    }
    return [ImportIssue(row.line, column, reason) for column, different in differs.items() if different]


Progress = Callable[[int, int], None]


def write(session: Session, programme_id: int, actor_id: int | None, plan: Plan, progress: Progress | None) -> None:
    """Write a checked plan with bulk statements (the caller holds the savepoint)."""
    total, done = len(plan.parcours), 0
    taken = taken_pseudonyms_of(session, programme_id)
    for chunk in _chunks(plan.new_children, CHUNK):
        created = create_children(
            session,
            programme_id=programme_id,
            children=[NewChild(_identity(c.rows), c.referent_id, c.last_family_contact) for c in chunk],
            actor_id=actor_id,
            imported=True,
            taken_pseudonyms=taken,
        )
        _insert_parcours(
            session, programme_id, [(child, row) for child, c in zip(created, chunk, strict=True) for row in c.rows]
        )
        done += sum(len(c.rows) for c in chunk)
        if progress:
            progress(done, total)
    _update_children(session, plan.child_updates)
    _write_known_parcours(session, programme_id, plan)
    if progress:
        progress(total, total)


def _chunks(items: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _identity(rows: list[ImportRow]) -> Identity:
    first = rows[0]
    adresse = next((r.adresse for r in reversed(rows) if r.adresse), "")
    return Identity(
        nom=first.nom,
        prenom=first.prenom,
        date_naissance=first.date_naissance,
        sexe=first.sexe,
        adresse=adresse,
        ref_enfant=first.ref_enfant,
        ref_famille=first.ref_famille or "",
    )


def _insert_parcours(
    session: Session, programme_id: int, items: list[tuple[CreatedChild | KnownChild, ImportRow]]
) -> None:
    if not items:
        return
    now = utcnow()
    ids = allocate_ids(session, PARCOURS, len(items))
    rows = [
        {
            "id": parcours_id,
            "public_id": new_public_id(),
            "programme_id": programme_id,
            "child_id": child.id,
            "date_orientation": row.date_orientation,
            **values_of(row),
            "eps_facts_shared": False,
            "imported": True,
            "created_at": now,
        }
        for parcours_id, (child, row) in zip(ids, items, strict=True)
    ]
    insert_rows(session, PARCOURS, rows)
    _insert_codes_and_details(session, [(pid, child.cipher, row) for pid, (child, row) in zip(ids, items, strict=True)])


def _insert_codes_and_details(session: Session, items: list[tuple[int, ChildCipher | None, ImportRow]]) -> None:
    codes: list[dict[str, Any]] = []
    details: list[dict[str, Any]] = []
    for parcours_id, cipher, row in items:
        codes.extend({"parcours_id": parcours_id, "dimension": "difficulte", "code": c} for c in row.difficultes)
        codes.extend({"parcours_id": parcours_id, "dimension": "action", "code": c} for c in row.actions)
        payload = payload_of(row)
        if payload and cipher:
            sealed = cipher.encrypt_json(DETAILS_TABLE, parcours_id, DETAILS_FIELD, payload)
            details.append({"parcours_id": parcours_id, "payload": sealed})
    insert_rows(session, CODES, codes)
    insert_rows(session, DETAILS, details)


def _update_children(session: Session, updates: list[ChildUpdate]) -> None:
    changes = []
    for u in updates:
        referent_id = u.referent_id if u.referent_id is not None else u.child.referent_id
        last_family_contact = max(u.last_family_contact, u.child.last_family_contact)
        if referent_id != u.child.referent_id or last_family_contact != u.child.last_family_contact:
            changes.append(
                {"child_pk": u.child.id, "referent_id": referent_id, "last_family_contact": last_family_contact}
            )
    if changes:
        table = CHILDREN
        session.execute(update(table).where(table.c.id == bindparam("child_pk")), changes)


def _write_known_parcours(session: Session, programme_id: int, plan: Plan) -> None:
    """New parcours of known children, and stored parcours whose values changed."""
    new: list[tuple[CreatedChild | KnownChild, ImportRow]] = []
    changed: list[ParcoursPlan] = []
    child_by_ref = {u.ref_enfant: u.child for u in plan.child_updates}
    for p in plan.parcours:
        child = child_by_ref.get(p.row.ref_enfant)
        if child is None:
            continue
        if p.stored is None:
            new.append((child, p.row))
        elif p.changed:
            changed.append(p)
    _insert_parcours(session, programme_id, new)
    if not changed:
        return
    table = PARCOURS
    values = [{"parcours_pk": p.stored.id, **values_of(p.row)} for p in changed if p.stored]
    session.execute(update(table).where(table.c.id == bindparam("parcours_pk")), values)
    ids = [p.stored.id for p in changed if p.stored]
    for chunk in _chunks(ids, 500):
        session.execute(delete(ParcoursCode).where(ParcoursCode.parcours_id.in_(chunk)))
        session.execute(delete(ParcoursDetails).where(ParcoursDetails.parcours_id.in_(chunk)))
    _insert_codes_and_details(
        session, [(p.stored.id, child_by_ref[p.row.ref_enfant].cipher, p.row) for p in changed if p.stored]
    )
