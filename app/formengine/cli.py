"""`parcours forms check|lock`: validate the form set, publish new versions."""

from __future__ import annotations

from pathlib import Path

import click

from app.formengine.loader import LOCK_FILE, check_form_set, publish
from app.i18n import _
from app.nomenclature import FORMS_DIR

DIRECTORY = click.Path(file_okay=False, path_type=Path)


@click.group()
def forms() -> None:
    """Form definitions (forms/)."""


@forms.command("check")
@click.argument("directory", required=False, type=DIRECTORY)
def check(directory: Path | None) -> None:
    """Validate every form definition of DIRECTORY (default: forms/); exit 1 naming each error."""
    directory = directory or FORMS_DIR
    form_set, errors = check_form_set(directory)
    if form_set is None:
        for error in errors:
            where = directory / error.file if error.file else directory
            click.echo(f"{where}: {error.field or '-'}: {error.reason}", err=True)
        raise click.exceptions.Exit(1)
    click.echo(f"{form_set.name} v{form_set.version}: {len(form_set.forms)} versions valides")
    for (form_id, version), form in sorted(form_set.forms.items()):
        click.echo(f"  {form_id} v{version}  {len(form.fields())} champs  sha256 {form.sha256[:12]}")


@forms.command("lock")
@click.argument("directory", required=False, type=DIRECTORY)
def lock(directory: Path | None) -> None:
    """Publish new version files: add their sha256 to forms.lock (existing entries never change)."""
    directory = directory or FORMS_DIR
    added = publish(directory)
    click.echo(
        f"{LOCK_FILE}: " + (_("%(forms)s publié(s)") % {"forms": ", ".join(added)} if added else _("rien de nouveau"))
    )
