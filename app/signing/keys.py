"""Each programme's sealing key and certificate, in `instance/keys/programmes/<CODE>/`.

Files are written atomically with mode 0600. Importing a PKCS #12 replaces the key and certificate
used for new seals; documents sealed earlier carry their own certificate inside the signature, and
the replaced files are kept under `previous/` for the record.
"""

from __future__ import annotations

import os
from pathlib import Path

from app.crypto.certificates import KeyMaterial, load_pkcs12, self_signed, summary

KEY_FILE = "signing-key.pem"
CERTIFICATE_FILE = "certificate.pem"
CHAIN_FILE = "chain.pem"


def programme_dir(keys_path: Path, code: str) -> Path:
    return keys_path / "programmes" / code.upper()


def _write_private(path: Path, data: bytes) -> None:
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    temporary = path.with_name(path.name + ".tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)


def _store(folder: Path, material: KeyMaterial) -> None:
    for level in (*reversed(folder.parents[:3]), folder):
        level.mkdir(mode=0o700, exist_ok=True)
    _write_private(folder / CHAIN_FILE, material.chain_pem)
    _write_private(folder / KEY_FILE, material.key_pem)
    # The certificate goes last: its modification time tells running processes to reload.
    _write_private(folder / CERTIFICATE_FILE, material.certificate_pem)


def has_certificate(keys_path: Path, code: str) -> bool:
    folder = programme_dir(keys_path, code)
    return (folder / KEY_FILE).is_file() and (folder / CERTIFICATE_FILE).is_file()


def ensure_certificate(keys_path: Path, code: str, name: str) -> bool:
    """Create a self-signed sealing certificate for the programme unless it has one; True if created."""
    if has_certificate(keys_path, code):
        return False
    _store(programme_dir(keys_path, code), self_signed(f"{name} ({code.upper()}) - cachet Parcours", name))
    return True


def load_material(keys_path: Path, code: str) -> KeyMaterial:
    folder = programme_dir(keys_path, code)
    chain = folder / CHAIN_FILE
    return KeyMaterial(
        key_pem=(folder / KEY_FILE).read_bytes(),
        certificate_pem=(folder / CERTIFICATE_FILE).read_bytes(),
        chain_pem=chain.read_bytes() if chain.is_file() else b"",
    )


def certificate_pem(keys_path: Path, code: str) -> bytes:
    return (programme_dir(keys_path, code) / CERTIFICATE_FILE).read_bytes()


def import_pkcs12(keys_path: Path, code: str, data: bytes, password: str) -> str:
    """Replace the programme's key and certificate; return the new certificate's SHA-256 fingerprint.

    Raises `CertificateError` (French message) when the file or password is wrong.
    """
    material = load_pkcs12(data, password)
    folder = programme_dir(keys_path, code)
    if has_certificate(keys_path, code):
        old = load_material(keys_path, code)
        previous = folder / "previous" / summary(old.certificate_pem).sha256[:16]
        _store(previous, old)
    _store(folder, material)
    return summary(material.certificate_pem).sha256


def all_certificates_pem(keys_path: Path, code: str) -> bytes:
    """The current certificate followed by every one it replaced (trust roots for a whole year)."""
    folder = programme_dir(keys_path, code)
    previous = sorted((folder / "previous").glob(f"*/{CERTIFICATE_FILE}")) if (folder / "previous").is_dir() else []
    return b"".join(path.read_bytes() for path in [folder / CERTIFICATE_FILE, *previous])
