"""`parcours run`: the app under gunicorn (never Werkzeug's development server)."""

from __future__ import annotations

import logging
import os
from typing import Any

from flask import Flask
from gunicorn.app.base import BaseApplication

from app.config import Settings

# Path only: query strings (search terms, tokens) never reach the log.
ACCESS_LOG_FORMAT = '%(h)s "%(m)s %(U)s" %(s)s %(B)s %(M)sms'
MAX_DEFAULT_WORKERS = 8

log = logging.getLogger("parcours")


def default_workers() -> int:
    """Two sync workers per core, at least 2, at most MAX_DEFAULT_WORKERS."""
    return max(2, min(2 * (os.cpu_count() or 1), MAX_DEFAULT_WORKERS))


def bind_address(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def gunicorn_options(settings: Settings, host: str, port: int, workers: int) -> dict[str, Any]:
    return {
        "bind": [bind_address(host, port)],
        "workers": workers,
        "worker_class": "sync",
        "accesslog": "-",
        "errorlog": "-",
        "access_log_format": ACCESS_LOG_FORMAT,
        # gunicorn believes X-Forwarded-Proto from loopback by default: only the configured proxies.
        "forwarded_allow_ips": ",".join(settings.trusted_proxies),
        "proc_name": "parcours",
        "timeout": 120,
        # gunicorn ≥ 24 opens a control socket in $HOME by default: one per user, shared by instances.
        "control_socket_disable": True,
    }


def start_warnings(settings: Settings) -> list[str]:
    if settings.demo or settings.secure_cookies:
        return []
    return [
        "secure_cookies is false on a non-demo instance: session cookies travel without the Secure flag. "
        "Use it only for a test on loopback; serve the instance over HTTPS (README, « Déploiement »)."
    ]


class Server(BaseApplication):
    """gunicorn driven from code; each worker builds its own app (no database connection shared)."""

    def __init__(self, options: dict[str, Any]) -> None:
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            if key in self.cfg.settings:  # settings newer than the installed gunicorn are left out
                self.cfg.set(key, value)

    def load(self) -> Flask:
        from app import create_app

        return create_app()


def serve(settings: Settings, host: str, port: int, workers: int) -> None:
    for warning in start_warnings(settings):
        log.warning(warning)
    Server(gunicorn_options(settings, host, port, workers)).run()
