"""`python -m bench`: run every benchmark module's `main()`."""

from __future__ import annotations

import importlib
import pkgutil
from pathlib import Path


def main() -> None:
    for module in sorted(m.name for m in pkgutil.iter_modules([str(Path(__file__).parent)])):
        if not module.startswith("_"):
            importlib.import_module(f"bench.{module}").main()


if __name__ == "__main__":
    main()
