"""`parcours import FILE.csv [--programme CODE] [--dry-run]`."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from app.clitools import UserFacingError, app_context, resolve_programme
from app.db import db
from app.i18n import _


@click.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--programme", "programme_code", help="Programme code (optional with a single programme).")
@click.option("--dry-run", is_flag=True, help="Check the file and show what would change, write nothing.")
def import_command(file: Path, programme_code: str | None, dry_run: bool) -> None:
    """Import existing parcours from a CSV file; all or nothing."""
    from app.imports.services import import_csv

    data = file.read_bytes()
    with app_context():
        programme = resolve_programme(programme_code)
        if sys.stderr.isatty() and not dry_run:
            with click.progressbar(length=1, label="Import", file=sys.stderr) as bar:

                def progress(done: int, total: int) -> None:
                    bar.length = total
                    bar.update(done - bar.pos)

                report = import_csv(db.session, data, programme, actor_id=None, progress=progress)
        else:
            report = import_csv(db.session, data, programme, actor_id=None, dry_run=dry_run)
        if report.errors:
            db.session.rollback()
            for issue in report.errors:
                click.echo(f"{file.name}: {issue}", err=True)
            raise UserFacingError(
                _("Import refusé : %(count)s erreur(s), rien n'a été enregistré.") % {"count": len(report.errors)}
            )
        if dry_run:
            db.session.rollback()
            click.echo(_("Vérification seule (--dry-run) : rien n'a été enregistré."))
        else:
            db.session.commit()
        click.echo(report.summary())
