"""Web serving benchmark (issue 10): a référent's child pages under `parcours run` side by side with
a bare select-decrypt-render page (bench/floor.py, the floor), same gunicorn, same load; and the
caseload page of 100 children in-process.

A closed-loop load generator (threads, http.client, one connection per request as gunicorn's sync
workers close them) runs on loopback for a bounded time. Goals: the child page at >= 40 % of the
floor's throughput with p99 <= 50 ms (2 workers, 16 connections, SQLite); caseload < 20 ms
in-process. Runs on SQLite, and on PostgreSQL too when PARCOURS_BENCH_POSTGRES_URL is set (that
database is EMPTIED first). Figures are appended to bench/results.txt.

    .venv/bin/python -m bench.web [--seconds 10] [--connections 16] [--workers 2] [--children 100]
"""

from __future__ import annotations

import argparse
import hashlib
import http.client
import os
import platform
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results.txt"
ROOT = Path(__file__).resolve().parent.parent


@dataclass
class Setup:
    instance: Path
    cookie: str
    children: list[str]


def build(database_url: str | None, n_children: int) -> Setup:
    """A temporary instance: one référent with `n_children` children (siblings in pairs), two
    parcours each and a finalised document; a logged-in session cookie for the référent."""
    from sqlalchemy import text

    from app import create_app
    from app.config import write_config
    from app.crypto.keyring import create_initial_keys
    from app.db import db, make_engine
    from app.migrate import upgrade
    from app.users.models import UserSession
    from tests.factories import make_child, make_document, make_parcours, make_programme, make_user

    instance = Path(tempfile.mkdtemp(prefix="parcours-bench-web-"))
    values: dict[str, object] = {"secret_key": "bench-" + "x" * 40, "secure_cookies": False}
    if database_url:
        values["database_url"] = database_url
    write_config(instance, values)
    create_initial_keys(instance / "keys")
    engine = make_engine(database_url or f"sqlite:///{instance / 'parcours.sqlite3'}")
    if engine.dialect.name == "postgresql":
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
    upgrade(engine)
    engine.dispose()
    app = create_app(instance)
    with app.app_context():
        session = db.session
        programme = make_programme(session, "BENCH")
        referent = make_user(session, programme, "referent", email="referent@bench.parcours")
        other = make_user(session, programme, "referent", email="other@bench.parcours")
        ids = []
        for number in range(n_children):
            child = make_child(
                session, programme, referent, nom=f"N{number // 2}", prenom=f"P{number}", ref_famille=f"F{number // 2}"
            )
            make_parcours(session, child, decision_eps="refuse", date_orientation=date(2024, 9, 2))
            current = make_parcours(session, child, decision_eps="accepte", date_entree=date(2025, 9, 20))
            make_document(session, current, answers={"observations": "Texte libre " * 20})
            ids.append(child.public_id)
        for number in range(n_children):  # another référent's caseload in the same tables
            make_parcours(session, make_child(session, programme, other, nom=f"Autre{number}"))
        token = secrets.token_urlsafe(32)
        session.add(UserSession(token_hash=hashlib.sha256(token.encode()).hexdigest(), user_id=referent.id))
        session.commit()
        cookie = app.session_interface.get_signing_serializer(app).dumps({"sid": token, "_permanent": True})  # type: ignore[attr-defined]
        db.engine.dispose()
    if engine.dialect.name == "postgresql":
        with make_engine(database_url or "").connect() as connection:
            connection.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("VACUUM ANALYZE")
    return Setup(instance, f"parcours_session={cookie}", ids)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextmanager
def server(command: list[str], instance: Path, port: int) -> Iterator[None]:
    env = {**os.environ, "PARCOURS_INSTANCE": str(instance), "PYTHONPATH": str(ROOT)}
    env.pop("PARCOURS_DATABASE_URL", None)
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"server did not start: {command}") from None
                time.sleep(0.2)
        yield
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)


@dataclass
class Load:
    requests: int
    errors: int
    seconds: float
    latencies: list[float]

    @property
    def rate(self) -> float:
        return self.requests / self.seconds

    def percentile(self, p: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(len(ordered) * p))] * 1000

    def line(self, name: str) -> str:
        return (
            f"{name}: {self.rate:,.0f} pages/s, p50 {self.percentile(0.5):.1f} ms, p99 {self.percentile(0.99):.1f} ms "
            f"({self.requests} pages, {self.errors} errors, {self.seconds:.0f} s)"
        )


def generate_load(port: int, paths: list[str], cookie: str, connections: int, seconds: float) -> Load:
    """`connections` threads, each GETting `paths` in turn until the time is up."""
    latencies: list[list[float]] = [[] for _ in range(connections)]
    errors = [0] * connections
    stop = time.monotonic() + seconds
    expected_marker = b"</html>"

    def worker(number: int) -> None:
        index = number
        while time.monotonic() < stop:
            path = paths[index % len(paths)]
            index += 1
            started = time.perf_counter()
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            try:
                connection.request("GET", path, headers={"Cookie": cookie})
                response = connection.getresponse()
                body = response.read()
                ok = response.status == 200 and expected_marker in body
            except OSError:
                ok = False
            finally:
                connection.close()
            latencies[number].append(time.perf_counter() - started)
            errors[number] += not ok

    started = time.monotonic()
    threads = [threading.Thread(target=worker, args=(n,)) for n in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    flat = [x for per in latencies for x in per]
    return Load(len(flat), sum(errors), elapsed, flat)


def run_pair(setup: Setup, label: str, args: argparse.Namespace) -> list[str]:
    python = sys.executable
    parcours = [python, "-c", "from app.cli import main; main()"]
    child_paths = [f"/enfants/{public_id}" for public_id in setup.children]
    floor_paths = [f"/floor/{public_id}" for public_id in setup.children]
    results: dict[str, list[Load]] = {"floor": [], "child": []}
    # Two rounds, alternating, so that the other agents' load on the machine hits both alike.
    for _ in range(2):
        port = free_port()
        floor_command = [python, "-m", "bench.floor", str(setup.instance), str(port), str(args.workers)]
        with server(floor_command, setup.instance, port):
            generate_load(port, floor_paths[:8], setup.cookie, args.connections, 1)  # warm-up
            results["floor"].append(generate_load(port, floor_paths, setup.cookie, args.connections, args.seconds / 2))
        port = free_port()
        command = [*parcours, "run", "--port", str(port), "--workers", str(args.workers)]
        with server(command, setup.instance, port):
            generate_load(port, child_paths[:8], setup.cookie, args.connections, 1)
            results["child"].append(generate_load(port, child_paths, setup.cookie, args.connections, args.seconds / 2))
    floor, child = (
        Load(
            sum(r.requests for r in runs),
            sum(r.errors for r in runs),
            sum(r.seconds for r in runs),
            [x for r in runs for x in r.latencies],
        )
        for runs in (results["floor"], results["child"])
    )
    if floor.errors or child.errors:  # a page that fails is fast: no ratio from it
        raise RuntimeError(f"{label}: {floor.errors} floor and {child.errors} child pages failed")
    ratio = child.rate / floor.rate
    p99 = child.percentile(0.99)
    return [
        f"{label} floor (select-decrypt-render) {floor.line('')[2:]}",
        f"{label} child page (référent) {child.line('')[2:]}",
        f"{label} child page / floor = {ratio:.0%} (goal >= 40 %): {'OK' if ratio >= 0.40 else 'MISSED'}",
        # Closed loop: the mean latency is connections / throughput (Little's law).
        f"{label} child page p99 {p99:.1f} ms (goal <= 50 ms): {'OK' if p99 <= 50 else 'MISSED'}; the floor's own "
        f"p99 {floor.percentile(0.99):.1f} ms; a mean under 50 ms at {args.connections} connections needs more "
        f"than {args.connections / 0.050:.0f} pages/s",
    ]


def in_process(setup: Setup, label: str) -> list[str]:
    """The caseload page (100 children) and one child page through the test client, median of 30."""
    from app import create_app
    from app.db import db

    app = create_app(setup.instance)
    client = app.test_client()
    client.set_cookie("parcours_session", setup.cookie.split("=", 1)[1])
    lines = []
    for name, path in (("caseload /enfants/", "/enfants/"), ("child page", f"/enfants/{setup.children[0]}")):
        timings, cpus = [], []
        for _ in range(33):
            started, cpu = time.perf_counter(), time.process_time()
            response = client.get(path)
            timings.append(time.perf_counter() - started)
            cpus.append(time.process_time() - cpu)
            assert response.status_code == 200, (path, response.status_code)
        median, cpu_median = statistics.median(timings[3:]) * 1000, statistics.median(cpus[3:]) * 1000
        goal = " (goal < 20 ms)" if path == "/enfants/" else ""
        lines.append(f"{label} in-process {name}: median {median:.1f} ms, CPU median {cpu_median:.1f} ms{goal}")
    with app.app_context():
        db.engine.dispose()
    return lines


def run(database_url: str | None, args: argparse.Namespace) -> list[str]:
    setup = build(database_url, args.children)
    label = "postgresql" if database_url else "sqlite"
    try:
        return [*in_process(setup, label), *run_pair(setup, label, args)]
    finally:
        shutil.rmtree(setup.instance, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--children", type=int, default=100)
    args, _ = parser.parse_known_args()
    header = (
        f"== web bench {time.strftime('%Y-%m-%d %H:%M')} (Python {platform.python_version()}, {os.cpu_count()} cpu, "
        f"load average {os.getloadavg()[0]:.1f} at start; gunicorn {args.workers} workers, {args.connections} "
        f"connections, {args.seconds:.0f} s per page)"
    )
    lines = [header, *run(None, args)]
    postgres = os.environ.get("PARCOURS_BENCH_POSTGRES_URL")
    if postgres:
        lines.extend(run(postgres, args))
    lines.append(f"(load average {' '.join(f'{x:.1f}' for x in os.getloadavg())} at the end of the web bench)")
    with RESULTS.open("a", encoding="utf-8") as handle:
        handle.write("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
