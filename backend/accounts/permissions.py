"""Roles and what each may do: the one place roles are named.

The workflow, the screens and the API ask whether a role has a capability, never which role it is. A capability
is one kind of work: registering reports, dispatching, handling an assigned case, and so on; a screen names the
capability it is for (dashboard/screens.py).
"""
from __future__ import annotations

from backend.platform.i18n import Translator

ROLES = ("admin", "leader", "duty_officer", "dispatcher", "warning_officer", "grid_worker", "department_handler",
         "wall")
SYSTEM = "system"  # the sweeper's role; no user has it

# The centre's desk work, shared by the duty officer and the dispatcher.
_CENTRE = frozenset({"register_cases", "dispatch", "verify", "escalate", "take_hotline_calls", "view_wall"})
_HANDLER = frozenset({"handle", "escalate", "view_wall"})
# Warnings (backend/warnings): every user reads those of their area; the warning officer issues and changes them;
# orange and red need a second person's sign-off, the leader's (draft, review, sign-off, publish: DB45/T 2427).
_WARNINGS = frozenset({"view_warnings"})

CAPABILITIES: dict[str, frozenset[str]] = {
    "admin": _CENTRE | _WARNINGS | {"handle", "supervise", "read_audit", "issue_warning", "approve_warning"},
    "leader": _WARNINGS | {"supervise", "view_wall", "approve_warning"},
    "duty_officer": _CENTRE | _WARNINGS,
    "dispatcher": _CENTRE | _WARNINGS,
    "warning_officer": _WARNINGS | {"view_wall", "issue_warning"},
    "grid_worker": _HANDLER | _WARNINGS | {"verify"},
    "department_handler": _HANDLER | _WARNINGS,
    "wall": _WARNINGS | {"view_wall"},  # a wall display's own account, bound to the scope it shows
    SYSTEM: frozenset({"escalate", "mark_cards", "expire_warnings"}),
}

# Roles whose handling reaches only the cases assigned to them (or to their department).
ASSIGNEES_ONLY = frozenset({"grid_worker", "department_handler"})
# Roles whose browser sessions never end for being idle: a wall display is watched, not touched.
NEVER_IDLE = frozenset({"wall"})


def may(role: str, capability: str) -> bool:
    return capability in CAPABILITIES.get(role, ())


def sees_reporter_phone(role: str) -> bool:
    """The centre's desk (who registers reports, and the admin) calls reporters back; nobody else sees phones."""
    return may(role, "register_cases")


def sees_staff_phone(role: str) -> bool:
    """Who directs or supervises staff (dispatch, supervise: the duty officer, the dispatcher, the admin, the
    leader) calls a grid's responsible persons. A wall display's kiosk does not: it hangs where visitors and
    cameras see it, and its watchers have accounts of their own; residents never have an account at all."""
    return may(role, "dispatch") or may(role, "supervise")


def holders(capability: str) -> frozenset[str]:
    """The roles that have a capability (the system's among them)."""
    return frozenset(role for role, capabilities in CAPABILITIES.items() if capability in capabilities)


def acts_only_when_assigned(role: str) -> bool:
    return role in ASSIGNEES_ONLY


def role_names(_: Translator) -> dict[str, str]:
    """Every role's name in the user's language, as the header and the list of people online show it."""
    return {"admin": _("Admin"), "leader": _("Leader"), "duty_officer": _("Duty officer"),
            "dispatcher": _("Dispatcher"), "warning_officer": _("Warning officer"), "grid_worker": _("Grid worker"),
            "department_handler": _("Department handler"), "wall": _("Wall display")}
