"""Keyed blind index (HMAC-SHA-256) to find children by name without decrypting anyone."""

from __future__ import annotations

import hashlib
import hmac
import re
import unicodedata

_SEPARATORS = re.compile(r"[\s\-'’]+")


def normalise(value: str) -> str:
    """Fold accents, case, apostrophes, hyphens and spacing: `Saïd-Ali ` → `said ali`."""
    decomposed = unicodedata.normalize("NFKD", value)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return _SEPARATORS.sub(" ", stripped.casefold()).strip()


class BlindIndex:
    def __init__(self, key: bytes) -> None:
        self._key = key

    def digest(self, kind: str, *parts: str) -> str:
        """Digest of the normalised parts under a domain `kind` (e.g. `nom`, `identite`)."""
        message = "\x1f".join([kind, *(normalise(p) for p in parts)]).encode("utf-8")
        return hmac.new(self._key, message, hashlib.sha256).hexdigest()
