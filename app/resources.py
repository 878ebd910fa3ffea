"""Data shipped with the code: `forms/` and `migrations/`.

In a checkout they are the top-level folders (the source of truth); an installed package carries
copies under `app/_data/` (made by `setup.py` when the wheel is built).
"""

from __future__ import annotations

from pathlib import Path
from typing import IO, Any

import yaml

_PACKAGE = Path(__file__).resolve().parent
_CHECKOUT = _PACKAGE.parent


def shipped_dir(name: str) -> Path:
    """The folder `name` (`forms` or `migrations`) of this checkout, or of the installed package."""
    if (_CHECKOUT / "pyproject.toml").is_file() and (_CHECKOUT / name).is_dir():
        return _CHECKOUT / name
    return _PACKAGE / "_data" / name


def read_yaml(source: str | IO[str]) -> Any:
    """YAML data, safe subset, parsed by libyaml when PyYAML was built with it (about ten times
    faster than the pure-Python parser: the forms and nomenclature load at every command)."""
    return yaml.load(source, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))  # noqa: S506 (safe loaders only)
