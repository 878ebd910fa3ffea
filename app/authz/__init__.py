"""Authorisation: one permission enum, one policy, one decorator (see `decorators.requires`)."""

from app.authz.decorators import current_user, requires
from app.authz.permissions import Permission
from app.authz.policy import policy

__all__ = ["Permission", "current_user", "policy", "requires"]
