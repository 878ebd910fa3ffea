"""Every permission of Parcours, and which role holds which."""

from __future__ import annotations

from enum import StrEnum

from app.users.models import Role


class Permission(StrEnum):
    PUBLIC = "public"  # no login needed (login page, health check, static files)
    AUTHENTICATED = "authenticated"  # any logged-in user (home page, logout)
    CHILD_LIST = "child:list"
    CHILD_VIEW = "child:view"
    ORIENTATION_CREATE = "orientation:create"
    EPS_AGENDA_VIEW = "eps:agenda"
    EPS_DECIDE = "eps:decide"
    EPS_SEANCE_VIEW = "eps:seance:view"  # a séance's pseudonymised agenda (EPS members: invited + charter)
    EPS_SEANCE_MANAGE = "eps:seance:manage"  # prepare, hold and close séances; per-programme texts
    EPS_CHARTER = "eps:charter"  # read and accept the confidentiality charter
    EPS_PRESENTATION = "eps:presentation"  # the référent brings a situation to the EPS: presentation, review request
    DOCUMENT_VIEW = "document:view"
    DOCUMENT_EDIT = "document:edit"
    DOCUMENT_FINALISE = "document:finalise"
    INDICATORS_VIEW = "indicators:view"
    IMPORT = "import"
    ARCHIVE_EXPORT = "archive:export"
    USER_MANAGE = "user:manage"
    ACCOUNT_CONFIRM = "account:confirm"  # a coordinator confirms an account with case access
    AUDIT_VIEW = "audit:view"
    KEYS_MANAGE = "keys:manage"
    RETENTION_MANAGE = "retention:manage"  # élimination visas and bordereaux, the families' notice
    NETWORK_VIEW = "network:view"  # consolidated tables of a network of programmes, nothing else
    FORMSET_COMPARE = "formset:compare"
    FORMSET_INSTALL = "formset:install"
    COLLECTIVE_VIEW = "collective:view"  # collective actions: the coordinator's all, a référent's own
    COLLECTIVE_MANAGE = "collective:manage"  # create actions, sessions, record attendance
    PROGRAMME_DATA = "programme:data"  # the programme's data of the year (staff, funding, partners)


_CASEWORK = {
    Permission.CHILD_LIST,
    Permission.CHILD_VIEW,
    Permission.ORIENTATION_CREATE,
    Permission.DOCUMENT_VIEW,
    Permission.DOCUMENT_EDIT,
    Permission.DOCUMENT_FINALISE,
    Permission.COLLECTIVE_VIEW,
    Permission.COLLECTIVE_MANAGE,
}

ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.REFERENT: frozenset(_CASEWORK | {Permission.EPS_PRESENTATION}),
    Role.COORDINATEUR: frozenset(
        _CASEWORK
        | {
            Permission.EPS_AGENDA_VIEW,
            Permission.EPS_DECIDE,
            Permission.EPS_SEANCE_VIEW,
            Permission.EPS_SEANCE_MANAGE,
            Permission.EPS_PRESENTATION,
            Permission.INDICATORS_VIEW,
            Permission.IMPORT,
            Permission.ARCHIVE_EXPORT,
            Permission.RETENTION_MANAGE,
            Permission.ACCOUNT_CONFIRM,
            Permission.FORMSET_COMPARE,
            Permission.PROGRAMME_DATA,
        }
    ),
    Role.EPS: frozenset({Permission.EPS_SEANCE_VIEW, Permission.EPS_CHARTER}),
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


def roles_with(permission: Permission) -> frozenset[Role]:
    """The roles that hold `permission` (to list the accounts a feature may pick, e.g. EPS members)."""
    return frozenset(role for role, permissions in ROLE_PERMISSIONS.items() if permission in permissions)


# Roles that must confirm a second factor (TOTP) at login: they see or manage a whole programme.
SECOND_FACTOR_ROLES = frozenset({Role.ADMIN, Role.COORDINATEUR})
