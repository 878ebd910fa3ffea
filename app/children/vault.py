"""Per-child data keys inside the app: create, wrap, unwrap (cached per request)."""

from __future__ import annotations

from flask import g

from app.children.models import Child
from app.crypto import ChildCipher, new_data_key
from app.crypto.current import keyring


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
