"""The layering of ARCHITECTURE.md, beyond what `lint-imports` checks (see pyproject.toml)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import grimp
import pytest

APP = Path(__file__).resolve().parent.parent / "app"

# Packages that hold one feature; the others under app/ are core or entry points.
FEATURES = {
    "admin",
    "archive",
    "children",
    "collective",
    "documents",
    "eps",
    "followup",
    "exits",
    "formsets",
    "home",
    "imports",
    "indicators",
    "maintenance",
    "network",
    "parcours",
    "programme_data",
    "scans",
    "workflow",
}
# What a feature offers the others: its operations, its read side and its mapped classes.
PUBLIC_MODULES = {"services", "queries", "models"}
# Sealing is the documents' public side for the archive, which seals documents finalised elsewhere,
# and for the EPS, which lays out (rendering: plain data in, PDF out) and seals its relevés and letters;
# layout is the one A4 page layout every PDF of Parcours is built with.
# The network lays out and masks its département table as the indicators do their own: it shares their
# report layout, export rows, key figures and complementary suppression.
PUBLIC_EXTRA = {"app.documents.sealing", "app.documents.rendering", "app.documents.layout"}
PUBLIC_EXTRA |= {"app.indicators.export", "app.indicators.report", "app.indicators.summary"}
PUBLIC_EXTRA |= {"app.indicators.suppression"}
# The EPS's French form fields (dates, choices, checkboxes) serve the collective actions' forms too.
PUBLIC_EXTRA |= {"app.eps.forms"}

CLI_MODULES = sorted("app." + ".".join(path.relative_to(APP).with_suffix("").parts) for path in APP.glob("**/cli.py"))


@pytest.mark.parametrize("module", ["app.cli", "app.clitools", *CLI_MODULES])
def test_each_command_module_imports_on_its_own(module: str) -> None:
    result = subprocess.run([sys.executable, "-c", f"import {module}"], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr


def _feature_of(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[1] in FEATURES else None


def _breaches(graph: grimp.ImportGraph) -> list[str]:
    breaches = []
    for importer in sorted(graph.modules):
        source = _feature_of(importer)
        if source is None:
            continue
        for imported in sorted(graph.find_modules_directly_imported_by(importer)):
            target = _feature_of(imported)
            if target is None or target == source:
                continue
            module = ".".join(imported.split(".")[:3])
            if module.split(".")[-1] not in PUBLIC_MODULES and module not in PUBLIC_EXTRA:
                breaches.append(f"{importer} -> {imported}")
    return breaches


def test_features_reach_each_other_through_their_public_modules() -> None:
    assert _breaches(grimp.build_graph("app")) == []


def test_the_surface_rule_reports_a_reach_into_another_feature() -> None:
    graph = grimp.ImportGraph()
    graph.add_import(importer="app.archive.views", imported="app.documents.services")
    graph.add_import(importer="app.archive.views", imported="app.authz.policy")
    graph.add_import(importer="app.archive.views", imported="app.documents.views")
    assert _breaches(graph) == ["app.archive.views -> app.documents.views"]
