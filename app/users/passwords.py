"""Password hashing (Argon2id) and the password rules of CNIL délibération 2022-100."""

from __future__ import annotations

from functools import cache
from importlib import resources

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from app.i18n import _

MIN_LENGTH = 12
MAX_LENGTH = 128

_hasher = PasswordHasher()


@cache
def _blocklist() -> frozenset[str]:
    text = resources.files("app.users").joinpath("common-passwords.txt").read_text("utf-8")
    return frozenset(line.strip().casefold() for line in text.splitlines() if line.strip())


def password_problem(password: str) -> str | None:
    """A French sentence saying why `password` is refused, or None when it is acceptable."""
    if len(password) < MIN_LENGTH:
        return _("Le mot de passe doit contenir au moins %(n)d caractères.") % {"n": MIN_LENGTH}
    if len(password) > MAX_LENGTH:
        return _("Le mot de passe ne peut pas dépasser %(n)d caractères.") % {"n": MAX_LENGTH}
    if password.casefold() in _blocklist() or len(set(password)) < 4:
        return _("Ce mot de passe est trop courant : choisissez une phrase de passe personnelle.")
    return None


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


# Verified against when the e-mail is unknown, so both failures take the same time.
DUMMY_HASH = _hasher.hash("parcours-timing-equaliser")
