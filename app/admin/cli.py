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
    """Check the hash chain of the audit trail; exit 1 naming the first broken entry."""
    from sqlalchemy import func, select

    from app.audit.models import AuditEvent
    from app.audit.services import verify as verify_chain

    with app_context():
        broken = verify_chain(db.session)
        if broken is not None:
            where = f"entry {broken.event_id}" if broken.event_id is not None else "end of the trail"
            raise UserFacingError(f"Audit trail broken at {where}: {broken.reason}.")
        count = db.session.scalar(select(func.count()).select_from(AuditEvent))
        click.echo(_("Journal d'audit intègre : %(count)s entrées vérifiées.") % {"count": count})
