"""`parcours indicators --year Y [--programme CODE] [--format json|csv|pdf] [--output FILE]`."""

from __future__ import annotations

from pathlib import Path

import click
from sqlalchemy import select

from app.clitools import UserFacingError, app_context, resolve_programme
from app.db import db
from app.i18n import _


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
    "--diffusion-externe",
    "external",
    is_flag=True,
    help="CSV or PDF for sharing outside the programme: breakdown counts from 1 to 4 shown as « < 5 ».",
)
def indicators_command(
    year: int, programme_code: str | None, output_format: str, output: Path | None, network: bool, external: bool
) -> None:
    """Yearly indicators of a programme (JSON on standard output by default)."""
    from app.indicators.services import ExportError, export_indicators
    from app.users.models import Programme

    if output_format == "pdf" and output is None:
        raise UserFacingError("Le format pdf demande --output FICHIER.pdf.")
    if network and programme_code:
        raise UserFacingError(_("--reseau consolide tous les programmes : ne précisez pas --programme."))
    with app_context():
        programme_id: int | None
        if network:
            ids: list[int] | None = list(db.session.scalars(select(Programme.id)))
            programme_id, name = None, _("Réseau de %(count)s programmes") % {"count": len(ids or [])}
        else:
            programme = resolve_programme(programme_code)
            ids, programme_id, name = None, programme.id, programme.name
        try:
            export = export_indicators(
                db.session,
                year,
                output_format,
                programme_id=programme_id,
                programme_name=name,
                network=ids,
                external=external,
            )
        except ExportError as error:
            raise UserFacingError(str(error)) from error
        db.session.commit()
    if output is None:
        click.echo(export.body.decode("utf-8"), nl=False)
    else:
        output.write_bytes(export.body)
        click.echo(_("Indicateurs %(year)s écrits dans %(output)s.") % {"year": year, "output": output}, err=True)
