"""Keyed blind index (HMAC-SHA-256) to find children by name without decrypting anyone."""

from __future__ import annotations

import hashlib
import hmac
import re
import unicodedata

_SEPARATORS = re.compile(r"[\s\-'’]+")
# Invisible characters (Unicode "other" categories: format such as the zero-width space, control,
# private use, unassigned) carry no letter of a name.
_INVISIBLE = ("Cf", "Cc", "Co", "Cn")


def clean_name(value: str) -> str:
    """A typed name as stored: NFKC, no invisible character, single spaces, trimmed."""
    visible = "".join(c for c in unicodedata.normalize("NFKC", value) if unicodedata.category(c) not in _INVISIBLE)
    return " ".join(visible.split())


def normalise(value: str) -> str:
    """Fold accents, case, apostrophes, hyphens, spacing and invisibles: `Saïd-Ali ` → `said ali`."""
    decomposed = unicodedata.normalize("NFKD", clean_name(value))
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return _SEPARATORS.sub(" ", stripped.casefold()).strip()


class BlindIndex:
    def __init__(self, key: bytes) -> None:
        self._key = key

    @classmethod
    def of_programme(cls, master_key: bytes, programme_id: int, version: int) -> BlindIndex:
        """Version 1: a key of the programme's own, derived from the instance key (HMAC as a PRF);
        version 0: the instance key itself (indexes written before per-programme keys)."""
        if version == 0:
            return cls(master_key)
        label = f"parcours/blind-index/programme/{programme_id}".encode()
        return cls(hmac.new(master_key, label, hashlib.sha256).digest())

    def digest(self, kind: str, *parts: str) -> str:
        """Digest of the normalised parts under a domain `kind` (e.g. `nom`, `identite`)."""
        message = "\x1f".join([kind, *(normalise(p) for p in parts)]).encode("utf-8")
        return hmac.new(self._key, message, hashlib.sha256).hexdigest()
