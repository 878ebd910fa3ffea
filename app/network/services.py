"""Network services: a programme's share file, consolidation of shares or of the instance's programmes,
and the shares a `reseau` user stored in the instance (`instance/network/<year>/<PROGRAMME>.zip`).

Share files hold aggregates only; every share made and every table produced is audited.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.audit import services as audit
from app.crypto.certificates import CertificateError, split_certificates
from app.indicators.services import exact_indicators
from app.network import consolidate
from app.network.share import Share, ShareError, Trust, build_share, read_share
from app.signing.keys import all_certificates_pem, ensure_certificate, has_certificate, load_material
from app.users.models import Programme

NETWORK_DIR = "network"
TRUST_DIR = "trust"
BOUND_DIR = "programmes"  # trust/programmes/<CODE>.pem: a certificate that speaks for CODE only
YEAR = re.compile(r"^[0-9]{4}(-[0-9]{4})?$")


def make_share(
    session: Session,
    programme: Programme,
    year: int | str,
    keys_path: Path,
    form_set: tuple[str, int],
    actor_id: int | None,
) -> bytes:
    """The programme's signed share file for `year` or a school year (audited); ExportError on a bad period."""
    indicators = exact_indicators(session, programme.id, year)
    ensure_certificate(keys_path, programme.code, programme.name)
    content = build_share(indicators, form_set[0], form_set[1], load_material(keys_path, programme.code))
    audit.record(
        session,
        "indicators.share",
        actor_id=actor_id,
        programme_id=programme.id,
        target_type="indicators",
        target_id=f"{year}-partage.zip",
    )
    return content


def trust_bundle(pems: Sequence[bytes]) -> bytes:
    """The certificates of `pems` as one PEM bundle; ShareError when a file holds no certificate."""
    bundle = b""
    for index, pem in enumerate(pems, start=1):
        try:
            bundle += b"".join(split_certificates(pem))
        except CertificateError as error:
            raise ShareError(f"Certificat de confiance n° {index} illisible : un fichier PEM est attendu.") from error
    return bundle


def trust_of(shared: Sequence[bytes], bound: Mapping[str, Sequence[bytes]]) -> Trust:
    """Trust anchors from PEM files: `shared` for any programme naming its code, `bound` per code."""
    return Trust(
        shared=trust_bundle(shared),
        bound={code.upper(): trust_bundle(pems) for code, pems in bound.items()},
    )


def read_shares(files: Sequence[tuple[str, bytes]], trusted: Trust, year: str) -> tuple[list[Share], dict[str, Any]]:
    """Verify and read every share; ShareError naming the first file that cannot be used."""
    shares = [read_share(name, content, trusted) for name, content in files]
    return shares, consolidate.check_shares(shares, year)


def table_from_shares(files: Sequence[tuple[str, bytes]], trusted: Trust, year: str) -> dict[str, Any]:
    shares, form_set = read_shares(files, trusted, year)
    return consolidate.table({share.programme: share.indicators for share in shares}, year, form_set)


def table_from_instance(session: Session, year: int | str, form_set: tuple[str, int]) -> dict[str, Any]:
    """The same table from this instance's own programmes (a GIP hosting several PRE)."""
    programmes = session.scalars(select(Programme).order_by(Programme.code))
    parts = {programme.code: exact_indicators(session, programme.id, year) for programme in programmes}
    return consolidate.table(parts, str(year), {"name": form_set[0], "version": form_set[1]})


def record_table(session: Session, year: str, external: bool, actor_id: int | None, programme_id: int | None) -> None:
    audit.record(
        session,
        "network.consolidate",
        actor_id=actor_id,
        programme_id=programme_id,
        target_type="indicators",
        target_id=f"{year}-reseau{'-diffusion-externe' if external else ''}",
    )


def instance_trust(session: Session, instance_path: Path, keys_path: Path) -> Trust:
    """Trust anchors inside an instance: each of its programmes' certificates (current and past) for
    that programme; `instance/network/trust/programmes/<CODE>.pem` for programme CODE; and
    `instance/network/trust/*.pem` (e.g. the network's CA) for programmes whose certificate names
    their code. Placed there by the instance's administrator."""
    folder = instance_path / NETWORK_DIR / TRUST_DIR
    bound: dict[str, list[bytes]] = {}
    for code in session.scalars(select(Programme.code)):
        if has_certificate(keys_path, code):
            bound.setdefault(code.upper(), []).append(all_certificates_pem(keys_path, code))
    for path in sorted((folder / BOUND_DIR).glob("*.pem")) if (folder / BOUND_DIR).is_dir() else []:
        bound.setdefault(path.stem.upper(), []).append(path.read_bytes())
    shared = [path.read_bytes() for path in sorted(folder.glob("*.pem"))] if folder.is_dir() else []
    return trust_of(
        [pem for pem in shared if pem.strip()],
        {code: [pem for pem in pems if pem.strip()] for code, pems in bound.items()},
    )


def _year_dir(instance_path: Path, year: str) -> Path:
    if not YEAR.match(year):
        raise ShareError(f"Période invalide : {year}.")
    return instance_path / NETWORK_DIR / year


def store_share(
    session: Session, instance_path: Path, trusted: Trust, year: str, name: str, content: bytes, actor_id: int
) -> Share:
    """Verify a share and keep it for the year (replacing the same programme's earlier one); audited."""
    share = read_share(name, content, trusted)
    stored = stored_shares(instance_path, year)
    others = [(n, c) for n, c in stored if n != f"{share.programme}.zip"]
    consolidate.check_shares([*(read_share(n, c, trusted) for n, c in others), share], year)
    folder = _year_dir(instance_path, year)
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    target = folder / f"{re.sub(r'[^A-Z0-9_-]', '_', share.programme.upper())}.zip"
    temporary = target.with_suffix(".tmp")
    temporary.write_bytes(content)
    temporary.replace(target)
    audit.record(
        session, "network.share_stored", actor_id=actor_id, target_type="indicators", target_id=f"{year}/{target.name}"
    )
    return share


def stored_shares(instance_path: Path, year: str) -> list[tuple[str, bytes]]:
    folder = _year_dir(instance_path, year)
    return [(path.name, path.read_bytes()) for path in sorted(folder.glob("*.zip"))] if folder.is_dir() else []
