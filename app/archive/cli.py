"""`parcours archive export` and `parcours archive verify`."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from app.clitools import UserFacingError, app_context, resolve_programme
from app.db import db
from app.i18n import _

if TYPE_CHECKING:
    from app.archive.verify import Problem, TrustAnchor


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
@click.option(
    "--certificate",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="The programme's certificate (PEM) to trust; by default, the instance's programme certificates.",
)
def verify_command(file: Path, certificate: Path | None) -> None:
    """Check every hash, every seal and the manifest signature of FILE.zip against a trust anchor
    (exit 1 naming each failure); the certificate inside the archive is never trusted."""

    if certificate is not None:
        trusted = certificate.read_bytes()
        problems = _verify(file, lambda _programme: trusted)
    else:
        try:
            with app_context() as app:
                problems = _verify(file, _instance_anchor(app.config["PARCOURS"].keys_path))
        except UserFacingError as error:
            raise UserFacingError(
                f"{error}\n"
                + _(
                    "Aucune ancre de confiance : indiquez le certificat du programme avec "
                    "--certificate CERTIFICAT.pem, ou lancez la commande dans l'instance qui a produit l'archive."
                )
            ) from error
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


def _verify(file: Path, anchor: TrustAnchor) -> list[Problem]:
    from app.archive.verify import verify_archive

    bar = _Bar(_("Vérification"))
    try:
        return verify_archive(file, anchor, progress=bar)
    finally:
        bar.close()


def _instance_anchor(keys_path: Path) -> TrustAnchor:
    """The certificates (current and past) of the instance's programme named by the archive."""
    from sqlalchemy import select

    from app.signing.keys import all_certificates_pem, has_certificate
    from app.users.models import Programme

    codes = set(db.session.scalars(select(Programme.code)))

    def anchor(programme: str) -> bytes | None:
        if programme not in codes or not has_certificate(keys_path, programme):
            return None
        return all_certificates_pem(keys_path, programme)

    return anchor
