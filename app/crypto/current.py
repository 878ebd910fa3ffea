"""The running app's key ring (loaded by `create_app`) and the blind index built on it."""

from __future__ import annotations

from flask import Flask, current_app

from app.crypto.blind_index import BlindIndex
from app.crypto.keyring import KeyRing

_EXTENSION = "parcours_keyring"


def install(app: Flask, ring: KeyRing) -> None:
    app.extensions[_EXTENSION] = ring


def keyring() -> KeyRing:
    ring: KeyRing = current_app.extensions[_EXTENSION]
    return ring


def blind_index() -> BlindIndex:
    return BlindIndex(keyring().blind_index_key)
