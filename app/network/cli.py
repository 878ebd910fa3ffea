"""`parcours network consolidate --year Y SHARE.zip... --trust CERT.pem... [--format json|csv|pdf]
[--diffusion-externe] [--output FILE]`: the département table from the PRE's share files."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

import click

from app.clitools import UserFacingError, app_context
from app.db import db

if TYPE_CHECKING:
    from app.network.share import Trust

FILE = click.Path(exists=True, dir_okay=False, path_type=Path)


@click.group()
def network() -> None:
    """A network of PRE: consolidated yearly indicators."""


@network.command("consolidate")
@click.option("--year", required=True, help="Calendar year (2025) or school year (2025-2026) of the shares.")
@click.argument("shares", nargs=-1, required=True, type=FILE)
@click.option(
    "--trust",
    "trusted",
    multiple=True,
    required=True,
    metavar="[CODE=]CERT.pem",
    help="Trusted certificate (PEM); CODE=CERT.pem trusts it for programme CODE only, otherwise it signs "
    "for a programme whose certificate names its code « (CODE) ».",
)
@click.option("--format", "output_format", type=click.Choice(["json", "csv", "pdf"]), default="json", show_default=True)
@click.option("--diffusion-externe", "external", is_flag=True, help="Mask small counts, with complementary cells.")
@click.option("--output", type=click.Path(dir_okay=False, writable=True, path_type=Path), help="File to write.")
def consolidate_command(
    year: str,
    shares: tuple[Path, ...],
    trusted: tuple[str, ...],
    output_format: str,
    external: bool,
    output: Path | None,
) -> None:
    """Verify every share against the trusted certificates and build the département table."""
    _quiet_signature_logs()
    from app.network import consolidate, export, services
    from app.network.share import ShareError

    if output_format == "pdf" and output is None:
        raise UserFacingError("Le format pdf demande --output FICHIER.pdf.")
    try:
        files = [(str(path), path.read_bytes()) for path in shares]
        table = services.table_from_shares(files, _trust(trusted), year)
    except ShareError as error:
        raise UserFacingError(str(error)) from error
    if external:
        table = consolidate.external(table)
    if output_format == "json":
        content: str | bytes = export.to_json(table)
    elif output_format == "csv":
        content = export.to_csv(table)
    else:
        content = export.to_pdf(table, f"Réseau de {len(table['programmes'])} programmes")
    _audit(year, external)
    if output is None:
        assert isinstance(content, str)
        click.echo(content, nl=False)
        return
    if isinstance(content, bytes):
        output.write_bytes(content)
    else:
        output.write_text(content, encoding="utf-8")
    click.echo(f"Tableau départemental {year} ({', '.join(table['programmes'])}) écrit dans {output}.", err=True)


def _trust(options: tuple[str, ...]) -> Trust:
    """`--trust` values: `CERT.pem` or `CODE=CERT.pem`; UserFacingError on an unreadable file."""
    from app.network import services

    shared: list[bytes] = []
    bound: dict[str, list[bytes]] = {}
    for option in options:
        code, _sep, name = option.partition("=") if "=" in option and not Path(option).is_file() else ("", "", option)
        path = Path(name)
        if not path.is_file():
            raise UserFacingError(f"--trust {option} : fichier introuvable.")
        (bound.setdefault(code, []) if code else shared).append(path.read_bytes())
    return services.trust_of(shared, bound)


def _audit(year: str, external: bool) -> None:
    """Recorded in the instance's audit trail when run inside one (a network's laptop may have none)."""
    from app.config import CONFIG_FILE, instance_path_from_env

    if not (instance_path_from_env() / CONFIG_FILE).is_file():
        return
    from app.network import services

    with app_context():
        services.record_table(db.session, year, external, None, None)
        db.session.commit()


def _quiet_signature_logs() -> None:
    """pyHanko logs each untrusted or altered signature with a traceback; the command says why itself."""
    for name in ("pyhanko", "pyhanko_certvalidator"):
        logging.getLogger(name).setLevel(logging.CRITICAL)
