"""`parcours keys import-certificate` (attached to the `keys` group): install a real sealing certificate."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import current_app

from app.clitools import UserFacingError, app_context, resolve_programme
from app.crypto.certificates import CertificateError
from app.db import db
from app.i18n import _


@click.command("import-certificate")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--programme", "programme_code", help="Programme code (optional with a single programme).")
@click.option("--password-stdin", is_flag=True, help="Read the PKCS #12 password from standard input.")
def import_certificate_command(file: Path, programme_code: str | None, password_stdin: bool) -> None:
    """Replace a programme's sealing certificate with a PKCS #12 file (key + certificate)."""
    from app.signing.services import import_certificate

    if password_stdin or not sys.stdin.isatty():
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = click.prompt("Mot de passe du fichier PKCS #12", hide_input=True, default="", show_default=False)
    with app_context():
        programme = resolve_programme(programme_code)
        keys_path = current_app.config["PARCOURS"].keys_path
        try:
            fingerprint = import_certificate(db.session, keys_path, programme, file.read_bytes(), password, None)
        except CertificateError as error:
            raise UserFacingError(f"{file}: {error}") from error
        db.session.commit()
        click.echo(
            _("Certificat de %(code)s importé (SHA-256 %(fingerprint)s).")
            % {"code": programme.code, "fingerprint": fingerprint}
        )
        click.echo(_("Les documents déjà scellés restent valides avec le certificat qu'ils portent."))
