"""Browser tests: a real `parcours run` on a demo instance, driven by Debian's Chromium.

The server runs in a subprocess on 127.0.0.1 (a free port), on SQLite in its own temporary
instance made by `parcours init --demo`, whatever PARCOURS_DATABASE_URL says. Without
/usr/bin/chromium (or without `node_modules/axe-core`, installed by `make install`) the tests are
skipped, except under CI where a missing tool fails the run.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from tests.e2e import report

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
REPO = Path(__file__).resolve().parents[2]
AXE_SCRIPT = REPO / "node_modules" / "axe-core" / "axe.min.js"
DEMO_PASSWORD = "demo-parcours"
DESKTOP = {"width": 1280, "height": 900}

REFERENT = "referent@demo.parcours"
REFERENT2 = "referent2@demo.parcours"
COORDINATION = "coordination@demo.parcours"
EPS = "eps@demo.parcours"
ADMIN = "admin@demo.parcours"
RESEAU = "reseau@demo.parcours"
DEMO_EMAILS = [REFERENT, REFERENT2, COORDINATION, EPS, ADMIN]


def missing(what: str) -> None:
    """Skip on a developer's machine, fail under CI (the browser tests must run there)."""
    if os.environ.get("CI"):
        pytest.fail(f"CI: {what} is missing, the browser tests cannot run", pytrace=False)
    pytest.skip(f"{what} is missing (apt-get install chromium; make install)")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            assert item.get_closest_marker("e2e"), f"{item.nodeid}: every browser test is marked e2e"


def pytest_terminal_summary(terminalreporter: Any) -> None:
    report.write_and_summarise(terminalreporter.write_line)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _parcours_command() -> list[str]:
    script = Path(sys.executable).with_name("parcours")
    if script.exists():
        return [str(script)]
    return [sys.executable, "-c", "from app.cli import main; main()"]


def _wait_until_healthy(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"parcours run exited ({process.returncode}):\n{log.read_text()}", pytrace=False)
        try:
            with urllib.request.urlopen(url + "/sante", timeout=2) as response:  # noqa: S310 - our own server
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.1)
    pytest.fail(f"parcours run did not answer /sante within 60 s:\n{log.read_text()}", pytrace=False)


@pytest.fixture(scope="package")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Base URL of a demo instance served by `parcours run` in a subprocess."""
    if not CHROMIUM.exists():
        missing(str(CHROMIUM))
    root = tmp_path_factory.mktemp("e2e")
    env = {k: v for k, v in os.environ.items() if k != "PARCOURS_DATABASE_URL"}
    env["PARCOURS_INSTANCE"] = str(root / "instance")
    init = subprocess.run(
        [*_parcours_command(), "init", "--demo"], cwd=root, env=env, capture_output=True, text=True, timeout=180
    )
    assert init.returncode == 0, init.stdout + init.stderr
    port = _free_port()
    log = root / "server.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [*_parcours_command(), "run", "--host", "127.0.0.1", "--port", str(port)],
            cwd=root,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_healthy(url, process, log)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


# Package scope: Playwright's event loop must be gone before the rest of the suite, whose PDF
# sealing (pyHanko) runs its own asyncio loop.
@pytest.fixture(scope="package")
def browser(server: str) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="package")
def axe_source() -> str:
    if not AXE_SCRIPT.exists():
        missing(str(AXE_SCRIPT.relative_to(REPO)))
    return AXE_SCRIPT.read_text(encoding="utf-8")


@pytest.fixture(scope="package")
def date_keys(browser: Any) -> Callable[[date], str]:
    """The keys to type a date into Chromium's date input (its field order follows the OS locale)."""
    context = browser.new_context()
    page = context.new_page()
    page.set_content("<input type='date' id='d'>")
    page.focus("#d")
    page.keyboard.type("01022003")
    probe = page.eval_on_selector("#d", "e => e.value")
    context.close()
    month_first = probe == "2003-01-02"
    assert month_first or probe == "2003-02-01", f"unexpected date input order ({probe!r})"

    def keys(day: date) -> str:
        return day.strftime("%m%d%Y" if month_first else "%d%m%Y")

    return keys


@pytest.fixture()
def new_context(browser: Any, server: str) -> Iterator[Callable[..., Any]]:
    """`new_context(**options)`: a fresh browser context (own cookies and storage), closed afterwards."""
    contexts: list[Any] = []

    def make(**options: Any) -> Any:
        options.setdefault("viewport", DESKTOP)
        context = browser.new_context(base_url=server, locale="fr-FR", **options)
        context.set_default_timeout(15_000)
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()


def login(page: Any, email: str, password: str = DEMO_PASSWORD) -> None:
    """Log in with the keyboard alone: Tab to each field, type, Enter."""
    from tests.e2e.keyboard import tab_to

    page.goto("/connexion")
    tab_to(page, "#email")
    page.keyboard.type(email)
    tab_to(page, "#password")
    page.keyboard.type(password)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "/connexion" not in page.url, f"login of {email} failed"


@pytest.fixture()
def as_user(new_context: Callable[..., Any]) -> Callable[..., Any]:
    """`as_user(email)`: a page of a new context, logged in as that demo user."""

    def make(email: str, **options: Any) -> Any:
        page = new_context(**options).new_page()
        login(page, email)
        return page

    return make
