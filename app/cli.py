"""The `parcours` command line. Exit codes: 0 success, 1 user error, 2 usage error."""

from __future__ import annotations

import importlib
import json
import os
import secrets
import sys
from pathlib import Path

import click

from app.cli_help import in_french
from app.clitools import UserFacingError, app_context, resolve_programme
from app.config import CONFIG_FILE, ConfigError, instance_path_from_env, write_config
from app.crypto.keyring import AUDIT_KEY_FILE, MissingKeyError, create_initial_keys
from app.dates import DateError, check_timezone
from app.db import db, make_engine
from app.i18n import _

# The features' commands, imported only when called: a command loads only what it needs (no PDF or
# signing library for `parcours indicators --format json`).
LAZY_COMMANDS = {
    "archive": "app.archive.cli:archive",
    "audit": "app.admin.cli:audit",
    "backup": "app.maintenance.cli:backup",
    "forms": "app.formengine.cli:forms",
    "import": "app.imports.cli:import_command",
    "indicators": "app.indicators.cli:indicators_command",
    "keys": "app.maintenance.cli:keys",
    "network": "app.network.cli:network",
    "purge": "app.maintenance.cli:purge",
    "restore": "app.maintenance.cli:restore",
}


def _load_command(name: str) -> click.Command:
    module, attribute = LAZY_COMMANDS[name].split(":")
    command: click.Command = getattr(importlib.import_module(module), attribute)
    if name == "keys" and isinstance(command, click.Group) and "import-certificate" not in command.commands:
        from app.signing.cli import import_certificate_command

        command.add_command(import_certificate_command)
    if name == "forms" and isinstance(command, click.Group) and "package" not in command.commands:
        from app.formsets.cli import diff_command, install_command, package_command

        for subcommand in (package_command, install_command, diff_command):
            command.add_command(subcommand)
    return command


class LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*self.commands, *LAZY_COMMANDS})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands and cmd_name in LAZY_COMMANDS:
            self.add_command(in_french(_load_command(cmd_name), cmd_name), cmd_name)
        return self.commands.get(cmd_name)


@click.group(cls=LazyGroup)
def main() -> None:
    """Parcours — Programmes de Réussite Éducative."""


@main.command()
@click.option("--demo", is_flag=True, help="Add the DEMO programme, demo users and children.")
@click.option("--timezone", default="Europe/Paris", show_default=True)
def init(demo: bool, timezone: str) -> None:
    """Create the instance folder, its keys and its database (never overwrites keys)."""
    from app.config import default_database_url, load_settings
    from app.migrate import upgrade

    try:
        check_timezone(timezone)
    except DateError as error:
        raise click.BadParameter(str(error), param_hint="--timezone") from None
    instance = instance_path_from_env()
    instance.mkdir(mode=0o700, parents=True, exist_ok=True)
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
            create_demo(echo=click.echo, timezone=timezone)
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
@click.option("--timezone", default="Europe/Paris", show_default=True)
def programmes_add(code: str, name: str, timezone: str) -> None:
    from app.users.services import UserError, create_programme

    with app_context():
        try:
            programme = create_programme(db.session, code, name, timezone=timezone)
        except UserError as error:
            raise UserFacingError(str(error)) from error
        db.session.commit()
        click.echo(_("Programme %(code)s créé.") % {"code": programme.code})
    _ensure_certificates()


@programmes.command("timezone")
@click.argument("code")
@click.argument("timezone")
def programmes_timezone(code: str, timezone: str) -> None:
    """Change the time zone in which a programme's users read times."""
    from sqlalchemy import select

    from app.users.models import Programme
    from app.users.services import UserError, set_programme_timezone

    with app_context():
        programme = db.session.scalar(select(Programme).where(Programme.code == code.strip().upper()))
        if programme is None:
            raise UserFacingError(_("Programme inconnu : %(code)s.") % {"code": code})
        try:
            set_programme_timezone(db.session, programme, timezone)
        except UserError as error:
            raise UserFacingError(str(error)) from error
        db.session.commit()
        click.echo(_("Fuseau horaire de %(code)s : %(zone)s.") % {"code": programme.code, "zone": programme.timezone})


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
        click.echo(
            _("Compte %(email)s (%(role)s) créé dans %(code)s.")
            % {"email": email.lower(), "role": role, "code": programme.code}
        )


@main.command("upgrade")
def upgrade_command() -> None:
    """Bring the instance's database to the latest migration (prints from → to)."""
    from app.config import default_database_url, load_settings
    from app.migrate import head_revision, upgrade

    try:
        settings = load_settings(instance_path_from_env())
    except ConfigError as error:
        raise UserFacingError(str(error)) from error
    engine = make_engine(settings.database_url or default_database_url(settings.instance_path))
    try:
        before, after = upgrade(engine)
    finally:
        engine.dispose()
    if before == after:
        click.echo(_("Base de données déjà à jour (%(revision)s).") % {"revision": after})
    else:
        click.echo(
            _("Base de données mise à jour : %(before)s → %(after)s.")
            % {"before": before or _("vide"), "after": after or head_revision()}
        )


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=5000, show_default=True, type=click.IntRange(1, 65535))
@click.option("--workers", type=click.IntRange(1, 64), help="Worker processes (default: 2 per core, at most 8).")
def run(host: str, port: int, workers: int | None) -> None:
    """Serve the web app with gunicorn (production server)."""
    import logging

    from app import create_app
    from app.serving import default_workers, serve

    try:
        app = create_app()  # fail here, with a clear message, rather than in every worker
    except (ConfigError, MissingKeyError) as error:
        raise UserFacingError(str(error)) from error
    settings = app.config["PARCOURS"]
    del app
    logging.basicConfig(level=logging.INFO, format="[%(asctime)s] [%(process)d] [%(levelname)s] %(message)s")
    click.echo(f"Parcours sur http://{host}:{port}/", err=True)
    serve(settings, host, port, workers or default_workers())


in_french(main, "")
