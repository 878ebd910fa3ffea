"""Authorisation: one permission enum, one policy, one decorator (see `decorators.requires`)."""

from app.authz.decorators import audit_after_view, current_user, requires
from app.authz.permissions import Permission
from app.authz.policy import policy

__all__ = ["Permission", "audit_after_view", "current_user", "policy", "requires"]
