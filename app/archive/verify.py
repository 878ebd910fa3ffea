"""Verifying an archive: hashes, seals, the manifest signature, missing and extra files.

Signatures are checked against a trust anchor given by the caller (the programme's certificate,
current and past), never against the `certificate.pem` the archive carries: an archive re-signed
with any other key fails. Nothing is decompressed beyond the sizes the ZIP declares, and declared
sizes are bounded before anything is read (a ZIP bomb is refused without inflating it).
"""

from __future__ import annotations

import hashlib
import json
import os
import zipfile
import zlib
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from multiprocessing import get_context
from pathlib import Path
from typing import Any

from app.archive.export import CERTIFICATE, MANIFEST, README, SCANS, SIGNATURE
from app.i18n import _
from app.signing.validation import check_detached_cms, check_sealed_pdf

PARALLEL_FROM = 16
WINDOW = 64
MAX_ENTRY_BYTES = {MANIFEST: 16 * 1024 * 1024, SIGNATURE: 1024 * 1024, CERTIFICATE: 1024 * 1024, README: 1024 * 1024}
MAX_DOCUMENT_BYTES = 64 * 1024 * 1024
# Sealed PDFs are compressed already and the manifest is mostly hashes: an entry that inflates
# more than this (beyond a small allowance) is not one Parcours wrote.
MAX_RATIO = 50
RATIO_ALLOWANCE = 1024 * 1024
TrustAnchor = Callable[[str], bytes | None]  # programme code → trusted certificates (PEM), None if unknown


@dataclass(frozen=True)
class Problem:
    path: str
    reason: str

    def __str__(self) -> str:
        return f"{self.path} : {self.reason}"


def _oversized(infos: list[zipfile.ZipInfo]) -> list[Problem]:
    """Entries whose declared size is beyond what Parcours writes (checked before inflating anything)."""
    problems = []
    for info in infos:
        limit = MAX_ENTRY_BYTES.get(info.filename, MAX_DOCUMENT_BYTES)
        if info.file_size > limit:
            problems.append(Problem(info.filename, f"taille déclarée {info.file_size} octets, {limit} au plus"))
        elif info.file_size > MAX_RATIO * info.compress_size + RATIO_ALLOWANCE:
            problems.append(Problem(info.filename, "taux de compression anormal (bombe ZIP ?) : non décompressé"))
    return problems


def _programme_of(manifest: bytes) -> str:
    try:
        return str(json.loads(manifest)["programme"])
    except (ValueError, KeyError, TypeError):
        return ""


def _read_manifest(
    archive: zipfile.ZipFile, names: set[str], anchor: TrustAnchor
) -> tuple[bytes | None, bytes | None, list[Problem]]:
    """(manifest, trusted certificates, problems): the manifest counts only once its signature verifies."""
    problems = [Problem(name, "absent de l'archive") for name in (MANIFEST, SIGNATURE) if name not in names]
    if problems:
        return None, None, problems
    manifest = archive.read(MANIFEST)
    programme = _programme_of(manifest)
    trusted = anchor(programme)
    if trusted is None:
        return None, None, [Problem(MANIFEST, f"programme « {programme} » inconnu : aucun certificat de confiance")]
    check = check_detached_cms(manifest, archive.read(SIGNATURE), trusted)
    if not check.valid:
        return manifest, trusted, [Problem(MANIFEST, f"signature du manifeste invalide : {check.reason}")]
    return manifest, trusted, []


def _entries(manifest: bytes) -> tuple[list[dict[str, Any]], list[Problem]]:
    try:
        files = json.loads(manifest)["files"]
        entries = [{"path": str(f["path"]), "sha256": str(f["sha256"]), "size": int(f["size"])} for f in files]
    except (ValueError, KeyError, TypeError) as error:
        return [], [Problem(MANIFEST, f"manifeste illisible ({error})")]
    return entries, []


def _check_one(job: tuple[str, bytes, str, bytes]) -> Problem | None:
    path, data, sha256, trust_root = job
    if hashlib.sha256(data).hexdigest() != sha256:
        return Problem(path, _("modifié : son empreinte SHA-256 ne correspond pas au manifeste"))
    if path.startswith(SCANS):
        return None  # a scan is kept as deposited: its hash, in the signed manifest, is its seal
    seal = check_sealed_pdf(data, trust_root)
    if not seal.valid:
        return Problem(path, f"cachet invalide : {seal.reason}")
    return None


def _jobs(
    archive: zipfile.ZipFile, entries: list[dict[str, Any]], trust_root: bytes
) -> Iterator[tuple[str, bytes, str, bytes]]:
    for entry in entries:
        yield entry["path"], archive.read(entry["path"]), entry["sha256"], trust_root


def verify_archive(
    path: Path, anchor: TrustAnchor, progress: Callable[[int, int], None] | None = None
) -> list[Problem]:
    """Every problem found in the archive at `path`; an empty list means it verifies against `anchor`."""
    try:
        archive = zipfile.ZipFile(path)
    except (OSError, zipfile.BadZipFile) as error:
        return [Problem(str(path), f"archive ZIP illisible ({error})")]
    with archive:
        infos = [info for info in archive.infolist() if not info.is_dir()]
        oversized = _oversized(infos)
        if oversized:
            return oversized
        names = {info.filename for info in infos}
        try:
            return _verify(archive, names, anchor, progress)
        except (zipfile.BadZipFile, zlib.error, OSError, EOFError, NotImplementedError) as error:
            return [Problem(str(path), f"archive ZIP endommagée ({error})")]


def _verify(
    archive: zipfile.ZipFile, names: set[str], anchor: TrustAnchor, progress: Callable[[int, int], None] | None
) -> list[Problem]:
    manifest, trusted, problems = _read_manifest(archive, names, anchor)
    if manifest is None or trusted is None:
        return problems
    entries, unreadable = _entries(manifest)
    problems += unreadable
    listed = {entry["path"] for entry in entries}
    problems += [Problem(p, _("absent de l'archive (listé dans le manifeste)")) for p in sorted(listed - names)]
    known = listed | {MANIFEST, SIGNATURE, CERTIFICATE, README}
    problems += [Problem(n, "fichier en trop : absent du manifeste") for n in sorted(names - known)]
    present = [entry for entry in entries if entry["path"] in names]
    problems += _check_documents(archive, present, trusted, progress)
    return problems


def _check_documents(
    archive: zipfile.ZipFile,
    entries: list[dict[str, Any]],
    trust_root: bytes,
    progress: Callable[[int, int], None] | None,
) -> list[Problem]:
    """Check hashes and seals, in worker processes when there are many, a window at a time (memory flat)."""
    problems: list[Problem] = []
    workers = os.cpu_count() or 1
    pool = None
    if workers > 1 and len(entries) >= PARALLEL_FROM:
        pool = ProcessPoolExecutor(max_workers=workers, mp_context=get_context("spawn"))
    try:
        done = 0
        for start in range(0, len(entries), WINDOW):
            jobs = list(_jobs(archive, entries[start : start + WINDOW], trust_root))
            results = pool.map(_check_one, jobs, chunksize=4) if pool is not None else map(_check_one, jobs)
            for result in results:
                done += 1
                if result is not None:
                    problems.append(result)
                if progress is not None:
                    progress(done, len(entries))
    finally:
        if pool is not None:
            pool.shutdown()
    return problems
