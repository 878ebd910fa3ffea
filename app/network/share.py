"""Share files (INTERFACES.md "Share file"): one programme's signed yearly aggregates.

`SHARE.zip` holds exactly `indicateurs.json` (the indicators JSON plus `"form_set"`),
`indicateurs.json.sig` (detached CMS, DER, by the programme's certificate) and `certificate.pem`.
Reading one checks the signature against trust anchors chosen by the reader, never against the
certificate the file carries, and that the signing certificate is the claimed programme's.
"""

from __future__ import annotations

import io
import json
import zipfile
import zlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from asn1crypto import cms

from app.crypto.certificates import KeyMaterial, certificate_der, sign_detached_cms
from app.signing.validation import check_detached_cms

DATA = "indicateurs.json"
SIGNATURE = "indicateurs.json.sig"
CERTIFICATE = "certificate.pem"
MEMBERS = frozenset({DATA, SIGNATURE, CERTIFICATE})
MAX_MEMBER_BYTES = 2 * 1024 * 1024


class ShareError(ValueError):
    """A share file that cannot be used; the message (French) says why."""


@dataclass(frozen=True)
class Share:
    name: str  # the file name, for messages
    indicators: dict[str, Any]
    signer: str

    @property
    def programme(self) -> str:
        return str(self.indicators.get("programme") or "")

    @property
    def form_set(self) -> tuple[str, int]:
        form_set = self.indicators.get("form_set") or {}
        return str(form_set.get("name")), int(form_set.get("version") or 0)


def encode(indicators: Mapping[str, Any]) -> bytes:
    return (json.dumps(indicators, ensure_ascii=False, indent=2, sort_keys=True) + "\n").encode("utf-8")


def build_share(
    indicators: Mapping[str, Any], form_set_name: str, form_set_version: int, material: KeyMaterial
) -> bytes:
    """The share file (ZIP bytes) of one programme's indicators, signed with `material`."""
    data = encode({**indicators, "form_set": {"name": form_set_name, "version": form_set_version}})
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(DATA, data)
        archive.writestr(SIGNATURE, sign_detached_cms(data, material))
        archive.writestr(CERTIFICATE, material.certificate_pem)
    return buffer.getvalue()


def _members(name: str, content: bytes) -> dict[str, bytes]:
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            names = set(archive.namelist())
            if names != MEMBERS:
                raise ShareError(
                    f"{name} : un fichier de partage contient exactement {', '.join(sorted(MEMBERS))} "
                    f"(trouvé : {', '.join(sorted(names)) or 'rien'})."
                )
            if any(info.file_size > MAX_MEMBER_BYTES for info in archive.infolist()):
                raise ShareError(f"{name} : fichier trop volumineux pour un partage d'indicateurs.")
            return {member: archive.read(member) for member in MEMBERS}
    except (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, EOFError, OSError) as error:
        raise ShareError(f"{name} : archive ZIP illisible ou modifiée ({error}).") from error


def _embedded_certificates(signature: bytes) -> list[bytes]:
    try:
        signed_data = cms.ContentInfo.load(signature)["content"]
        return [choice.chosen.dump() for choice in signed_data["certificates"] or []]
    except (ValueError, KeyError, TypeError):
        return []


def _same_certificate(certificate_pem: bytes, signature: bytes) -> bool:
    der = certificate_der(certificate_pem)
    return der is not None and der in _embedded_certificates(signature)


@dataclass(frozen=True)
class Trust:
    """The reader's trust anchors (PEM bundles): `bound` ones speak for one programme code only;
    `shared` ones (a network's CA, or a programme's certificate given without its code) sign for a
    programme whose certificate names its code in parentheses (« PRE de X (CODE) - cachet Parcours »)."""

    shared: bytes = b""
    bound: Mapping[str, bytes] = field(default_factory=dict)

    def anchors_for(self, code: str) -> tuple[bytes, bool]:
        """(the anchors a share of `code` must verify against, whether they are bound to that code)."""
        bound = self.bound.get(code.upper())
        return (bound, True) if bound else (self.shared, False)


def names_programme(subject: str, code: str) -> bool:
    return bool(code) and f"({code.upper()})" in subject.upper()


def read_share(name: str, content: bytes, trust: Trust) -> Share:
    """Check and read a share file against the reader's trust anchors; ShareError naming `name` and
    the reason when it cannot be used. A certificate trusted for one programme cannot speak for another."""
    members = _members(name, content)
    try:
        indicators = json.loads(members[DATA].decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ShareError(f"{name} : indicateurs.json illisible ({error}).") from error
    if not isinstance(indicators, dict) or not isinstance(indicators.get("form_set"), dict):
        raise ShareError(f"{name} : indicateurs.json ne contient pas d'indicateurs avec leur jeu de formulaires.")
    code = str(indicators.get("programme") or "")
    anchors, bound = trust.anchors_for(code)
    check = check_detached_cms(members[DATA], members[SIGNATURE], anchors) if anchors else None
    if check is None or not check.valid:
        if check is None or "non reconnu" in check.reason:
            raise ShareError(
                f"{name} : signé par un certificat qui n'est pas parmi les certificats de confiance"
                + (f" du programme {code} (--trust {code}=CERT.pem)." if bound else " (--trust).")
            )
        raise ShareError(f"{name} : signature invalide, le fichier a été modifié après sa signature ({check.reason}).")
    if not _same_certificate(members[CERTIFICATE], members[SIGNATURE]):
        raise ShareError(f"{name} : certificate.pem n'est pas le certificat qui a signé les indicateurs.")
    if not bound and not names_programme(check.signer, code):
        raise ShareError(
            f"{name} : le certificat signataire ({check.signer}) n'est pas celui du programme {code or '?'} : "
            f"son nom ne contient pas « ({code or 'CODE'}) ». Si c'est bien le certificat de ce programme, "
            f"déclarez-le pour lui : --trust {code or 'CODE'}=CERT.pem."
        )
    return Share(name=name, indicators=indicators, signer=check.signer)
