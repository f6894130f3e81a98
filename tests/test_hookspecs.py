"""Every declared hook is called somewhere, and the async ones are the ones marked so.

A hook nothing calls is a promise to plugin authors that the platform does
not keep (``xuncha_evaluation_indicators`` was one). The scan reads the
sources of ``core/`` and ``plugins/`` and looks for the hook's name as a
string (``plugins.gather("xuncha_menu_items", ...)``, a constant such as
``RECUSAL_HOOK = "xuncha_recusal_conflicts"``) or as an attribute of pluggy's
relay (``pm.hook.xuncha_menu_items(...)``).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from core import hookspecs

ROOT = Path(__file__).resolve().parent.parent
SPECS = ROOT / "core" / "hookspecs.py"


def call_sites() -> dict[str, list[str]]:
    """Hook name -> ``path:line`` of each place in core/ and plugins/ that names it."""
    found: dict[str, list[str]] = {}
    for folder in ("core", "plugins"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            if path == SPECS or "migrations" in path.parts:
                continue
            tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
            for node in ast.walk(tree):
                if isinstance(node, ast.Constant) and isinstance(node.value, str):
                    name = node.value
                elif isinstance(node, ast.Attribute) and isinstance(node.value, ast.Attribute) \
                        and node.value.attr == "hook":
                    name = node.attr
                else:
                    continue
                if name.startswith("xuncha_"):
                    where = f"{path.relative_to(ROOT)}:{node.lineno}"
                    found.setdefault(name, []).append(where)
    return found


SITES = call_sites()


@pytest.mark.parametrize("name", hookspecs.HOOK_NAMES)
def test_every_declared_hook_is_called_somewhere(name: str) -> None:
    assert SITES.get(name), (
        f"{name} is declared in core/hookspecs.py but nothing in core/ or plugins/ calls it "
        f"(expected e.g. plugins.gather(\"{name}\", ...)): call it or remove it")


def test_the_scan_finds_real_call_sites_and_only_those() -> None:
    # Known callers: the recusal check through a constant, the menu in the page layout.
    assert any(s.startswith("core/inspection/recusal.py") for s in SITES[
        "xuncha_recusal_conflicts"])
    assert any(s.startswith("core/web/pages/layout.py") for s in SITES["xuncha_menu_items"])
    assert any(s.startswith("core/inspection/evaluation.py") for s in SITES[
        "xuncha_evaluation_indicators"])
    # A function implementing a hook is no call site (its name is no string constant).
    assert "xuncha_not_declared_anywhere" not in SITES
    assert not any(s.startswith("core/hookspecs.py") for sites in SITES.values() for s in sites)


def test_async_hooks_are_marked_on_their_specs() -> None:
    marked = {name for name in hookspecs.HOOK_NAMES
              if getattr(getattr(hookspecs, name), "xuncha_async", False)}
    assert marked == set(hookspecs.ASYNC_HOOKS)
    # Hooks the core calls while building the app or the CLI stay synchronous.
    for name in ("xuncha_piccolo_apps", "xuncha_routes", "xuncha_template_dirs",
                 "xuncha_permissions", "xuncha_default_policies", "xuncha_tenant_settings",
                 "xuncha_event_types", "xuncha_sync_subjects", "xuncha_inspection_kinds",
                 "xuncha_finding_categories", "xuncha_cli_commands",
                 "xuncha_evaluation_indicators"):
        assert name not in hookspecs.ASYNC_HOOKS, name
