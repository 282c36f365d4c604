"""Roles and capabilities: what each role may do, in one table that the workflow and the screens both use."""
from __future__ import annotations

import pytest

from backend.accounts.permissions import CAPABILITIES, ROLES, SYSTEM, acts_only_when_assigned, holders, may, role_names
from backend.cases.workflow import TRANSITIONS
from backend.platform.i18n import Translator

CENTRE = {"register_cases", "dispatch", "verify", "escalate", "take_hotline_calls", "view_wall"}
CENTRE_ = CENTRE | {"view_warnings"}
EXPECTED = {
    "admin": CENTRE_ | {"handle", "supervise", "read_audit", "issue_warning", "approve_warning"},
    "leader": {"supervise", "view_wall", "view_warnings", "approve_warning"},
    "duty_officer": CENTRE_,
    "dispatcher": CENTRE_,
    "warning_officer": {"view_wall", "view_warnings", "issue_warning"},
    "grid_worker": {"handle", "verify", "escalate", "view_wall", "view_warnings"},
    "department_handler": {"handle", "escalate", "view_wall", "view_warnings"},
    "wall": {"view_wall", "view_warnings"},
    SYSTEM: {"escalate", "mark_cards", "expire_warnings"},
}


@pytest.mark.parametrize("role", [*ROLES, SYSTEM])
def test_each_role_has_exactly_its_capabilities(role):
    assert CAPABILITIES[role] == EXPECTED[role]
    assert {c for c in set().union(*EXPECTED.values()) if may(role, c)} == EXPECTED[role]


def test_an_unknown_role_may_do_nothing():
    assert not may("intruder", "view_wall")


def test_only_the_centre_and_admin_take_hotline_calls_and_every_user_sees_the_wall():
    assert holders("take_hotline_calls") == {"admin", "duty_officer", "dispatcher"}
    assert holders("view_wall") == set(ROLES)


def test_warning_officers_issue_warnings_and_leaders_sign_off_orange_and_red_ones():
    assert holders("issue_warning") == {"admin", "warning_officer"}
    assert holders("approve_warning") == {"admin", "leader"}
    assert holders("view_warnings") == set(ROLES)
    assert holders("expire_warnings") == {SYSTEM}


def test_only_administrators_read_the_audit_log():
    assert holders("read_audit") == {"admin"}


def test_only_handlers_are_held_to_the_cases_assigned_to_them():
    assert {role for role in (*ROLES, SYSTEM) if acts_only_when_assigned(role)} == {"grid_worker",
                                                                                     "department_handler"}


def test_every_transition_names_a_capability_some_role_has():
    for transition in TRANSITIONS.values():
        assert holders(transition.capability), transition.action


def test_the_workflow_asks_the_permissions_table():
    assert {a: t.capability for a, t in TRANSITIONS.items()} == {
        "register": "register_cases", "cancel": "register_cases", "merge": "register_cases", "dispatch": "dispatch",
        "accept": "handle", "return": "handle", "feed_back": "handle", "close": "verify", "rework": "verify",
        "escalate": "escalate", "request_postpone": "handle", "approve_postpone": "dispatch",
        "reject_postpone": "dispatch", "supervise": "supervise", "mark_card": "mark_cards"}


def test_every_role_has_a_name_in_each_language():
    english, chinese = role_names(Translator("en")), role_names(Translator("zh_Hans"))
    assert set(english) == set(chinese) == set(ROLES)
    assert chinese["dispatcher"] == "调度员" and chinese["grid_worker"] == "网格员"
    assert all(chinese[role] != english[role] for role in ROLES)
