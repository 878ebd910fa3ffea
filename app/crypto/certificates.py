"""Programme signing keys and certificates: creation, PKCS #12 import, raw signatures, detached CMS.

Everything here speaks PEM/DER bytes so that the rest of Parcours never imports `cryptography`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.serialization import pkcs7, pkcs12
from cryptography.x509.oid import NameOID

from app.i18n import _

RSA_BITS = 3072
SELF_SIGNED_YEARS = 20
_HASHES: dict[str, type[hashes.HashAlgorithm]] = {
    "sha256": hashes.SHA256,
    "sha384": hashes.SHA384,
    "sha512": hashes.SHA512,
}


class CertificateError(ValueError):
    """A key or certificate file that cannot be used; the message (French) says why."""


@dataclass(frozen=True)
class KeyMaterial:
    key_pem: bytes
    certificate_pem: bytes
    chain_pem: bytes = b""


@dataclass(frozen=True)
class CertificateSummary:
    subject: str
    issuer: str
    not_before: dt.datetime
    not_after: dt.datetime
    sha256: str
    self_signed: bool


def _key_pem(key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def self_signed(common_name: str, organisation: str) -> KeyMaterial:
    """A new RSA key and a self-signed sealing certificate valid for twenty years."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=RSA_BITS)
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "FR"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation[:64] or common_name),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name[:64]),
        ]
    )
    now = dt.datetime.now(dt.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=365 * SELF_SIGNED_YEARS))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    return KeyMaterial(_key_pem(key), certificate.public_bytes(serialization.Encoding.PEM))


def load_pkcs12(data: bytes, password: str) -> KeyMaterial:
    """Key, certificate and chain of a PKCS #12 file; CertificateError when unusable."""
    try:
        key, certificate, chain = pkcs12.load_key_and_certificates(data, password.encode() or None)
    except ValueError as error:
        raise CertificateError("Fichier PKCS #12 illisible ou mot de passe incorrect.") from error
    if key is None or certificate is None:
        raise CertificateError(_("Le fichier PKCS #12 doit contenir une clé privée et son certificat."))
    if not isinstance(key, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey):
        raise CertificateError(_("Seules les clés RSA et ECDSA sont acceptées."))
    if key.public_key().public_numbers() != certificate.public_key().public_numbers():  # type: ignore[union-attr]
        raise CertificateError(_("La clé privée ne correspond pas au certificat."))
    if certificate.not_valid_after_utc < dt.datetime.now(dt.UTC):
        raise CertificateError(_("Ce certificat a expiré."))
    chain_pem = b"".join(c.public_bytes(serialization.Encoding.PEM) for c in chain)
    return KeyMaterial(_key_pem(key), certificate.public_bytes(serialization.Encoding.PEM), chain_pem)


def summary(certificate_pem: bytes) -> CertificateSummary:
    certificate = x509.load_pem_x509_certificate(certificate_pem)
    return CertificateSummary(
        subject=certificate.subject.rfc4514_string(),
        issuer=certificate.issuer.rfc4514_string(),
        not_before=certificate.not_valid_before_utc,
        not_after=certificate.not_valid_after_utc,
        sha256=certificate.fingerprint(hashes.SHA256()).hex(),
        self_signed=certificate.subject == certificate.issuer,
    )


class RawSigner:
    """A private key parsed once, signing digests for pyHanko (which would re-parse it each time)."""

    def __init__(self, key_pem: bytes) -> None:
        key = serialization.load_pem_private_key(key_pem, password=None)
        if not isinstance(key, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey):
            raise CertificateError(_("Seules les clés RSA et ECDSA sont acceptées."))
        self._key = key

    def sign(self, data: bytes, digest_algorithm: str, mechanism: str) -> bytes:
        algorithm = _HASHES[digest_algorithm.lower()]()
        if mechanism == "rsassa_pkcs1v15" and isinstance(self._key, rsa.RSAPrivateKey):
            return self._key.sign(data, padding.PKCS1v15(), algorithm)
        if mechanism == "ecdsa" and isinstance(self._key, ec.EllipticCurvePrivateKey):
            return self._key.sign(data, ec.ECDSA(algorithm))
        raise CertificateError(
            _("Mécanisme de signature non pris en charge : %(mechanism)s.") % {"mechanism": mechanism}
        )


def sign_detached_cms(data: bytes, material: KeyMaterial) -> bytes:
    """A detached CMS (PKCS #7) signature of `data`, DER, verifiable with `openssl cms -verify`."""
    key = serialization.load_pem_private_key(material.key_pem, password=None)
    certificate = x509.load_pem_x509_certificate(material.certificate_pem)
    builder = pkcs7.PKCS7SignatureBuilder().set_data(data).add_signer(certificate, key, hashes.SHA256())  # type: ignore[arg-type]
    for extra in x509.load_pem_x509_certificates(material.chain_pem) if material.chain_pem else []:
        builder = builder.add_certificate(extra)
    return builder.sign(serialization.Encoding.DER, [pkcs7.PKCS7Options.DetachedSignature, pkcs7.PKCS7Options.Binary])


def split_certificates(pem: bytes) -> list[bytes]:
    """Each certificate of a PEM file, as PEM; CertificateError when the file holds none."""
    try:
        certificates = x509.load_pem_x509_certificates(pem)
    except ValueError as error:
        raise CertificateError("Fichier de certificat illisible : un fichier PEM est attendu.") from error
    return [certificate.public_bytes(serialization.Encoding.PEM) for certificate in certificates]


def certificate_der(certificate_pem: bytes) -> bytes | None:
    """The DER form of a PEM certificate, or None when it is not one."""
    try:
        return x509.load_pem_x509_certificate(certificate_pem).public_bytes(serialization.Encoding.DER)
    except ValueError:
        return None
