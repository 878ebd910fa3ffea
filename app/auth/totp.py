"""TOTP second factor (RFC 6238), mandatory for admins and coordinators outside demo instances.

The seed is encrypted under the instance's key-encryption key; a code is accepted once only
(the last used time step is stored), within one step of clock drift.
"""

from __future__ import annotations

import base64
import hmac
import time

import pyotp
import segno

from app.authz.permissions import SECOND_FACTOR_ROLES
from app.crypto import KeyRing
from app.users.models import Role, User

ISSUER = "Parcours"
STEP_SECONDS = 30
_FIELD = ("users", "totp_secret")


def required_for(user: User, demo: bool) -> bool:
    return not demo and Role(user.role) in SECOND_FACTOR_ROLES


def enrolled(user: User) -> bool:
    return user.totp_secret is not None and user.totp_confirmed


def start_enrolment(user: User, ring: KeyRing) -> str:
    """Give the user a new (unconfirmed) seed; returns it in base32 for display."""
    seed = pyotp.random_base32()
    user.totp_secret, user.totp_kek_version = ring.seal(_FIELD[0], user.id, _FIELD[1], seed.encode())
    user.totp_confirmed = False
    user.totp_last_step = None
    return seed


def seed_of(user: User, ring: KeyRing) -> str:
    assert user.totp_secret is not None and user.totp_kek_version is not None
    return ring.open(_FIELD[0], user.id, _FIELD[1], user.totp_secret, user.totp_kek_version).decode()


def check_code(user: User, ring: KeyRing, code: str, now: float | None = None) -> bool:
    """True for a fresh valid code; the step is then recorded so the code cannot be replayed."""
    code = code.strip().replace(" ", "")
    if len(code) != 6 or not code.isdigit() or user.totp_secret is None:
        return False
    totp = pyotp.TOTP(seed_of(user, ring), interval=STEP_SECONDS)
    current = int((time.time() if now is None else now) // STEP_SECONDS)
    for step in (current - 1, current, current + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            if user.totp_last_step is not None and step <= user.totp_last_step:
                return False
            user.totp_last_step = step
            return True
    return False


def provisioning_qr(user: User, seed: str) -> str:
    """An SVG data URL of the otpauth:// link, for authenticator apps."""
    uri = pyotp.TOTP(seed, interval=STEP_SECONDS).provisioning_uri(name=user.email, issuer_name=ISSUER)
    svg = segno.make(uri, error="m").svg_inline(scale=5, dark="#1b1b1f", light="#ffffff")
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()


def rewrap(user: User, ring: KeyRing) -> None:
    """Re-encrypt the seed under the current KEK (key rotation)."""
    if user.totp_secret is None or user.totp_kek_version == ring.current_version:
        return
    seed = seed_of(user, ring)
    user.totp_secret, user.totp_kek_version = ring.seal(_FIELD[0], user.id, _FIELD[1], seed.encode())
