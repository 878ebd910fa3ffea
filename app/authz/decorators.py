"""The one decorator every view wears: load, then authorise, then act.

A view without it refuses to serve (see `enforce_declared_permissions`). A missing object and a
forbidden one look the same to the user: 404. Every refusal is audited.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast

from flask import Flask, abort, g, redirect, request, url_for
from flask.typing import ResponseReturnValue

from app.audit import services as audit
from app.authz.permissions import Permission
from app.authz.policy import policy
from app.db import db
from app.users.models import User

F = TypeVar("F", bound=Callable[..., ResponseReturnValue])
Loader = Callable[..., Any]

# Endpoints that Flask itself registers, with the permission they need.
BUILTIN_ENDPOINTS = {"static": Permission.PUBLIC}


def current_user() -> User | None:
    return cast(User | None, g.get("user"))


def audit_after_view(*events: dict[str, Any]) -> None:
    """From a view declared with `audit_read`: more read events (`audit.event_row`; e.g. the siblings
    named on a child's page), appended with the view's own read event in one short write."""
    g.setdefault("audit_after_view", []).extend(events)


def _deny(user: User, permission: Permission, obj: Any, wanted: object) -> None:
    target_type, target_id = audit.target_of(obj) if obj is not None else (None, None)
    db.session.commit()  # end the authorisation's reader transaction before writing
    audit.record(
        db.session,
        f"access.denied:{permission.value}",
        actor_id=user.id,
        programme_id=user.programme_id,
        target_type=target_type,
        target_id=target_id or audit.safe_target_id(wanted),
        outcome="denied",
    )
    db.session.commit()
    abort(404)


def requires(permission: Permission, *, load: Loader | None = None, audit_read: str | None = None) -> Callable[[F], F]:
    """Declare a view's permission; with `load`, pass it the loaded object as first argument.

    `load` receives the URL arguments and returns the object or None. `audit_read` names the
    event recorded when the object is read (GET): the view runs in a reader transaction and must not
    write (more read events go through `audit_after_view`); the events are committed after it, before
    its page is sent. Changes are audited by the services.
    """

    def decorate(view: F) -> F:
        @wraps(view)
        def wrapped(**kwargs: Any) -> ResponseReturnValue:
            if permission is Permission.PUBLIC:
                db.session.commit()  # the session check only read; the view starts its own transaction
                return view(**kwargs)
            user = current_user()
            if user is None:
                if request.method == "GET":
                    return redirect(url_for("auth.login", next=request.full_path))
                abort(401)
            obj = load(**kwargs) if load is not None else None
            if (load is not None and obj is None) or not policy(user, permission, obj):
                _deny(user, permission, obj, next(iter(kwargs.values()), None))
            if audit_read and request.method == "GET":
                # An audited GET view only reads: it runs in the reader transaction of the session
                # check, the load and the policy (no write lock on SQLite, template included); then
                # one short write transaction records its read events before the page leaves.
                response = view(obj, **kwargs) if load is not None else view(**kwargs)
                db.session.commit()
                if obj is None:
                    read = audit.event_row(audit_read, actor_id=user.id, programme_id=user.programme_id)
                else:
                    read = audit.event_for(audit_read, obj, actor_id=user.id)
                audit.append(db.session, [read, *g.pop("audit_after_view", ())])
                db.session.commit()
                return response
            # The session check, the load and the policy only read (a reader transaction on SQLite);
            # the view starts a transaction of its own.
            db.session.commit()
            if load is not None:
                return view(obj, **kwargs)
            return view(**kwargs)

        wrapped.permission = permission  # type: ignore[attr-defined]
        return cast(F, wrapped)

    return decorate


def declared_permission(app: Flask, endpoint: str) -> Permission | None:
    if endpoint in BUILTIN_ENDPOINTS:
        return BUILTIN_ENDPOINTS[endpoint]
    view = app.view_functions.get(endpoint)
    return getattr(view, "permission", None)


def enforce_declared_permissions(app: Flask) -> None:
    """Deny by default: an endpoint with no declared permission never serves."""

    @app.before_request
    def check_declared() -> None:
        if request.endpoint is not None and declared_permission(app, request.endpoint) is None:
            app.logger.error("endpoint %s has no declared permission", request.endpoint)
            abort(404)
