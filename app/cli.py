"""The `parcours` command line. Exit codes: 0 success, 1 user error, 2 usage error."""

from __future__ import annotations

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
    if not (instance / CONFIG_FILE).exists():
        values: dict[str, object] = {"secret_key": secrets.token_urlsafe(48)}
        if demo:
            values.update(demo=True, secure_cookies=False)
        write_config(instance, values)
        click.echo(f"Configuration créée : {instance / CONFIG_FILE}")
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


@main.group()
def users() -> None:
    """Manage user accounts."""


@users.command("add")
@click.argument("email")
@click.option("--role", required=True, type=click.Choice(["referent", "coordinateur", "eps", "admin"]))
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

    main.add_command(audit)

    from app.formengine.cli import forms

    main.add_command(forms)


_register_commands()
