"""Checking seals and manifest signatures against an explicit trust root (no fetching, no system store).

A seal is valid when its signature is intact and mathematically valid, its certificate chains to
the given root, and it covers the whole file (nothing appended after sealing). Without a trusted
timestamp, the certificate is checked at the signing time the signature declares, so that an
archive still verifies after the certificate expires.
"""

from __future__ import annotations

import asyncio
import io
from dataclasses import dataclass
from datetime import datetime

from asn1crypto import cms
from pyhanko.keys import load_certs_from_pemder_data
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.errors import SignatureValidationError
from pyhanko.sign.validation.generic_cms import async_validate_detached_cms
from pyhanko.sign.validation.pdf_embedded import EmbeddedPdfSignature
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext

from app.i18n import _


@dataclass(frozen=True)
class SealCheck:
    valid: bool
    reason: str = ""
    signer: str = ""


def _context(trust_root_pem: bytes, moment: datetime | None = None) -> ValidationContext:
    roots = list(load_certs_from_pemder_data(trust_root_pem))
    return ValidationContext(trust_roots=roots, allow_fetching=False, revocation_mode="soft-fail", moment=moment)


def _contents_untouched(pdf: bytes, embedded: EmbeddedPdfSignature) -> bool:
    """The one range a PDF signature cannot cover (its own /Contents) holds exactly the CMS and zeros.

    pyHanko writes it as upper-case hex padded with zeros; anything else there (a changed padding
    byte, a hex digit changed in case) is a modification the signature itself would not reveal.
    """
    start, first_length, second_start, _ = (int(x) for x in embedded.sig_object["/ByteRange"])
    contents = bytes(embedded.sig_object["/Contents"])
    der_length = len(cms.ContentInfo.load(contents, strict=False).dump())
    canonical = b"<" + contents.hex().upper().encode() + b">"
    return pdf[start + first_length : second_start] == canonical and not any(contents[der_length:])


def check_sealed_pdf(pdf: bytes, trust_root_pem: bytes) -> SealCheck:
    """Validate every signature of `pdf`; at least one is required."""
    try:
        reader = PdfFileReader(io.BytesIO(pdf), strict=False)
        signatures = reader.embedded_signatures
    except (PdfError, ValueError, KeyError, TypeError) as error:
        return SealCheck(False, f"PDF illisible ({error})")
    if not signatures:
        return SealCheck(False, "aucun cachet")
    signer = ""
    for embedded in signatures:
        try:
            status = validate_pdf_signature(embedded, _context(trust_root_pem, embedded.self_reported_timestamp))
        except (SignatureValidationError, PdfError, ValueError, KeyError, TypeError) as error:
            return SealCheck(False, f"cachet invalide ({error})")
        if not (status.intact and status.valid):
            return SealCheck(False, _("cachet altéré : le contenu ne correspond plus à la signature"))
        if not status.trusted:
            return SealCheck(False, "cachet d'un certificat non reconnu")
        if status.coverage != SignatureCoverageLevel.ENTIRE_FILE:
            return SealCheck(False, _("contenu ajouté après le cachet"))
        if not _contents_untouched(pdf, embedded):
            return SealCheck(False, _("zone de signature modifiée"))
        signer = status.signing_cert.subject.human_friendly
    return SealCheck(True, signer=signer)


def check_detached_cms(data: bytes, signature_der: bytes, trust_root_pem: bytes) -> SealCheck:
    """Validate a detached CMS signature of `data` (the archive manifest)."""
    try:
        content = cms.ContentInfo.load(signature_der)
        signed_data = content["content"]
        status = asyncio.run(async_validate_detached_cms(data, signed_data, _context(trust_root_pem)))
    except (SignatureValidationError, ValueError, KeyError, TypeError) as error:
        return SealCheck(False, f"signature illisible ({error})")
    if not (status.intact and status.valid):
        return SealCheck(False, _("signature altérée : le fichier ne correspond plus à la signature"))
    if not status.trusted:
        return SealCheck(False, "signature d'un certificat non reconnu")
    return SealCheck(True, signer=status.signing_cert.subject.human_friendly)
