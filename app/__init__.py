"""Parcours: the digital file of the Programmes de Réussite Éducative.

`create_app` is the composition root. A command that serves no page gets settings, keys and database
only (`web=False`): it loads neither the views nor the web wiring of `app.web`, so that a command
such as `parcours indicators` starts fast.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

from flask import Flask

import app.models  # noqa: F401  (complete the mappers)
from app.config import ConfigError, load_settings
from app.crypto import KeyRing
from app.crypto.current import install as install_keyring
from app.db import db
from app.proxy import parse_networks


def create_app(
    instance_path: Path | None = None, overrides: dict[str, Any] | None = None, *, web: bool = True
) -> Flask:
    """Build the app from an instance folder; raise ConfigError or MissingKeyError when unusable.

    `web=False`: only settings, keys and database, for a command that serves no page (it then imports
    none of the views, nor the PDF and signing libraries they use)."""
    settings = load_settings(instance_path, overrides)
    try:
        proxies = parse_networks(settings.trusted_proxies)
    except ValueError as error:
        raise ConfigError(f"{error}; fix config.json in {settings.instance_path}.") from error
    keyring = KeyRing.load(settings.keys_path)

    app = Flask(__name__, instance_path=str(settings.instance_path))
    app.config.update(
        PARCOURS=settings,
        SECRET_KEY=settings.secret_key,
        DATABASE_URL=settings.database_url,
        SESSION_COOKIE_NAME="parcours_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.secure_cookies,
        PERMANENT_SESSION_LIFETIME=timedelta(hours=settings.session_absolute_hours),
        # The cookie keeps the expiry set at login (the absolute limit); the idle limit is kept in the
        # database (app.auth.sessions): no cookie signed again and sent back with every page.
        SESSION_REFRESH_EACH_REQUEST=False,
        MAX_CONTENT_LENGTH=20 * 1024 * 1024,
        WTF_CSRF_TIME_LIMIT=None,
    )
    install_keyring(app, keyring)
    db.init_app(app)
    if web:
        from app.web import install

        install(app, settings, proxies)
    return app
