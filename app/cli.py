"""The `parcours` command line. Exit codes: 0 success, 1 user error, 2 usage error."""

from __future__ import annotations

import json
import os
import secrets
import sys
from pathlib import Path

import click

from app.clitools import UserFacingError, app_context, resolve_programme
from app.config import CONFIG_FILE, ConfigError, instance_path_from_env, write_config
from app.crypto.keyring import AUDIT_KEY_FILE, MissingKeyError, create_initial_keys
from app.db import db, make_engine
from app.i18n import _


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
        _refuse_demo_on_a_real_instance(instance, values)
        # A demo instance is served over plain http on this machine; explicit settings win.
        values = {"demo": True, "secure_cookies": False, **values}
    if not config_file.exists() or values != json.loads(config_file.read_text(encoding="utf-8")):
        write_config(instance, values)
        click.echo(_("Configuration écrite : %(config_file)s") % {"config_file": config_file})
    new_audit_key = not (instance / "keys" / AUDIT_KEY_FILE).exists()
    if create_initial_keys(instance / "keys"):
        click.echo(_("Clés créées dans %(path)s") % {"path": instance / "keys"})
    settings = load_settings(instance)
    engine = make_engine(settings.database_url or default_database_url(instance))
    upgrade(engine)
    engine.dispose()
    click.echo(_("Base de données à jour."))
    if new_audit_key:
        _adopt_audit_key()
    if demo:
        from app.demo import create_demo

        with app_context():
            create_demo(echo=click.echo)
    _ensure_certificates()


def _refuse_demo_on_a_real_instance(instance: Path, values: dict[str, object]) -> None:
    """`init --demo` never turns an instance with real accounts into a demo one."""
    from sqlalchemy import func, inspect, make_url, select

    from app.config import default_database_url
    from app.demo import DEMO_CODE
    from app.users.models import Programme, User

    if not (instance / CONFIG_FILE).exists():
        return
    url = str(values.get("database_url") or os.environ.get("PARCOURS_DATABASE_URL") or default_database_url(instance))
    if url.startswith("sqlite") and not Path(make_url(url).database or "").is_file():
        return  # no database yet: nothing real in it
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            if not inspect(connection).has_table("users"):
                return
            query = select(func.count()).select_from(User).join(Programme, Programme.id == User.programme_id)
            if values.get("demo"):
                query = query.where(Programme.code != DEMO_CODE)
            real = connection.scalar(query) or 0
    finally:
        engine.dispose()
    if real:
        raise UserFacingError(
            _(
                "Refusé : cette instance (%(instance)s) contient %(real)s compte(s) réel(s) ; `init --demo` ne "
                "transforme jamais une instance réelle en démonstration. Pour essayer Parcours, créez une instance "
                "de démonstration dans un autre dossier : PARCOURS_INSTANCE=/chemin/demo parcours init --demo."
            )
            % {"instance": instance, "real": real}
        )


def _adopt_audit_key() -> None:
    """An existing instance gets its audit key: its trail is checked, then chained under the key."""
    from app.audit.services import adopt_key

    with app_context():
        breaks = adopt_key(db.session)
        db.session.commit()
    for broken in breaks:
        message = _("Ancien journal : rupture à l'entrée %(event)s (%(reason)s).")
        click.echo(message % {"event": broken.event_id, "reason": broken.reason}, err=True)
    if breaks:
        click.echo(
            _("Journal d'audit scellé par la clé d'audit ; %(count)s rupture(s) de l'ancien journal, consignées.")
            % {"count": len(breaks)}
        )
    else:
        click.echo(_("Journal d'audit scellé par la clé d'audit."))


def _ensure_certificates() -> None:
    """A self-signed sealing certificate for every programme that has none (never replaces one)."""
    from flask import current_app

    from app.signing.services import ensure_programme_certificates

    with app_context():
        for code in ensure_programme_certificates(db.session, current_app.config["PARCOURS"].keys_path):
            click.echo(_("Certificat de cachet auto-signé créé pour %(code)s.") % {"code": code})


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
        click.echo(_("Programme %(code)s créé.") % {"code": programme.code})
    _ensure_certificates()


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
        click.echo(
            _("Compte %(email)s (%(role)s) créé dans %(code)s.")
            % {"email": email.lower(), "role": role, "code": programme.code}
        )


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
    from app.admin.cli import audit
    from app.maintenance.cli import backup, keys, purge, restore

    for command in (audit, keys, purge, backup, restore):
        main.add_command(command)

    from app.archive.cli import archive
    from app.signing.cli import import_certificate_command

    keys.add_command(import_certificate_command)
    main.add_command(archive)

    from app.formengine.cli import forms

    main.add_command(forms)

    from app.imports.cli import import_command

    main.add_command(import_command)

    from app.indicators.cli import indicators_command

    main.add_command(indicators_command)


_register_commands()
