"""Sealing and archive-export benchmark (issue 5).

Creates 100 (by default) finalised, not-yet-sealed documents in a temporary SQLite instance, then measures:
rendering and sealing alone (one core), the export that seals them all (worker processes, every
core) and writes the ZIP, an export of the same documents already sealed, and `archive verify`.
Prints the figures, extrapolates to 10,000 documents and appends them to bench/results.txt.

    .venv/bin/python -m bench.archive [--documents 100]
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import tempfile
import time
from datetime import datetime
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results.txt"
YEAR = 2025


def _instance(path: Path) -> Path:
    from app.config import write_config
    from app.crypto.keyring import create_initial_keys
    from app.db import make_engine
    from app.migrate import upgrade

    path.mkdir(parents=True, exist_ok=True)
    write_config(path, {"secret_key": "bench-" + "x" * 40, "database_url": f"sqlite:///{path / 'bench.sqlite3'}"})
    create_initial_keys(path / "keys")
    engine = make_engine(f"sqlite:///{path / 'bench.sqlite3'}")
    upgrade(engine)
    engine.dispose()
    return path


def _renderable(document_id: str, child_label: str):  # type: ignore[no-untyped-def]
    """A typical two-page document: a dozen answers, a repeatable group, a drawn signature."""
    from app.documents.rendering import Item, RenderableDocument, Section, SignatureItem, Table
    from tests.test_pdf import signature_png

    answers = [
        Item(f"Question {k}", f"Réponse de longueur moyenne numéro {k}, saisie par le référent.") for k in range(12)
    ]
    actions = Table(
        ["Action", "Date", "Commentaire"], [["Soutien scolaire", "01/02/2025", "Deux séances par semaine"]] * 5
    )
    signatures = [
        SignatureItem("Responsable légal", "Sophie Martin", datetime(YEAR, 3, 1, 9), signature_png()),
        SignatureItem("Référent·e", "Jean Dupont", datetime(YEAR, 3, 1, 9)),
    ]
    return RenderableDocument(
        "PRE de Mamoudzou", "Documents harmonisés des PRE", "1", "Fiche de suivi", "suivi", 1, document_id, child_label,
        datetime(YEAR, 3, 1, 10),
        [Section("Situation", answers), Section("Actions", [actions]), Section("Signatures", signatures)],
    )  # fmt: skip


def _populate(session, count: int):  # type: ignore[no-untyped-def]
    from app.children.vault import cipher_for
    from app.db import new_public_id
    from app.documents.models import FINAL, Document, DocumentContent
    from tests import factories

    programme = factories.make_programme(session, "BENCH")
    children = [factories.make_child(session, programme, nom=f"Enfant{i}") for i in range(count // 4)]
    for index in range(count):
        child = children[index % len(children)]
        parcours = child.parcours[0] if child.parcours else factories.make_parcours(session, child)
        document = Document(
            public_id=new_public_id(), programme_id=programme.id, child_id=child.id, parcours_id=parcours.id,
            form_id=("orientation", "suivi", "fin_prise_en_charge", "sortie_evaluation")[index % 4], form_version=1,
            form_hash="0" * 64, status=FINAL, finalised_at=datetime(YEAR, 1 + index % 12, 1 + index % 28, 10),
        )  # fmt: skip
        session.add(document)
        session.flush()
        answers = cipher_for(child).encrypt_json("document_contents", document.id, "answers", {"n": index})
        document.content = DocumentContent(document_id=document.id, answers=answers)
    session.commit()
    return programme


def _rate(count: int, seconds: float) -> str:
    return f"{count / seconds:7.1f} docs/s ({seconds:6.1f} s)"


def _ten_thousand(count: int, seconds: float) -> str:
    return f"→ 10,000 docs ≈ {seconds * 10_000 / count:.0f} s"


def run(count: int) -> list[str]:
    from app import create_app
    from app.archive.export import export_year
    from app.archive.verify import verify_archive
    from app.db import db
    from app.documents.rendering import render_pdf
    from app.documents.sealing import register_renderable_builder, render_and_seal, seal_settings
    from app.signing.keys import all_certificates_pem
    from app.signing.sealer import seal_pdf, signer_for

    lines: list[str] = []
    with tempfile.TemporaryDirectory(prefix="parcours-bench-") as folder:
        app = create_app(_instance(Path(folder) / "instance"))
        register_renderable_builder(lambda _s, d: _renderable(d.public_id, f"Enfant {d.child.pseudonym}"))
        with app.app_context():
            session = db.session
            programme = _populate(session, count)
            settings = seal_settings(programme)
            sample = [_renderable(f"D{i}", "Léa Martin") for i in range(min(count, 200))]
            render_and_seal(settings, sample[0])  # load the key, warm the fonts
            start = time.perf_counter()
            pdfs = [render_pdf(r) for r in sample]
            render = time.perf_counter() - start
            signer = signer_for(settings.keys_path, settings.programme_code)
            start = time.perf_counter()
            for pdf in pdfs:
                seal_pdf(pdf, signer, name=programme.name)
            seal = time.perf_counter() - start
            out = Path(folder) / "archive.zip"
            start = time.perf_counter()
            first = export_year(session, programme, YEAR, out)
            sealing_export = time.perf_counter() - start
            start = time.perf_counter()
            second = export_year(session, programme, YEAR, out)
            plain_export = time.perf_counter() - start
        keys_path, code = app.config["PARCOURS"].keys_path, programme.code
        start = time.perf_counter()
        problems = verify_archive(out, lambda name: all_certificates_pem(keys_path, code) if name == code else None)
        verify = time.perf_counter() - start
        assert first.sealed_now == count and second.documents == count and not problems
        rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        cores = os.cpu_count()
        header = f"archive bench {datetime.now():%Y-%m-%d %H:%M} · Python {platform.python_version()} · {cores} cores"
        lines += [
            f"{header} · {count} documents",
            f"  render (1 core)             {_rate(len(sample), render)}  ~{1000 * render / len(sample):.1f} ms/doc",
            f"  seal (1 core)               {_rate(len(sample), seal)}  ~{1000 * seal / len(sample):.1f} ms/doc",
            f"  export sealing every doc    {_rate(count, sealing_export)}  {_ten_thousand(count, sealing_export)}",
            f"  export of sealed docs       {_rate(count, plain_export)}  {_ten_thousand(count, plain_export)}",
            f"  archive verify              {_rate(count, verify)}  {_ten_thousand(count, verify)}",
            f"  archive {second.size / 1e6:.1f} MB ({second.size / count / 1e3:.0f} kB/doc); max RSS {rss_mb:.0f} MB",
        ]
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    # 100 by default keeps `make bench` bounded (sealing is about 1 s per document on a busy core);
    # the figures are also given extrapolated to 10,000 documents.
    parser.add_argument("--documents", type=int, default=100)
    args, _unknown = parser.parse_known_args()
    lines = run(args.documents)
    print("\n".join(lines))
    with RESULTS.open("a", encoding="utf-8") as handle:
        handle.write("\n".join(lines) + "\n\n")


if __name__ == "__main__":
    main()
