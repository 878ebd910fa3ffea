"""The `parcours` command line. Exit codes: 0 success, 1 user error, 2 usage error."""

from __future__ import annotations

import json
import secrets
import sys
from collections.abc import Iterator
from contextlib import contextmanager

import click
from flask import Flask
from sqlalchemy import select

from app.config import CONFIG_FILE, ConfigError, instance_path_from_env, write_config
from app.crypto.keyring import MissingKeyError, create_initial_keys
from app.db import db, make_engine
from app.users.models import Programme


class UserFacingError(click.ClickException):
    """Printed on stderr, exit code 1."""

    exit_code = 1


@contextmanager
def app_context() -> Iterator[Flask]:
    from app import create_app

    try:
        app = create_app()
    except (ConfigError, MissingKeyError) as error:
        raise UserFacingError(str(error)) from error
    with app.app_context():
        yield app


def resolve_programme(code: str | None) -> Programme:
    """The programme named by --programme, or the only one of the instance."""
    programmes = db.session.scalars(select(Programme).order_by(Programme.code)).all()
    if code:
        for programme in programmes:
            if programme.code == code.upper():
                return programme
        raise UserFacingError(f"Programme inconnu : {code}.")
    if len(programmes) == 1:
        return programmes[0]
    if not programmes:
        raise UserFacingError("Aucun programme : créez-en un avec `parcours programmes add`.")
    raise UserFacingError(
        f"Plusieurs programmes dans cette instance : précisez --programme ({', '.join(p.code for p in programmes)})."
    )


@click.group()
def main() -> None:
    """Parcours — Programmes de Réussite Éducative."""


@main.command()
@click.option("--demo", is_flag=True, help="Add the DEMO programme, demo users and children.")
def init(demo: bool) -> None:
    """Create the instance folder, its keys and its database (never overwrites keys)."""
    from app.config import default_database_url, load_settings
    from app.migrate import upgrade

    instance = instance_path_from_env()
    instance.mkdir(parents=True, exist_ok=True)
    config_file = instance / CONFIG_FILE
    values: dict[str, object] = {"secret_key": secrets.token_urlsafe(48)}
    if config_file.exists():
        values = json.loads(config_file.read_text(encoding="utf-8"))
    if demo:
        # A demo instance is served over plain http on this machine; explicit settings win.
        values = {"demo": True, "secure_cookies": False, **values}
    if not config_file.exists() or values != json.loads(config_file.read_text(encoding="utf-8")):
        write_config(instance, values)
        click.echo(f"Configuration écrite : {config_file}")
    if create_initial_keys(instance / "keys"):
        click.echo(f"Clés créées dans {instance / 'keys'}")
    settings = load_settings(instance)
    engine = make_engine(settings.database_url or default_database_url(instance))
    upgrade(engine)
    engine.dispose()
    click.echo("Base de données à jour.")
    if demo:
        from app.demo import create_demo

        with app_context():
            create_demo(echo=click.echo)
    _ensure_certificates()


def _ensure_certificates() -> None:
    """A self-signed sealing certificate for every programme that has none (never replaces one)."""
    from flask import current_app

    from app.signing.services import ensure_programme_certificates

    with app_context():
        for code in ensure_programme_certificates(db.session, current_app.config["PARCOURS"].keys_path):
            click.echo(f"Certificat de cachet auto-signé créé pour {code}.")


@main.group()
def programmes() -> None:
    """Manage programmes (one PRE each)."""


@programmes.command("add")
@click.argument("code")
@click.option("--name", required=True, help="The programme's full name.")
def programmes_add(code: str, name: str) -> None:
    from app.users.services import UserError, create_programme

    with app_context():
        try:
            programme = create_programme(db.session, code, name)
        except UserError as error:
            raise UserFacingError(str(error)) from error
        db.session.commit()
        click.echo(f"Programme {programme.code} créé.")
    _ensure_certificates()


@main.group()
def users() -> None:
    """Manage user accounts."""


@users.command("add")
@click.argument("email")
@click.option("--role", required=True, type=click.Choice(["referent", "coordinateur", "eps", "admin", "reseau"]))
@click.option("--name", required=True)
@click.option("--programme", "programme_code")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
def users_add(email: str, role: str, name: str, programme_code: str | None, password_stdin: bool) -> None:
    """Create a user account."""
    from app.users.services import UserError, create_user

    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = click.prompt("Mot de passe", hide_input=True, confirmation_prompt=True)
    with app_context():
        programme = resolve_programme(programme_code)
        try:
            create_user(db.session, programme=programme, email=email, name=name, role=role, password=password)
        except UserError as error:
            raise UserFacingError(str(error)) from error
        db.session.commit()
        click.echo(f"Compte {email.lower()} ({role}) créé dans {programme.code}.")


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
def run(host: str, port: int) -> None:
    """Serve the web app."""
    from werkzeug.serving import run_simple

    from app import create_app

    try:
        app = create_app()
    except (ConfigError, MissingKeyError) as error:
        raise UserFacingError(str(error)) from error
    click.echo(f"Parcours sur http://{host}:{port}/")
    run_simple(host, port, app, threaded=True)


def _register_commands() -> None:
    from app.audit.cli import audit
    from app.maintenance.cli import backup, keys, purge, restore

    for command in (audit, keys, purge, backup, restore):
        main.add_command(command)

    from app.archive.cli import archive
    from app.signing.cli import import_certificate_command

    keys.add_command(import_certificate_command)
    main.add_command(archive)

    from app.formengine.cli import forms
    from app.formsets.cli import diff_command, install_command, package_command

    for command in (package_command, install_command, diff_command):
        forms.add_command(command)
    main.add_command(forms)

    from app.imports.cli import import_command

    main.add_command(import_command)

    from app.indicators.cli import indicators_command

    main.add_command(indicators_command)

    from app.network.cli import network

    main.add_command(network)


_register_commands()
