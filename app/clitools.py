"""What every `parcours` command shares: the user-facing error, the app context, the programme option.

A leaf module: feature CLIs import it, and `app.cli` wires them in, so each imports on its own.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import click
from flask import Flask
from sqlalchemy import select

from app.config import ConfigError
from app.crypto.keyring import MissingKeyError
from app.db import db
from app.i18n import _
from app.users.models import Programme


class UserFacingError(click.ClickException):
    """Printed on stderr, exit code 1."""

    exit_code = 1


@contextmanager
def app_context(*, web: bool = True) -> Iterator[Flask]:
    """The app of the instance, for a command; `web=False` when the command serves no page."""
    from app import create_app

    try:
        app = create_app(web=web)
    except (ConfigError, MissingKeyError) as error:
        raise UserFacingError(str(error)) from error
    try:
        with app.app_context():
            yield app
    finally:
        db.engine_of(app).dispose()  # close pooled connections now, not when garbage-collected


def resolve_programme(code: str | None) -> Programme:
    """The programme named by --programme, or the only one of the instance."""
    programmes = db.session.scalars(select(Programme).order_by(Programme.code)).all()
    if code:
        for programme in programmes:
            if programme.code == code.upper():
                return programme
        raise UserFacingError(_("Programme inconnu : %(code)s.") % {"code": code})
    if len(programmes) == 1:
        return programmes[0]
    if not programmes:
        raise UserFacingError(_("Aucun programme : créez-en un avec `parcours programmes add`."))
    codes = ", ".join(p.code for p in programmes)
    raise UserFacingError(
        _("Plusieurs programmes dans cette instance : précisez --programme (%(codes)s).") % {"codes": codes}
    )
