"""`python -m bench [MODULE...] [options]`: run the named benchmark modules' `main()` (all by default).

Options are shared: each module reads the ones it knows (e.g. `--sizes 100000 --seconds 10`).
"""

from __future__ import annotations

import importlib
import pkgutil
import sys
from pathlib import Path


def main() -> None:
    available = sorted(m.name for m in pkgutil.iter_modules([str(Path(__file__).parent)]) if not m.name.startswith("_"))
    available = [name for name in available if name != "floor"]  # the web bench's page server, not a bench
    chosen = [arg for arg in sys.argv[1:] if arg in available]
    for module in chosen or available:
        importlib.import_module(f"bench.{module}").main()


if __name__ == "__main__":
    main()
