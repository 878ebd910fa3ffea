"""The floor of the web bench: a bare page that selects one child, decrypts its identity and renders
a template — no session, no authorisation, no audit. Served by the same gunicorn as `parcours run`.

    python -m bench.floor INSTANCE PORT WORKERS
"""

from __future__ import annotations

import sys
from pathlib import Path

from flask import Flask, abort, render_template_string
from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

TEMPLATE = """<!doctype html><html lang="fr"><head><meta charset="utf-8"><title>{{ prenom }} {{ nom }}</title></head>
<body><main><h1>{{ prenom }} {{ nom }}</h1><dl><dt>Date de naissance</dt><dd>{{ naissance }}</dd>
<dt>Adresse</dt><dd>{{ adresse }}</dd></dl></main></body></html>"""


def create_floor_app(instance: Path) -> Flask:
    from app.children.models import Child
    from app.children.services import IDENTITY_TABLE
    from app.config import load_settings
    from app.crypto import ChildCipher, KeyRing
    from app.db import make_engine

    settings = load_settings(instance)
    ring = KeyRing.load(settings.keys_path)
    engine = make_engine(settings.database_url)
    app = Flask(__name__)

    @app.get("/floor/<child_id>")
    def page(child_id: str) -> str:
        with Session(engine) as session:
            child = session.scalar(select(Child).options(joinedload(Child.identity)).where(Child.public_id == child_id))
            if child is None or child.wrapped_key is None:
                abort(404)
            cipher = ChildCipher(ring.unwrap(child.wrapped_key, child.kek_version), child.key_version)
            row = child.identity
            write = row.write_count or 0  # part of the associated data since identities are rewritten

            def open_(name: str) -> str:
                value: bytes | None = getattr(row, name)
                return cipher.decrypt_text(IDENTITY_TABLE, child.id, name, value, write=write) if value else ""

            return render_template_string(
                TEMPLATE,
                nom=open_("nom"),
                prenom=open_("prenom"),
                naissance=open_("date_naissance"),
                adresse=open_("adresse"),
            )

    return app


def serve(instance: Path, port: int, workers: int) -> None:
    from app.config import load_settings
    from app.serving import Server, gunicorn_options

    class FloorServer(Server):
        def load(self) -> Flask:
            return create_floor_app(instance)

    options = gunicorn_options(load_settings(instance), "127.0.0.1", port, workers)  # same access log
    FloorServer(options).run()


if __name__ == "__main__":
    serve(Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]))
