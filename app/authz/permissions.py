"""Every permission of Parcours, and which role holds which."""

from __future__ import annotations

from enum import StrEnum

from app.users.models import Role


class Permission(StrEnum):
    PUBLIC = "public"  # no login needed (login page, health check, static files)
    AUTHENTICATED = "authenticated"  # any logged-in user (home page, logout)
    CHILD_LIST = "child:list"
    CHILD_VIEW = "child:view"
    CHILD_EDIT = "child:edit"
    ORIENTATION_CREATE = "orientation:create"
    EPS_AGENDA_VIEW = "eps:agenda"
    EPS_DECIDE = "eps:decide"
    REFERENT_ASSIGN = "referent:assign"
    DOCUMENT_VIEW = "document:view"
    DOCUMENT_EDIT = "document:edit"
    DOCUMENT_FINALISE = "document:finalise"
    INDICATORS_VIEW = "indicators:view"
    IMPORT = "import"
    ARCHIVE_EXPORT = "archive:export"
    USER_MANAGE = "user:manage"
    AUDIT_VIEW = "audit:view"
    KEYS_MANAGE = "keys:manage"
    NETWORK_VIEW = "network:view"  # consolidated tables of a network of programmes, nothing else
    FORMSET_COMPARE = "formset:compare"
    FORMSET_INSTALL = "formset:install"


_CASEWORK = {
    Permission.CHILD_LIST,
    Permission.CHILD_VIEW,
    Permission.CHILD_EDIT,
    Permission.ORIENTATION_CREATE,
    Permission.DOCUMENT_VIEW,
    Permission.DOCUMENT_EDIT,
    Permission.DOCUMENT_FINALISE,
}

ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.REFERENT: frozenset(_CASEWORK),
    Role.COORDINATEUR: frozenset(
        _CASEWORK
        | {
            Permission.EPS_AGENDA_VIEW,
            Permission.EPS_DECIDE,
            Permission.REFERENT_ASSIGN,
            Permission.INDICATORS_VIEW,
            Permission.IMPORT,
            Permission.ARCHIVE_EXPORT,
            Permission.FORMSET_COMPARE,
        }
    ),
    Role.EPS: frozenset({Permission.EPS_AGENDA_VIEW}),
    Role.ADMIN: frozenset(
        {
            Permission.USER_MANAGE,
            Permission.AUDIT_VIEW,
            Permission.KEYS_MANAGE,
            Permission.FORMSET_COMPARE,
            Permission.FORMSET_INSTALL,
        }
    ),
    Role.RESEAU: frozenset({Permission.NETWORK_VIEW}),
}
