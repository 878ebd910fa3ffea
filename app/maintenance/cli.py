"""`parcours keys rotate`, `parcours purge`, `parcours backup` and `parcours restore`."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import click
from flask import current_app

from app.clitools import UserFacingError, app_context
from app.dates import format_date
from app.db import db
from app.i18n import _

if TYPE_CHECKING:
    from app.retention.elimination import Plan


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


@keys.command("reindex")
def keys_reindex() -> None:
    """Give each programme its own blind-index key (names indexed before migration 0008)."""
    from app.maintenance.reindex import reindex

    with app_context():
        done = reindex(db.session)
        for code, count in done.items():
            click.echo(f"Programme {code} : {count} enfant(s) ré-indexé(s) sous sa propre clé.")
        if not done:
            click.echo("Chaque programme a déjà sa propre clé d'index.")


def _count_children() -> int:
    from sqlalchemy import func, select

    from app.children.models import Child

    return db.session.scalar(select(func.count()).select_from(Child).where(Child.wrapped_key.is_not(None))) or 0


@click.command()
@click.option("--dry-run", is_flag=True, help="List what would be eliminated, change nothing.")
@click.option("--programme", "programme_code", help="Programme code (optional with a single programme).")
@click.option("--visa", "visa_number", help="Number of the visa to use (default: the latest unused one).")
@click.option("--force", is_flag=True, help="Also eliminate files whose closed years were never archived (audited).")
@click.option(
    "--bordereau",
    "bordereau_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also write the sealed bordereau d'élimination to this PDF file.",
)
def purge(
    dry_run: bool, programme_code: str | None, visa_number: str | None, force: bool, bordereau_path: Path | None
) -> None:
    """Élimination: crypto-shred the files past retention, under the archives départementales' visa."""
    from app.clitools import resolve_programme
    from app.crypto.current import keyring
    from app.maintenance.keys import retire_old_keks, rotate
    from app.retention.elimination import EliminationError, eliminate, plan_elimination

    with app_context():
        settings = current_app.config["PARCOURS"]
        programme = resolve_programme(programme_code)
        plan = plan_elimination(db.session, programme, date.today(), settings.retention_years, visa_number)
        _print_plan(plan, force)
        if dry_run:
            count = len(plan.covered)
            click.echo(_("%(count)s dossier(s) seraient éliminés (simulation, rien n'a changé).") % {"count": count})
            return
        if not (plan.covered or plan.unarchived or plan.outside_visa):
            click.echo(_("Aucun dossier arrivé au terme de sa conservation."))
            return
        try:
            elimination = eliminate(db.session, plan, actor=None, force=force)
        except EliminationError as error:
            raise UserFacingError(str(error)) from error
        db.session.commit()
        if bordereau_path is not None:
            fd = os.open(bordereau_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "wb") as handle:
                handle.write(elimination.bordereau)
        ring = keyring()
        rotate(db.session, ring, settings.keys_path)
        retired = retire_old_keks(ring, settings.keys_path)
        click.echo(
            _("%(count)s dossier(s) éliminés ; anciennes clés détruites : %(keys)s.")
            % {"count": elimination.files, "keys": retired or _("aucune")}
        )
        click.echo(_("Le bordereau d'élimination scellé est conservé dans l'instance (page « Élimination »)."))
        click.echo(
            _("Les sauvegardes antérieures à cette élimination ne sont plus déchiffrables : faites-en une nouvelle.")
        )


def _print_plan(plan: Plan, force: bool) -> None:
    if plan.visa is not None:
        click.echo(
            _("Visa d'élimination n° %(number)s du %(granted)s (dernier contact de %(first)s à %(last)s).")
            % {
                "number": plan.visa.number,
                "granted": format_date(plan.visa.granted_on),
                "first": plan.visa.first_year,
                "last": plan.visa.last_year,
            }
        )
    for candidate in plan.covered:
        click.echo(
            _("%(pseudonym)s\tdernier contact de la famille %(date)s")
            % {"pseudonym": candidate.child.pseudonym, "date": format_date(candidate.child.last_family_contact)}
        )
    for candidate in plan.unarchived:
        years = ", ".join(map(str, candidate.unarchived_years))
        refused = _("refusé : exportez d'abord l'archive de %(years)s") % {"years": years}
        verdict = _("éliminé (--force)") if force else refused
        click.echo(
            _("%(pseudonym)s\tdocuments jamais archivés (%(years)s) : %(verdict)s")
            % {"pseudonym": candidate.child.pseudonym, "years": years, "verdict": verdict}
        )
    for candidate in plan.outside_visa:
        click.echo(
            _("%(pseudonym)s\tdernier contact en %(year)s : hors visa, conservé")
            % {"pseudonym": candidate.child.pseudonym, "year": candidate.contact_year}
        )


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
    """Restore a backup into an instance folder holding only keys/ and config.json, or an empty initialised one."""
    from app.maintenance.backup import RestoreError
    from app.maintenance.backup import restore as run_restore
    from app.migrate import upgrade

    with app_context():
        try:
            counts = run_restore(db.engine, source)
        except RestoreError as error:
            raise UserFacingError(str(error)) from error
        click.echo(_("Restauration terminée : %(rows)s lignes.") % {"rows": sum(counts.values())})
        before, after = upgrade(db.engine)
        if before != after:
            click.echo(_("Base de données mise à jour : %(before)s → %(after)s.") % {"before": before, "after": after})
