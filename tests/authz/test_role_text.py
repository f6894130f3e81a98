"""Roles named by code or by Chinese label (the CLI and the forms take either)."""

from __future__ import annotations

import pytest

from core.authz.roles import ROLE_LABELS, Role, role_from_text


@pytest.mark.parametrize(("text", "role"), [
    ("office_staff", Role.office_staff),
    ("巡察办工作人员", Role.office_staff),
    ("巡察办管理员（办主任）", Role.office_admin),
    ("巡察办管理员", Role.office_admin),
    (" 市级督导 ", Role.city_supervisor),
])
def test_a_role_by_code_or_label(text: str, role: Role) -> None:
    assert role_from_text(text) is role


@pytest.mark.parametrize("text", ["", "staff", "办主任", "Office_Staff", "巡察办"])
def test_anything_else_is_no_role(text: str) -> None:
    assert role_from_text(text) is None


def test_every_label_names_its_role() -> None:
    assert all(role_from_text(label) is role for role, label in ROLE_LABELS.items())
