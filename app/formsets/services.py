"""Installing a published form set in an instance (`instance/forms/`), audited.

A published version never changes and documents keep the version they were filled with, so a set
is installed only when it still holds every version of the set in use, unchanged; new documents
then use the latest version of each form. The replaced set is kept under `instance/forms.previous/`.
"""

from __future__ import annotations

import os
import secrets
import shutil
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from app.audit import services as audit
from app.formengine import INSTALLED_DIR, FormSet, forms_directory, load_form_set
from app.formsets.package import PackageError, write_files

PREVIOUS_DIR = "forms.previous"


def upgrade_problems(current: FormSet, new: FormSet) -> list[str]:
    """Why `new` cannot replace `current` (French), or nothing."""
    problems = []
    new_hashes = new.hashes()
    for path, digest in current.hashes().items():
        if path not in new_hashes:
            problems.append(f"la version publiée {path} du jeu en usage manque : des documents peuvent l'utiliser.")
        elif new_hashes[path] != digest:
            problems.append(f"la version publiée {path} a été modifiée : une version publiée ne change jamais.")
    if new.version < current.version:
        problems.append(f"version {new.version} plus ancienne que la version en usage ({current.version}).")
    elif new.version == current.version and not problems and new.hashes() == current.hashes():
        problems.append(f"la version {new.version} est déjà installée.")
    elif new.version == current.version:
        problems.append(f"même numéro de version ({new.version}) que le jeu en usage, avec un contenu différent.")
    return problems


def install(
    session: Session, settings: Any, files: dict[str, bytes], new: FormSet, actor_id: int | None
) -> tuple[Path, FormSet]:
    """Write the set into `instance/forms/` (the previous one kept aside) and audit it; PackageError
    when the set cannot replace the one in use. Returns the folder and the set as loaded from it."""
    current = load_form_set(forms_directory(settings))
    problems = upgrade_problems(current, new)
    if problems:
        raise PackageError("Installation refusée : " + " ".join(problems))
    instance = Path(settings.instance_path)
    target = instance / INSTALLED_DIR
    staging = instance / f".forms-{secrets.token_hex(6)}"
    staging.mkdir(mode=0o700)
    try:
        write_files(staging, files)
        loaded = load_form_set(staging)
    except Exception:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    if target.exists():
        previous = instance / PREVIOUS_DIR / f"v{current.version}-{datetime.now(UTC):%Y%m%dT%H%M%S}"
        previous.parent.mkdir(mode=0o700, exist_ok=True)
        os.replace(target, previous)
    os.replace(staging, target)
    audit.record(
        session,
        "formset.install",
        actor_id=actor_id,
        target_type="form_set",
        target_id=f"{new.name[:100]} v{new.version}",
    )
    return target, loaded
