"""Figures gathered while the browser tests run: axe results and navigation timings per page.

Written at the end of the session to tests/e2e/screenshots/{axe-results,timings}.json and printed
in the terminal summary. The timings are a benchmark figure, never asserted.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

SCREENSHOTS = Path(__file__).resolve().parent / "screenshots"
AXE_RESULTS: dict[str, dict[str, Any]] = {}
TIMINGS: dict[str, dict[str, float]] = {}
INTERACTIVE_TARGET_MS = 300


def record_axe(page_name: str, url: str, violations: list[dict[str, Any]]) -> None:
    counts = {impact: 0 for impact in ("critical", "serious", "moderate", "minor")}
    for violation in violations:
        counts[violation.get("impact") or "minor"] += len(violation["nodes"])
    AXE_RESULTS[page_name] = {
        "url": url,
        "counts": counts,
        "violations": [
            {"id": v["id"], "impact": v["impact"], "help": v["help"], "nodes": [n["target"] for n in v["nodes"]]}
            for v in violations
        ],
    }


def record_timing(page_name: str, timing: dict[str, float]) -> None:
    TIMINGS[page_name] = timing


def write_and_summarise(write_line: Callable[[str], None]) -> None:
    if not AXE_RESULTS and not TIMINGS:
        return
    SCREENSHOTS.mkdir(exist_ok=True)
    (SCREENSHOTS / "axe-results.json").write_text(json.dumps(AXE_RESULTS, indent=2, ensure_ascii=False) + "\n")
    (SCREENSHOTS / "timings.json").write_text(json.dumps(TIMINGS, indent=2) + "\n")
    write_line("")
    write_line("axe-core (WCAG 2 A/AA), violating nodes per page: critical/serious/moderate/minor")
    for name, result in sorted(AXE_RESULTS.items()):
        counts = result["counts"]
        rules = ", ".join(sorted({v["id"] for v in result["violations"]})) or "-"
        write_line(
            f"  {name:<36} {counts['critical']}/{counts['serious']}/{counts['moderate']}/{counts['minor']}  {rules}"
        )
    write_line(f"navigation timing, domInteractive in ms (target < {INTERACTIVE_TARGET_MS}, not asserted):")
    for name, timing in sorted(TIMINGS.items()):
        flag = "" if timing["domInteractive"] < INTERACTIVE_TARGET_MS else "  (over target)"
        write_line(
            f"  {name:<36} {timing['domInteractive']:7.1f}  (response {timing['responseEnd']:.1f}, "
            f"load {timing['loadEventEnd']:.1f}){flag}"
        )
    write_line(f"written to {SCREENSHOTS}/axe-results.json and timings.json")
