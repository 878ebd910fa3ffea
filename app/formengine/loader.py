"""Loading a form set from a folder: `set.yaml`, `nomenclature.yaml`, `<form_id>/v<N>.yaml`, `forms.lock`.

A published version is immutable: `forms.lock` holds the sha256 of every version file (in
`sha256sum` format, so `sha256sum -c forms.lock` works too); a file whose hash differs, or that
is missing from the lock, makes the set invalid and the app refuses to start.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import yaml

from app.config import ConfigError
from app.formengine.definitions import DefinitionError, parse_form
from app.formengine.model import FormDef
from app.nomenclature import Nomenclature, NomenclatureError
from app.nomenclature import load as load_nomenclature
from app.resources import read_yaml

SET_FILE = "set.yaml"
LOCK_FILE = "forms.lock"
NOMENCLATURE_FILE = "nomenclature.yaml"
VERSION_FILE = re.compile(r"^v([1-9][0-9]*)\.yaml$")
LOCK_LINE = re.compile(r"^([0-9a-f]{64})  (\S+)$")
SET_KEYS = frozenset({"name", "version", "forms"})


class FormSetError(ConfigError):
    """The form set is invalid; `errors` lists every problem (file, field, reason)."""

    def __init__(self, errors: list[DefinitionError]) -> None:
        self.errors = errors
        super().__init__("Invalid form set:\n" + "\n".join(f"  {e}" for e in errors))


@dataclass(frozen=True)
class FormSet:
    """Every published version of every form, with the set's name and version."""

    name: str
    version: int
    forms: dict[tuple[str, int], FormDef]
    nomenclature: Nomenclature
    form_ids: tuple[str, ...]

    def get(self, form_id: str, version: int) -> FormDef:
        try:
            return self.forms[(form_id, version)]
        except KeyError:
            raise KeyError(f"form {form_id} v{version} is not in the form set") from None

    def latest(self, form_id: str) -> FormDef:
        versions = [v for (f, v) in self.forms if f == form_id]
        if not versions:
            raise KeyError(f"form {form_id} is not in the form set")
        return self.forms[(form_id, max(versions))]

    def hashes(self) -> dict[str, str]:
        return {f"{f}/v{v}.yaml": d.sha256 for (f, v), d in sorted(self.forms.items())}


def file_hash(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def read_lock(directory: Path) -> tuple[dict[str, str], list[DefinitionError]]:
    path = directory / LOCK_FILE
    if not path.is_file():
        return {}, [DefinitionError(LOCK_FILE, "", "missing: run `parcours forms lock` to publish the versions")]
    entries: dict[str, str] = {}
    errors = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        match = LOCK_LINE.match(line)
        if not match:
            errors.append(DefinitionError(LOCK_FILE, f"line {number}", "expected `<sha256>  <form>/v<N>.yaml`"))
            continue
        entries[match.group(2)] = match.group(1)
    return entries, errors


def version_files(directory: Path) -> list[tuple[str, int, Path]]:
    found = []
    for folder in sorted(p for p in directory.iterdir() if p.is_dir() and not p.name.startswith(".")):
        for path in sorted(folder.iterdir()):
            match = VERSION_FILE.match(path.name)
            if match:
                found.append((folder.name, int(match.group(1)), path))
    return found


def _load_set_file(directory: Path) -> tuple[dict[str, Any], list[DefinitionError]]:
    try:
        data = read_yaml((directory / SET_FILE).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}, [DefinitionError(SET_FILE, "", "missing: the set needs a `name` and a `version`")]
    except yaml.YAMLError as error:
        return {}, [DefinitionError(SET_FILE, "", f"bad YAML: {error}")]
    errors = []
    if not isinstance(data, dict):
        return {}, [DefinitionError(SET_FILE, "", "expected a mapping with `name`, `version` and `forms`")]
    errors += [DefinitionError(SET_FILE, k, "unknown key") for k in data if k not in SET_KEYS]
    if not isinstance(data.get("name"), str) or not data["name"].strip():
        errors.append(DefinitionError(SET_FILE, "name", "`name` must be a non-empty text"))
    if not isinstance(data.get("version"), int) or isinstance(data.get("version"), bool):
        errors.append(DefinitionError(SET_FILE, "version", "`version` must be an integer"))
    forms = data.get("forms")
    if not isinstance(forms, list) or not forms or not all(isinstance(f, str) for f in forms):
        errors.append(DefinitionError(SET_FILE, "forms", "`forms` must list the form ids of the set"))
    return data, errors


def _load_form(form_id: str, version: int, path: Path, names: Nomenclature) -> tuple[FormDef | None, list[Any]]:
    source = f"{form_id}/{path.name}"
    try:
        data = read_yaml(path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as error:
        return None, [DefinitionError(source, "", f"bad YAML: {error}")]
    form, errors = parse_form(data, source, names)
    if form is not None and (form.form_id, form.version) != (form_id, version):
        errors.append(
            DefinitionError(source, "form", f"declares {form.form_id} v{form.version}, expected {form_id} v{version}")
        )
        form = None
    if form is not None:
        form = replace(form, sha256=file_hash(path), source=source)
    return form, errors


def check_form_set(directory: Path) -> tuple[FormSet | None, list[DefinitionError]]:
    """Load and check everything in `directory`; return the set (or None) and every error."""
    directory = Path(directory)
    if not directory.is_dir():
        return None, [DefinitionError(str(directory), "", "not a folder")]
    try:
        names = load_nomenclature(directory / NOMENCLATURE_FILE)
    except (OSError, yaml.YAMLError, NomenclatureError) as error:
        return None, [DefinitionError(NOMENCLATURE_FILE, "", str(error))]
    set_data, errors = _load_set_file(directory)
    lock, lock_errors = read_lock(directory)
    errors += lock_errors
    forms: dict[tuple[str, int], FormDef] = {}
    for form_id, version, path in version_files(directory):
        form, form_errors = _load_form(form_id, version, path, names)
        errors += form_errors
        relative = f"{form_id}/{path.name}"
        if relative not in lock:
            errors.append(DefinitionError(relative, "", f"not published in {LOCK_FILE} (run `parcours forms lock`)"))
        elif lock[relative] != file_hash(path):
            errors.append(
                DefinitionError(relative, "", f"published version changed: its sha256 differs from {LOCK_FILE}")
            )
        if form is not None:
            forms[(form_id, version)] = form
    present = {f for f, _v in forms} | {f for f, _v, _p in version_files(directory)}
    for form_id in set_data.get("forms") or []:
        if isinstance(form_id, str) and form_id not in present:
            errors.append(DefinitionError(SET_FILE, "forms", f"form `{form_id}` has no version file"))
    for relative in lock:
        if not (directory / relative).is_file():
            errors.append(DefinitionError(LOCK_FILE, relative, "published version file is missing"))
    if errors:
        return None, errors
    form_set = FormSet(
        name=set_data["name"],
        version=set_data["version"],
        forms=forms,
        nomenclature=names,
        form_ids=tuple(set_data["forms"]),
    )
    return form_set, []


def load_form_set(directory: Path) -> FormSet:
    """The form set of `directory`; raises FormSetError naming every problem."""
    form_set, errors = check_form_set(directory)
    if form_set is None:
        raise FormSetError(errors)
    return form_set


def publish(directory: Path) -> list[str]:
    """Add to `forms.lock` every version file not yet in it; never changes an existing entry."""
    lock_path = Path(directory) / LOCK_FILE
    lock, _errors = read_lock(Path(directory)) if lock_path.is_file() else ({}, [])
    added = []
    for form_id, _version, path in version_files(Path(directory)):
        relative = f"{form_id}/{path.name}"
        if relative not in lock:
            lock[relative] = file_hash(path)
            added.append(relative)
    lines = [f"{digest}  {relative}" for relative, digest in sorted(lock.items())]
    lock_path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return added
