"""All cryptography of Parcours lives here; no other package imports `cryptography`.

- `keyring`: key-encryption keys (KEK) and the blind-index key, kept in the instance folder;
- `aead`: AES-256-GCM with associated data binding each value to its table, row, field and key;
- `blind_index`: keyed HMAC-SHA-256 over normalised names, for search without decryption.
"""

from app.crypto.aead import ChildCipher, DecryptionError, new_data_key
from app.crypto.blind_index import BlindIndex, clean_name, normalise
from app.crypto.keyring import KeyRing, MissingKeyError

__all__ = [
    "BlindIndex",
    "ChildCipher",
    "DecryptionError",
    "KeyRing",
    "MissingKeyError",
    "clean_name",
    "new_data_key",
    "normalise",
]
