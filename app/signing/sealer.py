"""PAdES sealing of PDFs with the programme's key (B-B; B-T when a timestamp authority is configured).

pyHanko's `SimpleSigner` parses the private key again for every signature (~90 ms for RSA); here
the key is parsed once per process and programme and the signer is kept, and `bytes_reserved` is
set so that pyHanko does not sign twice to measure the signature. A certificate file newer than
the cached signer (a PKCS #12 import, possibly by another process) makes it reload.
"""

from __future__ import annotations

import io
import threading
from pathlib import Path

from pyhanko.keys import load_certs_from_pemder_data, load_private_key_from_pemder_data
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import fields, signers, timestamps
from pyhanko.sign.signers.pdf_signer import PdfSignatureMetadata, PdfSigner
from pyhanko_certvalidator.registry import SimpleCertificateStore

from app.crypto.certificates import KeyMaterial, RawSigner
from app.i18n import _
from app.signing.keys import CERTIFICATE_FILE, load_material, programme_dir

SEAL_FIELD = "CachetProgramme"
BYTES_RESERVED = 12_288
BYTES_RESERVED_WITH_TIMESTAMP = 24_576


class LoadedKeySigner(signers.SimpleSigner):
    """A pyHanko signer whose private key was parsed once."""

    def __init__(self, material: KeyMaterial) -> None:
        certificate = load_certs_from_pemder_data(material.certificate_pem)
        chain = list(load_certs_from_pemder_data(material.chain_pem)) if material.chain_pem else []
        signing_cert = next(iter(certificate))
        super().__init__(
            signing_cert=signing_cert,
            signing_key=load_private_key_from_pemder_data(material.key_pem, passphrase=None),
            cert_registry=SimpleCertificateStore.from_certs([signing_cert, *chain]),
        )
        self._raw = RawSigner(material.key_pem)

    def sign_raw(self, data: bytes, digest_algorithm: str) -> bytes:
        mechanism = self.get_signature_mechanism_for_digest(digest_algorithm)
        return self._raw.sign(data, digest_algorithm, mechanism.signature_algo)


_signers: dict[tuple[str, str], tuple[int, LoadedKeySigner]] = {}
_lock = threading.Lock()


def signer_for(keys_path: Path, code: str) -> LoadedKeySigner:
    """The programme's signer, loaded once per process (reloaded when its certificate file changes)."""
    folder = programme_dir(keys_path, code)
    stamp = (folder / CERTIFICATE_FILE).stat().st_mtime_ns
    key = (str(keys_path), code.upper())
    with _lock:
        cached = _signers.get(key)
        if cached is None or cached[0] != stamp:
            cached = _signers[key] = (stamp, LoadedKeySigner(load_material(keys_path, code)))
        return cached[1]


def seal_pdf(
    pdf: bytes,
    signer: LoadedKeySigner,
    *,
    name: str,
    tsa_url: str | None = None,
    reason: str | None = None,
) -> bytes:
    """Append a PAdES signature covering the whole file; returns the sealed bytes."""
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
    meta = PdfSignatureMetadata(
        field_name=SEAL_FIELD,
        md_algorithm="sha256",
        subfilter=fields.SigSeedSubFilter.PADES,
        name=name,
        reason=reason if reason is not None else _("Cachet du programme : document finalisé"),
    )
    timestamper = timestamps.HTTPTimeStamper(tsa_url) if tsa_url else None
    reserved = BYTES_RESERVED_WITH_TIMESTAMP if timestamper else BYTES_RESERVED
    out = io.BytesIO()
    PdfSigner(meta, signer=signer, timestamper=timestamper).sign_pdf(writer, output=out, bytes_reserved=reserved)
    return out.getvalue()


def certificate_of(keys_path: Path, code: str) -> bytes:
    return (programme_dir(keys_path, code) / CERTIFICATE_FILE).read_bytes()
