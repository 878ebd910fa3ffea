"""Server logs without identifying values: each request has a random id, and access-log lines
keep the path but never the query string (where a typed name could otherwise end up)."""

from __future__ import annotations

import logging
import re
import secrets

from flask import Flask, Response, g, has_request_context

_QUERY = re.compile(r"^(\S+ [^?\s]*)\?\S*")


class _RequestId(logging.Filter):
    """Adds `request_id` to every record (`-` outside a request)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = g.get("request_id", "-") if has_request_context() else "-"
        return True


class _NoQueryString(logging.Filter):
    """Werkzeug's access log: `"GET /path?q=... HTTP/1.1" 200` becomes `"GET /path?… HTTP/1.1" 200`."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple) and record.args and isinstance(record.args[0], str):
            record.args = (_QUERY.sub(r"\1?…", record.args[0]), *record.args[1:])
        return True


def install(app: Flask) -> None:
    access = logging.getLogger("werkzeug")
    if not any(isinstance(f, _NoQueryString) for f in access.filters):
        access.addFilter(_NoQueryString())
    app.logger.addFilter(_RequestId())
    for handler in app.logger.handlers:
        handler.setFormatter(logging.Formatter("[%(asctime)s] %(levelname)s [request %(request_id)s] %(message)s"))

    @app.before_request
    def assign_request_id() -> None:
        g.request_id = secrets.token_hex(8)

    @app.after_request
    def expose_request_id(response: Response) -> Response:
        response.headers["X-Request-Id"] = g.get("request_id", "-")
        return response
