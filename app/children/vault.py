"""Per-child data keys inside the app: create, wrap, unwrap (cached per request)."""

from __future__ import annotations

from flask import g
from sqlalchemy import select

from app.children.models import Child
from app.crypto import BlindIndex, ChildCipher, new_data_key
from app.crypto.current import keyring
from app.db import db
from app.users.models import Programme


def blind_index(programme_id: int) -> BlindIndex:
    """The programme's blind index (its own key, or the instance-wide one until re-indexed)."""
    cache: dict[int, BlindIndex] = g.setdefault("blind_indexes", {})
    index = cache.get(programme_id)
    if index is None:
        version = db.session.scalar(select(Programme.blind_index_version).where(Programme.id == programme_id))
        index = cache[programme_id] = BlindIndex.of_programme(keyring().blind_index_key, programme_id, version or 0)
    return index


def forget_blind_indexes() -> None:
    """After a programme changed index version (re-index), compute its index again."""
    g.pop("blind_indexes", None)


def give_new_key(child: Child) -> ChildCipher:
    """Create the child's data key, store it wrapped, and return a cipher for it."""
    data_key = new_data_key()
    child.wrapped_key, child.kek_version = keyring().wrap(data_key)
    child.key_version = 1
    cipher = ChildCipher(data_key, child.key_version)
    _cache()[child.id] = cipher
    return cipher


def cipher_for(child: Child) -> ChildCipher:
    """The child's cipher; raises if its key was shredded by a purge."""
    cache = _cache()
    cipher = cache.get(child.id)
    if cipher is None:
        if child.wrapped_key is None:
            raise PermissionError(f"child {child.public_id} was purged: its key is gone")
        data_key = keyring().unwrap(child.wrapped_key, child.kek_version)
        cipher = cache[child.id] = ChildCipher(data_key, child.key_version)
    return cipher


def _cache() -> dict[int, ChildCipher]:
    if "child_ciphers" not in g:
        g.child_ciphers = {}
    cache: dict[int, ChildCipher] = g.child_ciphers
    return cache
