"""`parcours forms package|install|diff`: publish, install and compare form sets."""

from __future__ import annotations

import logging
from pathlib import Path

import click

from app.clitools import UserFacingError, app_context, resolve_programme
from app.db import db

FILE = click.Path(exists=True, dir_okay=False, path_type=Path)
ANY = click.Path(exists=True, path_type=Path)


@click.command("package")
@click.argument("directory", required=False, type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--output", required=True, type=click.Path(dir_okay=False, writable=True, path_type=Path))
@click.option("--programme", "programme_code", help="Sign with this programme's certificate (in an instance).")
@click.option("--key", "key_file", type=FILE, help="Network's private key (PEM) instead of a programme's.")
@click.option("--certificate", "certificate_file", type=FILE, help="Network's certificate (PEM), with --key.")
def package_command(
    directory: Path | None,
    output: Path,
    programme_code: str | None,
    key_file: Path | None,
    certificate_file: Path | None,
) -> None:
    """Publish the form set of DIRECTORY (default: the instance's) as one signed file."""
    from app.crypto.certificates import KeyMaterial
    from app.formsets.package import PackageError, build_package

    if (key_file is None) != (certificate_file is None):
        raise UserFacingError("--key et --certificate vont ensemble (clé et certificat du réseau, en PEM).")
    if key_file is not None and certificate_file is not None:
        material = KeyMaterial(key_file.read_bytes(), certificate_file.read_bytes())
        directory = directory or _instance_forms()
    else:
        from flask import current_app

        from app.formengine import forms_directory
        from app.signing.keys import load_material

        with app_context():
            programme = resolve_programme(programme_code)
            settings = current_app.config["PARCOURS"]
            material = load_material(settings.keys_path, programme.code)
            directory = directory or forms_directory(settings)
    try:
        content, form_set = build_package(directory, material)
    except (PackageError, ValueError) as error:
        raise UserFacingError(str(error)) from error
    output.write_bytes(content)
    click.echo(
        f"« {form_set.name} » v{form_set.version} ({len(form_set.forms)} versions de formulaires) signé dans {output}."
    )


def _instance_forms() -> Path:
    from flask import current_app

    from app.formengine import forms_directory

    with app_context():
        return forms_directory(current_app.config["PARCOURS"])


@click.command("install")
@click.argument("package", type=FILE)
@click.option("--trust", "trusted", required=True, multiple=True, type=FILE, help="Trusted certificate (PEM).")
def install_command(package: Path, trusted: tuple[Path, ...]) -> None:
    """Check a published set's signature, show what changes, and install it in the instance."""
    _quiet_signature_logs()
    from flask import current_app

    from app.formengine import forms_directory, load_form_set
    from app.formsets import diff, services
    from app.formsets.package import PackageError, load_files, verify_package

    bundle = b"".join(path.read_bytes() for path in trusted)
    with app_context():
        settings = current_app.config["PARCOURS"]
        try:
            files = verify_package(str(package), package.read_bytes(), bundle)
            new = load_files(str(package), files)
            current = load_form_set(forms_directory(settings))
            click.echo(diff.as_text(current, new, diff.compare(current, new)))
            target, _loaded = services.install(db.session, settings, files, new, None)
        except PackageError as error:
            raise UserFacingError(str(error)) from error
        db.session.commit()
    click.echo(
        f"« {new.name} » v{new.version} installé dans {target}. Les nouveaux documents l'utilisent après le "
        "redémarrage du service ; les documents déjà remplis gardent leur version."
    )


@click.command("diff")
@click.argument("old", type=ANY)
@click.argument("new", type=ANY)
@click.option("--format", "output_format", type=click.Choice(["text", "html"]), default="text", show_default=True)
def diff_command(old: Path, new: Path, output_format: str) -> None:
    """Compare two form sets (folders, packages or zipped folders), in French."""
    from app.formsets import diff
    from app.formsets.package import PackageError, load_any

    try:
        before, after = load_any(old), load_any(new)
    except PackageError as error:
        raise UserFacingError(str(error)) from error
    changes = diff.compare(before, after)
    render = diff.as_html if output_format == "html" else diff.as_text
    click.echo(render(before, after, changes), nl=False)


def _quiet_signature_logs() -> None:
    """pyHanko logs each untrusted or altered signature with a traceback; the command says why itself."""
    for name in ("pyhanko", "pyhanko_certvalidator"):
        logging.getLogger(name).setLevel(logging.CRITICAL)
