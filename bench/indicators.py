"""Import and yearly-indicator benchmark (issue 4).

Generates 10,000 and 100,000 valid parcours as an import file, imports each through
`import_csv` (rows/s, one commit), then computes a year's indicators several times (median s);
then the same on 100,000 parcours shaped like a real programme's history (`generate_history`)
with 5,000 collective sessions (`bench._collective`),
and the whole `parcours indicators` command in a new process, as a user runs it.
Runs on SQLite in a temporary instance, and on PostgreSQL too when PARCOURS_BENCH_POSTGRES_URL is
set (that database is EMPTIED first). Figures are appended to bench/results.txt.

    .venv/bin/python -m bench.indicators [--sizes 10000] [--history 100000] [--runs 7]
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import shutil
import statistics
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

from bench._collective import add_collective_sessions

RESULTS = Path(__file__).resolve().parent / "results.txt"
YEAR = 2024
COLUMNS = (
    "ref_enfant;nom;prenom;date_naissance;sexe;ref_famille;adresse;qpv;etablissement;rep;niveau;orienteur;"
    "date_orientation;decision_eps;date_decision;date_entree;date_sortie;motif_sortie;difficultes;actions;referent"
)
NAMES = ("Ahamada", "Ali", "Bernard", "Da Silva", "Dubois", "Houmadi", "Madi", "Martin", "Mohamed", "Saïd")
FIRST = ("Léa", "Naël", "Inès", "Yanis", "Anaïs", "Ibrahim", "Zoé", "Kenza", "Noé", "Fatima")
NIVEAUX = ("PS", "MS", "GS", "CP", "CE1", "CE2", "CM1", "CM2", "6E", "5E", "4E", "3E", "2NDE", "CAP", "NON_SCOLARISE")
ORIENTEURS = ("education_nationale", "pmi", "service_social", "ase", "sante", "association", "famille", "autre")
DIFFICULTES = ("scolaire", "comportement", "sante", "familial_parentalite", "social_economique", "langage")
ACTIONS = ("accompagnement_scolaire", "sante_soins", "soutien_psychologique", "parentalite", "culture_loisirs_sport")
MOTIFS = ("objectifs_atteints", "relais_droit_commun", "demenagement", "refus_retrait_famille", "limite_age")


def generate(n_parcours: int, seed: int = 4) -> bytes:
    """A valid import file of `n_parcours` rows (1 to 3 parcours per child, siblings, re-entries)."""
    rng = random.Random(seed)
    lines = [COLUMNS]
    child = 0
    while len(lines) <= n_parcours:
        child += 1
        first = date(2019, 1, 1) + timedelta(days=rng.randrange(365 * 5))
        born = _born_before(rng, first)
        identity = (
            f"B{child:07d}",
            rng.choice(NAMES),
            rng.choice(FIRST),
            born.strftime("%d/%m/%Y") if child % 2 else born.isoformat(),
            rng.choice("FM"),
            f"F{child // 2:07d}" if child % 3 else "",
            f"{rng.randrange(1, 200)} rue des Écoles",
        )
        next_day: date | None = first
        for _ in range(min(rng.choice((1, 1, 2, 3)), n_parcours + 1 - len(lines))):
            if next_day is None:
                break
            row, next_day = _parcours(rng, next_day)
            lines.append(";".join(identity + row))
    return ("\n".join(lines) + "\n").encode("utf-8")


def _born_before(rng: random.Random, oriented: date) -> date:
    """A child 2 to 16 years old at its first orientation (the import refuses a birth after it)."""
    return oriented - timedelta(days=rng.randrange(365 * 2, 365 * 16))


def _parcours(rng: random.Random, oriented: date) -> tuple[tuple[str, ...], date | None]:
    """One parcours from `oriented`; its cells and the day the next one may start (None: still open)."""
    decision = rng.choice(("accepte", "accepte", "accepte", "refuse", "reoriente", "en_attente", ""))
    entree = sortie = motif = ""
    next_day: date | None = oriented + timedelta(days=rng.randrange(20, 200))
    if decision == "accepte":
        entered = oriented + timedelta(days=rng.randrange(0, 40))
        entree = entered.isoformat()
        left = entered + timedelta(days=rng.randrange(0, 900))
        if left < date(2025, 12, 31) and rng.random() < 0.8:
            sortie, motif = left.strftime("%d/%m/%Y"), rng.choice(MOTIFS)
            next_day = left + timedelta(days=rng.randrange(1, 200))
        else:
            next_day = None
    decided = (oriented + timedelta(days=rng.randrange(0, 30))).isoformat() if decision else ""
    cells = (
        rng.choice(("oui", "non", "")),
        f"École {rng.choice(NAMES)}",
        rng.choice(("rep_plus", "rep", "hors_rep", "")),
        rng.choice((*NIVEAUX, "")),
        rng.choice(ORIENTEURS),
        oriented.isoformat(),
        decision,
        decided,
        entree,
        sortie,
        motif,
        "|".join(rng.sample(DIFFICULTES, rng.randrange(0, 4))),
        "|".join(rng.sample(ACTIONS, rng.randrange(0, 3))) if entree else "",
        "",
    )
    return cells, next_day if next_day and next_day <= date(2025, 12, 31) else None


# The generated history stops here (open parcours, pending orientations); decisions and entries
# follow within 60 days, so nothing lies in the future for the import.
TODAY = date.today() - timedelta(days=90)
HISTORY_YEAR = 2025
BAND_EDGES = (182, 183, 365, 366, 730, 731)  # exits on the boundaries of the duration bands


def generate_history(n_parcours: int, seed: int = 10) -> bytes:
    """An import file shaped like a real programme's history (the shape of the shared example file,
    scaled up): orientations over 2019-2026, families of 1 to 4 siblings, re-entries after an exit
    or a refusal, refusals, re-orientations, orientations still pending, parcours still open, exits
    on the duration bands' boundaries, some values in upper case and DD/MM/YYYY dates."""
    rng = random.Random(seed)
    lines = [COLUMNS]
    child = family = 0
    while len(lines) <= n_parcours:
        family += 1
        for _ in range(rng.choice((1, 1, 1, 2, 2, 3, 4))):
            child += 1
            first = date(2019, 1, 1) + timedelta(days=rng.randrange((TODAY - date(2019, 1, 1)).days))
            born = _born_before(rng, first)
            identity = (
                f"E{child:07d}",
                rng.choice(NAMES),
                rng.choice(FIRST),
                born.strftime("%d/%m/%Y") if child % 4 == 0 else born.isoformat(),
                rng.choice("FM"),
                f"F{family:07d}",
                f"{rng.randrange(1, 200)} rue des Écoles",
            )
            oriented: date | None = first
            while oriented is not None and len(lines) <= n_parcours:
                row, oriented = _history_parcours(rng, oriented)
                lines.append(";".join(identity + row))
    return ("\n".join(lines) + "\n").encode("utf-8")


def _history_parcours(rng: random.Random, oriented: date) -> tuple[tuple[str, ...], date | None]:
    recent = (TODAY - oriented).days < 120
    weights = (55, 12, 10, 30 if recent else 4, 3)
    decision = rng.choices(("accepte", "refuse", "reoriente", "en_attente", ""), weights)[0]
    entree = sortie = motif = ""
    again: date | None = None
    if decision == "accepte":
        entered = oriented + timedelta(days=rng.randrange(0, 60))
        entree = entered.strftime("%d/%m/%Y") if rng.random() < 0.2 else entered.isoformat()
        length = rng.choice(BAND_EDGES) if rng.random() < 0.1 else rng.randrange(1, 1300)
        left = entered + timedelta(days=length)
        if left <= TODAY and rng.random() < 0.85:
            sortie, motif = left.isoformat(), rng.choice(MOTIFS)
            if rng.random() < 0.3:  # re-entry
                again = left + timedelta(days=rng.randrange(30, 400))
    elif decision in ("refuse", "reoriente") and rng.random() < 0.35:
        again = oriented + timedelta(days=rng.randrange(30, 400))
    decided = (oriented + timedelta(days=rng.randrange(0, 45))).isoformat() if decision else ""
    niveau = rng.choice((*NIVEAUX, ""))
    cells = (
        rng.choice(("oui", "non", "OUI", "")),
        f"École {rng.choice(NAMES)}",
        rng.choice(("rep_plus", "rep", "hors_rep", "REP", "")),
        niveau.lower() if niveau and rng.random() < 0.1 else niveau,
        rng.choice(ORIENTEURS),
        oriented.strftime("%d/%m/%Y") if rng.random() < 0.2 else oriented.isoformat(),
        decision.upper() if decision and rng.random() < 0.05 else decision,
        decided,
        entree,
        sortie,
        motif,
        "|".join(rng.sample(DIFFICULTES, rng.randrange(1, 4))),
        "|".join(rng.sample(ACTIONS, rng.randrange(0, 4))) if entree else "",
        "",
    )
    return cells, again if again is not None and again <= TODAY else None


def run(database_url: str | None, sizes: list[int], runs: int, history: int) -> list[str]:
    from app import create_app
    from app.config import write_config
    from app.crypto.keyring import create_initial_keys
    from app.db import db, make_engine
    from app.migrate import upgrade

    instance = Path(tempfile.mkdtemp(prefix="parcours-bench-"))
    values: dict[str, object] = {"secret_key": "bench-" + "x" * 40, "secure_cookies": False}
    if database_url:
        values["database_url"] = database_url
    write_config(instance, values)
    create_initial_keys(instance / "keys")
    engine = make_engine(database_url or f"sqlite:///{instance / 'parcours.sqlite3'}")
    if engine.dialect.name == "postgresql":
        from sqlalchemy import text

        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
            # The README's PostgreSQL settings: the children's codes are sorted in memory, not on disk.
            connection.execute(text(f"ALTER DATABASE {engine.url.database} SET work_mem = '16MB'"))
    upgrade(engine)
    dialect = engine.dialect.name
    engine.dispose()
    app = create_app(instance)
    lines = []
    try:
        with app.app_context():
            try:
                for size in sizes:
                    lines.extend(_measure(db.session, dialect, size, runs))
                lines.extend(_measure(db.session, dialect, history, runs, history=True))
            finally:
                db.session.close()
                db.engine.dispose()
    finally:
        shutil.rmtree(instance, ignore_errors=True)
    return lines


def _measure(session: object, dialect: str, size: int, runs: int, history: bool = False) -> list[str]:
    from sqlalchemy.orm import Session

    from app.imports.services import import_csv
    from app.indicators.compute import compute
    from app.users.services import create_programme

    assert isinstance(session, Session)
    data = generate_history(size) if history else generate(size)
    year = HISTORY_YEAR if history else YEAR
    code = f"HIST{size}" if history else f"BENCH{size}"
    programme = create_programme(session, code, f"Bench {size}")
    session.commit()
    started, cpu = time.perf_counter(), time.process_time()
    report = import_csv(session, data, programme, actor_id=None)
    session.commit()
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    assert not report.errors, [str(e) for e in report.errors[:5]]
    if dialect == "postgresql":  # what autovacuum does within a minute of a bulk load: statistics, visibility map
        with session.get_bind().engine.connect() as connection:
            connection.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql(
                "VACUUM (ANALYZE) parcours, parcours_codes, children"
            )
    sessions = add_collective_sessions(session, programme.id) if history else 0
    timings, cpus = [], []
    for _ in range(runs):
        started, cpu_started = time.perf_counter(), time.process_time()
        result = compute(session, programme.id, year)
        timings.append(time.perf_counter() - started)
        cpus.append(time.process_time() - cpu_started)
        session.rollback()
    vacuum = " after VACUUM (ANALYZE)" if dialect == "postgresql" else ""
    shape = "history-shaped " if history else ""
    if history:  # no re-check of the import here: a minute or two that no figure reports
        return [
            f"{dialect} {size} {shape}parcours ({report.children_created} children, 2019-{TODAY.year}): "
            f"import {elapsed:.1f} s",
            f"{dialect} {size} {shape}parcours: indicators {year}{vacuum} median "
            f"{statistics.median(timings) * 1000:.1f} ms (min {min(timings) * 1000:.1f}, client CPU median "
            f"{statistics.median(cpus) * 1000:.1f} ms, {runs} runs; "
            f"{result['enfants_suivis']['total']} children suivis, {sessions} collective sessions of which "
            f"{result['actions_collectives']['seances']} in {year}; goal <= 300 ms)",
            _whole_command(session, code, year, dialect, size),
        ]
    again = time.perf_counter()
    second = import_csv(session, data, programme, actor_id=None, dry_run=True)
    session.rollback()
    recheck = time.perf_counter() - again
    assert second.parcours_unchanged == size
    return [
        f"{dialect} {size} parcours ({report.children_created} children): import {elapsed:.1f} s = "
        f"{size / elapsed:,.0f} rows/s (this process's CPU: {cpu:.1f} s = {size / cpu:,.0f} rows/cpu-s); "
        f"re-check of the same file (dry run) {recheck:.1f} s",
        f"{dialect} {size} parcours: indicators {YEAR}{vacuum} median {statistics.median(timings) * 1000:.1f} ms "
        f"(min {min(timings) * 1000:.1f}, client CPU median {statistics.median(cpus) * 1000:.1f} ms, {runs} runs; "
        f"{result['enfants_suivis']['total']} children suivis)",
    ]


def _whole_command(session: object, code: str, year: int, dialect: str, size: int) -> str:
    """`parcours indicators --year Y --programme CODE` as a user runs it: a new process each time."""
    import subprocess
    import sys

    from flask import current_app

    instance = current_app.config["PARCOURS"].instance_path
    env = {**os.environ, "PARCOURS_INSTANCE": str(instance)}
    env.pop("PARCOURS_DATABASE_URL", None)
    command = [sys.executable, "-c", "from app.cli import main; main()", "indicators", "--year", str(year)]
    walls, cpus = [], []
    for _ in range(5):
        before = os.times()
        started = time.perf_counter()
        subprocess.run([*command, "--programme", code], env=env, check=True, capture_output=True)
        walls.append(time.perf_counter() - started)
        after = os.times()
        cpus.append(after.children_user - before.children_user + after.children_system - before.children_system)
    return (
        f"{dialect} {size} history-shaped parcours: `parcours indicators --year {year}` whole command median "
        f"{statistics.median(walls):.2f} s (min {min(walls):.2f} s; its CPU median {statistics.median(cpus):.2f} s; "
        "5 runs; goal <= 0.7 s)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    # The default keeps `make bench` bounded: import speed at 10,000 rows, the goals at 100,000
    # history-shaped parcours (each 100,000-row import takes a minute or two).
    parser.add_argument("--sizes", default="10000")
    parser.add_argument("--history", type=int, default=100000)
    parser.add_argument("--runs", type=int, default=7)
    args, _ = parser.parse_known_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    header = (
        f"== indicators bench {time.strftime('%Y-%m-%d %H:%M')} (Python {platform.python_version()}, "
        f"{os.cpu_count()} cpu, load average {os.getloadavg()[0]:.1f} at start; goals: import >= 5,000 rows/s, "
        "indicators < 300 ms for 100,000 parcours and < 50 ms for 10,000)"
    )
    lines = [header, *run(None, sizes, args.runs, args.history)]
    postgres = os.environ.get("PARCOURS_BENCH_POSTGRES_URL")
    if postgres:
        lines.extend(run(postgres, sizes, args.runs, args.history))
    with RESULTS.open("a", encoding="utf-8") as handle:
        handle.write("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
