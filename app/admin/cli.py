"""`parcours audit verify`."""

from __future__ import annotations

import click

from app.clitools import UserFacingError, app_context
from app.db import db
from app.i18n import _


@click.group()
def audit() -> None:
    """The audit trail."""


@audit.command("verify")
def verify() -> None:
    """Check the keyed hash chain of the audit trail and its checkpoint; exit 1 naming every break."""
    from sqlalchemy import func, select

    from app.audit.models import AuditEvent
    from app.audit.services import verify as verify_chain

    with app_context():
        breaks = verify_chain(db.session)
        for broken in breaks:
            where = f"l'entrée {broken.event_id}" if broken.event_id is not None else "la fin du journal"
            click.echo(f"Rupture à {where} : {broken.reason}.", err=True)
        if breaks:
            raise UserFacingError(f"Journal d'audit altéré : {len(breaks)} rupture(s), listées ci-dessus.")
        count = db.session.scalar(select(func.count()).select_from(AuditEvent))
        click.echo(_("Journal d'audit intègre : %(count)s entrées vérifiées.") % {"count": count})
