"""SECURITY P0-2..4: authenticated per-child encryption, key wrapping, blind index."""

from __future__ import annotations

import hashlib
import hmac
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.crypto import BlindIndex, ChildCipher, DecryptionError, KeyRing, MissingKeyError, new_data_key, normalise
from app.crypto.keyring import create_initial_keys

APP_DIR = Path(__file__).resolve().parent.parent / "app"
KEY = new_data_key()


@settings(max_examples=60)
@given(st.text(), st.integers(min_value=1, max_value=2**31), st.sampled_from(["nom", "prenom", "answers"]))
def test_round_trip(value: str, row_id: int, field: str) -> None:
    cipher = ChildCipher(KEY, 1)
    sealed = cipher.encrypt_text("child_identities", row_id, field, value)
    assert cipher.decrypt_text("child_identities", row_id, field, sealed) == value
    if len(value) >= 4:
        assert value.encode() not in sealed


def test_same_value_twice_gives_different_ciphertexts() -> None:
    cipher = ChildCipher(KEY, 1)
    assert cipher.encrypt_text("t", 1, "nom", "Martin") != cipher.encrypt_text("t", 1, "nom", "Martin")


@pytest.mark.parametrize(
    ("table", "row", "field", "version"),
    [
        ("child_identities", 2, "nom", 1),
        ("child_identities", 1, "prenom", 1),
        ("parcours_details", 1, "nom", 1),
        ("child_identities", 1, "nom", 2),
    ],
)
def test_ciphertext_moved_to_another_row_field_table_or_key_version_is_refused(
    table: str, row: int, field: str, version: int
) -> None:
    sealed = ChildCipher(KEY, 1).encrypt_text("child_identities", 1, "nom", "Martin")
    with pytest.raises(DecryptionError):
        ChildCipher(KEY, version).decrypt_text(table, row, field, sealed)


@settings(max_examples=60)
@given(st.data())
def test_any_flipped_bit_is_refused(data: st.DataObject) -> None:
    cipher = ChildCipher(KEY, 1)
    sealed = bytearray(cipher.encrypt_text("t", 1, "f", "Léa Martin"))
    position = data.draw(st.integers(min_value=0, max_value=len(sealed) * 8 - 1))
    sealed[position // 8] ^= 1 << (position % 8)
    with pytest.raises(DecryptionError):
        cipher.decrypt_text("t", 1, "f", bytes(sealed))


def test_another_childs_key_decrypts_nothing() -> None:
    sealed = ChildCipher(KEY, 1).encrypt_text("t", 1, "f", "Martin")
    with pytest.raises(DecryptionError):
        ChildCipher(new_data_key(), 1).decrypt_text("t", 1, "f", sealed)


def test_data_keys_are_wrapped_and_unwrapped_by_the_kek(tmp_path: Path) -> None:
    create_initial_keys(tmp_path)
    ring = KeyRing.load(tmp_path)
    wrapped, version = ring.wrap(KEY)
    assert KEY not in wrapped
    assert ring.unwrap(wrapped, version) == KEY
    other = tmp_path / "other"
    create_initial_keys(other)
    with pytest.raises(RuntimeError):
        KeyRing.load(other).unwrap(wrapped, version)


def test_keyring_refuses_to_load_without_a_kek(tmp_path: Path) -> None:
    create_initial_keys(tmp_path)
    (tmp_path / "kek-1.key").unlink()
    with pytest.raises(MissingKeyError, match="key-encryption key"):
        KeyRing.load(tmp_path)


def test_key_files_are_private(tmp_path: Path) -> None:
    create_initial_keys(tmp_path / "keys")
    assert (tmp_path / "keys").stat().st_mode & 0o777 == 0o700
    for path in (tmp_path / "keys").iterdir():
        assert path.stat().st_mode & 0o777 == 0o600


def test_blind_index_is_keyed_normalised_and_separate_from_other_keys(tmp_path: Path) -> None:
    create_initial_keys(tmp_path)
    ring = KeyRing.load(tmp_path)
    index = BlindIndex(ring.blind_index_key)
    digest = index.digest("nom", "Saïd-Ali")
    assert digest == index.digest("nom", "  SAID ali ")
    assert digest != hashlib.sha256(b"nom\x1fsaid ali").hexdigest()
    assert digest != hashlib.sha256(b"said ali").hexdigest()
    # Keyed with the blind-index key read from its own file (not a KEK), over kind and normalised name.
    key = (tmp_path / "blind-index.key").read_bytes()
    assert digest == hmac.new(key, b"nom\x1fsaid ali", hashlib.sha256).hexdigest()


@given(st.text())
def test_normalise_is_idempotent(value: str) -> None:
    assert normalise(normalise(value)) == normalise(value)


def test_only_the_crypto_package_imports_cryptography_and_nothing_weak_is_used() -> None:
    importers, weak = [], []
    for path in APP_DIR.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        if re.search(r"^\s*(from|import) cryptography", text, re.M) and "crypto" not in path.parts:
            importers.append(str(path))
        if re.search(r"modes\.ECB|modes\.CBC|AesEngine|StringEncryptedType|Fernet", text):
            weak.append(str(path))
    assert importers == []
    assert weak == []
