"""`parcours indicators --year Y [--programme CODE] [--format json|csv|pdf] [--output FILE]`."""

from __future__ import annotations

from pathlib import Path

import click
from sqlalchemy import select

from app.clitools import UserFacingError, app_context, resolve_programme
from app.db import db
from app.i18n import _


@click.command("indicators")
@click.option("--year", required=True, help="Calendar year (2025) or school year (2025-2026).")
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
    year: str,
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
                _(
                    "--share écrit les indicateurs exacts signés d'un programme : sans --reseau, "
                    "--diffusion-externe ni --output."
                )
            )
        _share(year, programme_code, share)
        return
    from flask import current_app

    from app.indicators.services import ExportError, export_indicators
    from app.users.models import Programme

    if output_format == "pdf" and output is None:
        raise UserFacingError("Le format pdf demande --output FICHIER.pdf.")
    if network and programme_code:
        raise UserFacingError(_("--reseau consolide tous les programmes : ne précisez pas --programme."))
    with app_context(web=False):
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
                instance_path=current_app.config["PARCOURS"].instance_path,
            )
        except ExportError as error:
            raise UserFacingError(str(error)) from error
        db.session.commit()
    if output is None:
        click.echo(export.body.decode("utf-8"), nl=False)
    else:
        output.write_bytes(export.body)
        click.echo(_("Indicateurs %(year)s écrits dans %(output)s.") % {"year": year, "output": output}, err=True)


def _share(year: str, programme_code: str | None, target: Path) -> None:
    from flask import current_app

    from app.formengine import forms_directory, load_form_set
    from app.indicators.services import ExportError
    from app.network.services import make_share

    with app_context(web=False):
        settings = current_app.config["PARCOURS"]
        programme = resolve_programme(programme_code)
        forms = load_form_set(forms_directory(settings))
        try:
            content = make_share(db.session, programme, year, settings.keys_path, (forms.name, forms.version), None)
        except ExportError as error:
            raise UserFacingError(str(error)) from error
        db.session.commit()
    target.write_bytes(content)
    message = _("Partage des indicateurs %(year)s de %(code)s écrit dans %(target)s.")
    click.echo(message % {"year": year, "code": programme.code, "target": target}, err=True)
