"""`parcours keys rotate`, `parcours purge`, `parcours backup` and `parcours restore`."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import click
from flask import current_app

from app.clitools import UserFacingError, app_context
from app.dates import format_date
from app.db import db
from app.i18n import _


@click.group()
def keys() -> None:
    """Keys of the instance."""


@keys.command("rotate")
def keys_rotate() -> None:
    """New key-encryption key; re-wrap every per-child key (resumable)."""
    from app.crypto.current import keyring
    from app.maintenance.keys import pending, rotate

    with app_context() as app:
        ring = keyring()
        total = pending(db.session, ring) or _count_children()
        with click.progressbar(length=total, label=_("Re-chiffrement des clés"), file=None) as bar:
            version, count = rotate(db.session, ring, app.config["PARCOURS"].keys_path, bar.update)
        click.echo(
            _("Clé de chiffrement des clés n° %(version)s en service ; %(count)s clés d'enfants re-chiffrées.")
            % {"version": version, "count": count}
        )


def _count_children() -> int:
    from sqlalchemy import func, select

    from app.children.models import Child

    return db.session.scalar(select(func.count()).select_from(Child).where(Child.wrapped_key.is_not(None))) or 0


@click.command()
@click.option("--dry-run", is_flag=True, help="List what would be removed, change nothing.")
def purge(dry_run: bool) -> None:
    """Crypto-shred the children past their retention date."""
    from app.crypto.current import keyring
    from app.maintenance.keys import retire_old_keks, rotate
    from app.maintenance.purge import expired_children, shred

    with app_context():
        settings = current_app.config["PARCOURS"]
        children = expired_children(db.session, date.today(), settings.retention_years)
        for child in children:
            click.echo(f"{child.pseudonym}\tdernier contact {format_date(child.last_contact)}")
        if dry_run:
            click.echo(
                _("%(count)s enfant(s) seraient purgés (simulation, rien n'a changé).") % {"count": len(children)}
            )
            return
        if not children:
            click.echo(_("Aucun enfant à purger."))
            return
        shred(db.session, children)
        db.session.commit()
        ring = keyring()
        rotate(db.session, ring, settings.keys_path)
        retired = retire_old_keks(ring, settings.keys_path)
        click.echo(
            _("%(count)s enfant(s) purgés ; anciennes clés détruites : %(keys)s.")
            % {"count": len(children), "keys": retired or _("aucune")}
        )
        click.echo(_("Les sauvegardes antérieures à cette purge ne sont plus déchiffrables : faites-en une nouvelle."))


@click.command()
@click.argument("target", type=click.Path(dir_okay=False, path_type=Path))
def backup(target: Path) -> None:
    """Consistent online backup of the database (keys are never included)."""
    from app.maintenance.backup import backup as run_backup

    with app_context():
        counts = run_backup(db.engine, target)
        click.echo(
            _("Sauvegarde écrite dans %(target)s (%(rows)s lignes). Les clés n'y sont pas :")
            % {"target": target, "rows": sum(counts.values())}
        )
        click.echo(_("conservez à part une copie du dossier keys/ et de config.json."))


@click.command()
@click.argument("source", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def restore(source: Path) -> None:
    """Restore a backup into an empty instance (run `parcours init` first, copy keys/)."""
    from app.maintenance.backup import RestoreError
    from app.maintenance.backup import restore as run_restore

    with app_context():
        try:
            counts = run_restore(db.engine, source)
        except RestoreError as error:
            raise UserFacingError(str(error)) from error
        click.echo(_("Restauration terminée : %(rows)s lignes.") % {"rows": sum(counts.values())})
