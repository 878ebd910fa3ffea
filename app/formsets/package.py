"""A published form set as one signed file (`parcours forms package`), and reading sets from ZIP files.

SET.zip holds the set's files as in `forms/` (`set.yaml`, `nomenclature.yaml`, `forms.lock`,
`<form_id>/v<N>.yaml`), `manifest.json` (`{"name", "version", "created_at", "files": [{"path",
"sha256", "size"}]}`), `manifest.json.sig` (detached CMS, DER, by the publishing programme's or
network's certificate, verifiable with `openssl cms -verify`) and `certificate.pem`.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import tempfile
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from app.crypto.certificates import KeyMaterial, sign_detached_cms
from app.formengine import FormSet, check_form_set
from app.formengine.loader import LOCK_FILE, NOMENCLATURE_FILE, SET_FILE, version_files
from app.signing.validation import check_detached_cms

MANIFEST = "manifest.json"
SIGNATURE = "manifest.json.sig"
CERTIFICATE = "certificate.pem"
SET_MEMBER = re.compile(r"^(set\.yaml|nomenclature\.yaml|forms\.lock|[a-z][a-z0-9_]{0,63}/v[1-9][0-9]{0,3}\.yaml)$")
MAX_FILES = 500
MAX_BYTES = 10 * 1024 * 1024


class PackageError(ValueError):
    """A form-set file that cannot be used; the message (French) says why."""


def set_files(directory: Path) -> dict[str, bytes]:
    """The files of the valid form set in `directory`; PackageError listing the problems otherwise."""
    form_set, errors = check_form_set(directory)
    if form_set is None:
        raise PackageError(
            "Jeu de formulaires invalide :\n" + "\n".join(f"  {e.file}: {e.field or '-'}: {e.reason}" for e in errors)
        )
    files = {name: (directory / name).read_bytes() for name in (SET_FILE, NOMENCLATURE_FILE, LOCK_FILE)}
    for form_id, version, path in version_files(directory):
        files[f"{form_id}/v{version}.yaml"] = path.read_bytes()
    return files


def build_package(directory: Path, material: KeyMaterial) -> tuple[bytes, FormSet]:
    """The signed package of the form set in `directory`."""
    files = set_files(directory)
    form_set, _errors = check_form_set(directory)
    assert form_set is not None
    manifest = {
        "name": form_set.name,
        "version": form_set.version,
        "created_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "files": [
            {"path": name, "sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}
            for name, data in sorted(files.items())
        ],
    }
    manifest_bytes = (json.dumps(manifest, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in sorted(files.items()):
            archive.writestr(name, data)
        archive.writestr(MANIFEST, manifest_bytes)
        archive.writestr(SIGNATURE, sign_detached_cms(manifest_bytes, material))
        archive.writestr(CERTIFICATE, material.certificate_pem)
    return buffer.getvalue(), form_set


def _zip_members(name: str, content: bytes) -> dict[str, bytes]:
    """Every file of the ZIP, a single top folder (a zipped `forms/`) removed."""
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            infos = [info for info in archive.infolist() if not info.is_dir()]
            if len(infos) > MAX_FILES or sum(info.file_size for info in infos) > MAX_BYTES:
                raise PackageError(f"{name} : archive trop volumineuse pour un jeu de formulaires.")
            members = {info.filename: archive.read(info) for info in infos}
    except (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, EOFError, OSError) as error:
        raise PackageError(f"{name} : archive ZIP illisible ou modifiée ({error}).") from error
    tops = {member.split("/", 1)[0] for member in members}
    if len(tops) == 1 and all("/" in member for member in members):
        top = tops.pop() + "/"
        if (top + SET_FILE) in members:
            members = {member[len(top) :]: data for member, data in members.items()}
    return members


def verify_package(name: str, content: bytes, trusted: bytes) -> dict[str, bytes]:
    """The set's files of a signed package, after checking its signature against `trusted` (PEM) and
    every file against the manifest; PackageError naming why otherwise."""
    members = _zip_members(name, content)
    for required in (MANIFEST, SIGNATURE, CERTIFICATE):
        if required not in members:
            raise PackageError(
                f"{name} : {required} manque ; ce fichier n'est pas un jeu publié par « forms package »."
            )
    check = check_detached_cms(members[MANIFEST], members[SIGNATURE], trusted)
    if not check.valid:
        if "non reconnu" in check.reason:
            raise PackageError(f"{name} : signé par un certificat qui n'est pas le certificat de confiance (--trust).")
        raise PackageError(f"{name} : signature invalide, le manifeste a été modifié après sa signature.")
    try:
        listed = {entry["path"]: entry["sha256"] for entry in json.loads(members[MANIFEST])["files"]}
    except (ValueError, KeyError, TypeError) as error:
        raise PackageError(f"{name} : manifest.json illisible.") from error
    files = {member: data for member, data in members.items() if member not in (MANIFEST, SIGNATURE, CERTIFICATE)}
    extra = sorted(set(files) - set(listed))
    if extra:
        raise PackageError(f"{name} : {extra[0]} ajouté après la signature (absent du manifeste).")
    for member, digest in sorted(listed.items()):
        if member not in files:
            raise PackageError(f"{name} : {member} manque (listé dans le manifeste).")
        if hashlib.sha256(files[member]).hexdigest() != digest:
            raise PackageError(f"{name} : {member} a été modifié après la signature (empreinte différente).")
        if not SET_MEMBER.match(member):
            raise PackageError(f"{name} : nom de fichier inattendu dans un jeu de formulaires : {member}.")
    return files


def unsigned_files(name: str, content: bytes) -> dict[str, bytes]:
    """The set's files of a ZIP (a package or a zipped forms folder), for comparison only."""
    return {member: data for member, data in _zip_members(name, content).items() if SET_MEMBER.match(member)}


def write_files(directory: Path, files: dict[str, bytes]) -> None:
    for member, data in files.items():
        if not SET_MEMBER.match(member):
            raise PackageError(f"Nom de fichier inattendu dans un jeu de formulaires : {member}.")
        target = directory / member
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)


@contextmanager
def unpacked(files: dict[str, bytes]) -> Iterator[Path]:
    """The files written to a temporary folder (removed afterwards)."""
    with tempfile.TemporaryDirectory(prefix="parcours-forms-") as folder:
        write_files(Path(folder), files)
        yield Path(folder)


def load_files(name: str, files: dict[str, bytes]) -> FormSet:
    """The form set made of `files`; PackageError naming every problem."""
    with unpacked(files) as folder:
        form_set, errors = check_form_set(folder)
    if form_set is None:
        details = "\n".join(f"  {e.file}: {e.field or '-'}: {e.reason}" for e in errors)
        raise PackageError(f"{name} : jeu de formulaires invalide :\n{details}")
    return form_set


def load_any(path: Path) -> FormSet:
    """A form set from a folder or a ZIP file (signed package or zipped folder), for comparison."""
    if path.is_dir():
        return load_files(str(path), set_files(path))
    return load_files(str(path), unsigned_files(str(path), path.read_bytes()))
