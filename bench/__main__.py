"""`python -m bench [MODULE...] [options]`: run the named benchmark modules' `main()` (all by default).

Options are shared: each module reads the ones it knows (e.g. `--sizes 100000 --seconds 10`).
Every module appends its figures to bench/results.txt; this runner adds a line with the time each
module took. The whole default run (SQLite, plus PostgreSQL when PARCOURS_BENCH_POSTGRES_URL is
set) takes about 8 minutes on 2 cores; a module is not started once `--budget` seconds (default
600) have passed, so that `make bench` stays bounded on a slower or busier machine.
"""

from __future__ import annotations

import argparse
import importlib
import os
import pkgutil
import sys
import time
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results.txt"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--budget", type=float, default=600, help="seconds after which no module is started")
    args, _ = parser.parse_known_args()
    available = sorted(m.name for m in pkgutil.iter_modules([str(Path(__file__).parent)]) if not m.name.startswith("_"))
    available = [name for name in available if name != "floor"]  # the web bench's page server, not a bench
    chosen = [arg for arg in sys.argv[1:] if arg in available] or available
    started = time.monotonic()
    took = []
    for module in chosen:
        if time.monotonic() - started > args.budget:
            took.append(f"{module} not run (time budget of {args.budget:.0f} s spent)")
            continue
        before = time.monotonic()
        importlib.import_module(f"bench.{module}").main()
        took.append(f"{module} {time.monotonic() - before:.0f} s")
    total = time.monotonic() - started
    line = (
        f"== make bench {time.strftime('%Y-%m-%d %H:%M')}: {', '.join(took)}; total {total:.0f} s "
        f"(load average {' '.join(f'{x:.1f}' for x in os.getloadavg())} at the end)"
    )
    with RESULTS.open("a", encoding="utf-8") as handle:
        handle.write(line + "\n")
    print(line)
    print(f"Results appended to {RESULTS}")


if __name__ == "__main__":
    main()
