"""One check of a main page: navigation timing, screenshots on tablet and phone, axe-core."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from tests.e2e import report

AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
VIEWPORTS = {"tablette": {"width": 768, "height": 1024}, "telephone": {"width": 390, "height": 844}}
BLOCKING = ("critical", "serious")

_TIMING = """() => {
  const n = performance.getEntriesByType("navigation")[0];
  return {domInteractive: n.domInteractive, domContentLoadedEventEnd: n.domContentLoadedEventEnd,
          responseEnd: n.responseEnd, loadEventEnd: n.loadEventEnd};
}"""
_OVERFLOW = "() => [document.documentElement.scrollWidth, window.innerWidth]"
_WIDE = """() => Array.from(document.querySelectorAll("body *"))
  .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1 && !e.closest(".table-wrap"))
  .filter(e => !Array.from(e.children).some(c => c.getBoundingClientRect().right > window.innerWidth + 1))
  .slice(0, 4).map(e => e.outerHTML.slice(0, 100))
"""
_AXE_RUN = """async (tags) => {
  const result = await axe.run(document, {runOnly: {type: "tag", values: tags}, resultTypes: ["violations"]});
  return result.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.map(n => ({target: n.target, html: n.html.slice(0, 200), summary: n.failureSummary}))}));
}"""


@dataclass
class PageCheck:
    name: str
    url: str
    blocking: list[dict[str, Any]] = field(default_factory=list)
    overflows: list[str] = field(default_factory=list)

    def problems(self) -> list[str]:
        found = [
            f"{self.name}: axe {v['impact']} {v['id']} ({v['help']}) on "
            + "; ".join(f"{n['target']} {n['html']}" for n in v["nodes"][:3])
            for v in self.blocking
        ]
        return found + self.overflows


def _file_name(name: str) -> str:
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9-]+", "-", ascii_name.lower()).strip("-")


def run_axe(page: Any, axe_source: str) -> list[dict[str, Any]]:
    """axe-core's WCAG 2 A/AA violations on the page (the script is injected through DevTools, the
    page's Content-Security-Policy forbidding inline scripts)."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(axe_source + "\n;0")
    return page.evaluate(_AXE_RUN, AXE_TAGS)


def check_page(page: Any, name: str, axe_source: str) -> PageCheck:
    """Record the page's timing, screenshot it at tablet and phone sizes, run axe. Asserts nothing:
    the caller asserts `check.problems()` is empty."""
    check = PageCheck(name, page.url)
    report.record_timing(name, page.evaluate(_TIMING))
    desktop = page.viewport_size
    report.SCREENSHOTS.mkdir(exist_ok=True)
    for label, size in VIEWPORTS.items():
        page.set_viewport_size(size)
        page.screenshot(path=str(report.SCREENSHOTS / f"{_file_name(name)}-{label}.png"), full_page=True)
        scroll_width, inner_width = page.evaluate(_OVERFLOW)
        if scroll_width > inner_width:
            wide = page.evaluate(_WIDE)
            check.overflows.append(
                f"{name}: horizontal overflow at {label} ({scroll_width} px > {inner_width} px): {wide}"
            )
    page.set_viewport_size(desktop)
    violations = run_axe(page, axe_source)
    report.record_axe(name, page.url, violations)
    check.blocking = [v for v in violations if v["impact"] in BLOCKING]
    return check
