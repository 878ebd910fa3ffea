"""`parcours keys rotate`, `parcours purge`, `parcours backup` and `parcours restore`."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import click
from flask import current_app

from app.cli import UserFacingError, app_context
from app.db import db

if TYPE_CHECKING:
    from app.retention.elimination import Plan


@click.group()
def keys() -> None:
    """Keys of the instance."""


@keys.command("rotate")
def keys_rotate() -> None:
    """New key-encryption key; re-wrap every per-child key (resumable)."""
    from app.children.vault import keyring
    from app.maintenance.keys import pending, rotate

    with app_context() as app:
        ring = keyring()
        total = pending(db.session, ring) or _count_children()
        with click.progressbar(length=total, label="Re-chiffrement des clés", file=None) as bar:
            version, count = rotate(db.session, ring, app.config["PARCOURS"].keys_path, bar.update)
        click.echo(f"Clé de chiffrement des clés n° {version} en service ; {count} clés d'enfants re-chiffrées.")


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
    from app.children.vault import keyring
    from app.cli import resolve_programme
    from app.maintenance.keys import retire_old_keks, rotate
    from app.retention.elimination import EliminationError, eliminate, plan_elimination

    with app_context():
        settings = current_app.config["PARCOURS"]
        programme = resolve_programme(programme_code)
        plan = plan_elimination(db.session, programme, date.today(), settings.retention_years, visa_number)
        _print_plan(plan, force)
        if dry_run:
            click.echo(f"{len(plan.covered)} dossier(s) seraient éliminés (simulation, rien n'a changé).")
            return
        if not (plan.covered or plan.unarchived or plan.outside_visa):
            click.echo("Aucun dossier arrivé au terme de sa conservation.")
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
        click.echo(f"{elimination.files} dossier(s) éliminés ; anciennes clés détruites : {retired or 'aucune'}.")
        click.echo("Le bordereau d'élimination scellé est conservé dans l'instance (page « Élimination »).")
        click.echo(
            "Les sauvegardes antérieures à cette élimination ne sont plus déchiffrables : faites-en une nouvelle."
        )


def _print_plan(plan: Plan, force: bool) -> None:
    if plan.visa is not None:
        click.echo(
            f"Visa d'élimination n° {plan.visa.number} du {plan.visa.granted_on:%d/%m/%Y} "
            f"(dernier contact de {plan.visa.first_year} à {plan.visa.last_year})."
        )
    for candidate in plan.covered:
        click.echo(
            f"{candidate.child.pseudonym}\tdernier contact de la famille {candidate.child.last_family_contact:%d/%m/%Y}"
        )
    for candidate in plan.unarchived:
        years = ", ".join(map(str, candidate.unarchived_years))
        verdict = "éliminé (--force)" if force else "refusé : exportez d'abord l'archive de " + years
        click.echo(f"{candidate.child.pseudonym}\tdocuments jamais archivés ({years}) : {verdict}")
    for candidate in plan.outside_visa:
        click.echo(f"{candidate.child.pseudonym}\tdernier contact en {candidate.contact_year} : hors visa, conservé")


@click.command()
@click.argument("target", type=click.Path(dir_okay=False, path_type=Path))
def backup(target: Path) -> None:
    """Consistent online backup of the database (keys are never included)."""
    from app.maintenance.backup import backup as run_backup

    with app_context():
        counts = run_backup(db.engine, target)
        click.echo(f"Sauvegarde écrite dans {target} ({sum(counts.values())} lignes). Les clés n'y sont pas :")
        click.echo("conservez à part une copie du dossier keys/ et de config.json.")


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
        click.echo(f"Restauration terminée : {sum(counts.values())} lignes.")
