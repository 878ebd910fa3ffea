"""`parcours archive export` and `parcours archive verify`."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from app.clitools import UserFacingError, app_context, resolve_programme
from app.db import db
from app.i18n import _


class _Bar:
    """A click progress bar on stderr, created once the total is known (hidden when not a terminal)."""

    def __init__(self, label: str) -> None:
        self.label = label
        self.bar: Any = None

    def __call__(self, done: int, total: int) -> None:
        if self.bar is None:
            self.bar = click.progressbar(length=total, label=self.label, file=sys.stderr)
            self.bar.__enter__()
        self.bar.update(done - self.bar.pos)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)


@click.group()
def archive() -> None:
    """Export and verify yearly archives of sealed documents."""


@archive.command("export")
@click.option("--year", required=True, type=click.IntRange(2000, 2100), help="Year of finalisation.")
@click.argument("output", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--programme", "programme_code", help="Programme code (optional with a single programme).")
def export_command(year: int, output: Path, programme_code: str | None) -> None:
    """Write every finalised document of YEAR, sealed, with a signed manifest, to OUTPUT.zip."""
    from app.archive.export import ExportError, export_year

    if not output.parent.is_dir():
        raise UserFacingError(f"{output.parent}: dossier introuvable.")
    with app_context():
        programme = resolve_programme(programme_code)
        bar = _Bar(f"Archive {programme.code} {year}")
        try:
            summary = export_year(db.session, programme, year, output, progress=bar)
        except ExportError as error:
            raise UserFacingError(str(error)) from error
        finally:
            bar.close()
    click.echo(f"{output} : {summary.documents} document(s), {summary.size} octets.")


@archive.command("verify")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def verify_command(file: Path) -> None:
    """Check every hash, every seal and the manifest signature of FILE.zip (exit 1 naming each failure)."""
    from app.archive.verify import verify_archive

    bar = _Bar(_("Vérification"))
    try:
        problems = verify_archive(file, progress=bar)
    finally:
        bar.close()
    if problems:
        for problem in problems:
            click.echo(str(problem), err=True)
        raise UserFacingError(
            _("%(file)s : %(count)s problème(s) ; l'archive n'est pas intègre.")
            % {"file": file, "count": len(problems)}
        )
    click.echo(
        _("%(file)s : archive intègre (empreintes, cachets et signature du manifeste vérifiés).") % {"file": file}
    )
