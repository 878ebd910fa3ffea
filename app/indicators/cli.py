"""`parcours indicators --year Y [--programme CODE] [--format json|csv|pdf] [--output FILE]`."""

from __future__ import annotations

import json
from pathlib import Path

import click
from sqlalchemy import select

from app.cli import UserFacingError, app_context, resolve_programme
from app.db import db


@click.command("indicators")
@click.option("--year", required=True, type=click.IntRange(1900, 9999), help="Calendar year.")
@click.option("--programme", "programme_code", help="Programme code (optional with a single programme).")
@click.option("--format", "output_format", type=click.Choice(["json", "csv", "pdf"]), default="json", show_default=True)
@click.option("--output", type=click.Path(dir_okay=False, writable=True, path_type=Path), help="File to write.")
@click.option(
    "--reseau",
    "network",
    is_flag=True,
    help="Consolidated indicators of every programme of the instance (a departmental network).",
)
@click.option(
    "--share",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    help="Write the programme's signed share file (ZIP) for its network.",
)
@click.option(
    "--diffusion-externe",
    "external",
    is_flag=True,
    help="CSV or PDF for sharing outside the programme: breakdown counts from 1 to 4 shown as « < 5 ».",
)
def indicators_command(
    year: int,
    programme_code: str | None,
    output_format: str,
    output: Path | None,
    network: bool,
    share: Path | None,
    external: bool,
) -> None:
    """Yearly indicators of a programme (JSON on standard output by default)."""
    if share is not None:
        if network or external or output:
            raise UserFacingError(
                "--share écrit les indicateurs exacts signés d'un programme : sans --reseau, "
                "--diffusion-externe ni --output."
            )
        _share(year, programme_code, share)
        return
    from app.audit import services as audit
    from app.indicators.compute import compute, consolidate
    from app.indicators.summary import mask_small_counts
    from app.users.models import Programme

    if output_format == "pdf" and output is None:
        raise UserFacingError("Le format pdf demande --output FICHIER.pdf.")
    if external and output_format == "json":
        raise UserFacingError("--diffusion-externe vaut pour les formats csv et pdf ; le JSON reste exact.")
    if network and programme_code:
        raise UserFacingError("--reseau consolide tous les programmes : ne précisez pas --programme.")
    with app_context():
        programme_id: int | None
        if network:
            ids = list(db.session.scalars(select(Programme.id)))
            programme_id, name = None, f"Réseau de {len(ids)} programmes"
            result = consolidate(db.session, ids, year)
            previous = consolidate(db.session, ids, year - 1) if output_format == "pdf" else None
        else:
            programme = resolve_programme(programme_code)
            programme_id, name = programme.id, programme.name
            result = compute(db.session, programme.id, year)
            previous = compute(db.session, programme.id, year - 1) if output_format == "pdf" else None
        if external:
            result = mask_small_counts(result)
            previous = mask_small_counts(previous) if previous else None
        if output_format == "json":
            content: str | bytes = json.dumps(result, ensure_ascii=False, indent=2) + "\n"
        elif output_format == "csv":
            from app.indicators.export import to_csv

            content = to_csv(result)
        else:
            from app.indicators.export import to_pdf

            content = to_pdf(result, previous, name)
        target = f"{year}-diffusion-externe.{output_format}" if external else f"{year}.{output_format}"
        audit.record(
            db.session, "indicators.export", programme_id=programme_id, target_type="indicators", target_id=target
        )
        db.session.commit()
    if output is None:
        assert isinstance(content, str)
        click.echo(content, nl=False)
    elif isinstance(content, bytes):
        output.write_bytes(content)
        click.echo(f"Indicateurs {year} écrits dans {output}.", err=True)
    else:
        output.write_text(content, encoding="utf-8")
        click.echo(f"Indicateurs {year} écrits dans {output}.", err=True)


def _share(year: int, programme_code: str | None, target: Path) -> None:
    from flask import current_app

    from app.formengine import form_set
    from app.network.services import make_share

    with app_context():
        programme = resolve_programme(programme_code)
        forms = form_set()
        content = make_share(
            db.session, programme, year, current_app.config["PARCOURS"].keys_path, (forms.name, forms.version), None
        )
        db.session.commit()
    target.write_bytes(content)
    click.echo(f"Partage des indicateurs {year} de {programme.code} écrit dans {target}.", err=True)
