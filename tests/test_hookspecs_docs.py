"""The plugin guide documents exactly the hooks of ``core.hookspecs``.

Each hook has a section in ``docs/plugins.md`` whose heading is its exact
signature (``### `xuncha_menu_items(tenant)` ``), in hookspec order, with a
Python example implementing it; each hookspec has a one-line summary and
says, like its section, whether it may be async.
"""

from __future__ import annotations

import ast
import inspect
import re
from pathlib import Path

import pytest

from core import hookspecs

DOCS = Path(__file__).resolve().parent.parent / "docs" / "plugins.md"
HEADING = re.compile(r"^### `(?P<name>xuncha_\w*)\((?P<args>[^)]*)\)`\s*$", re.MULTILINE)
EXAMPLE = re.compile(r"^```python\n(?P<code>.*?)^```", re.MULTILINE | re.DOTALL)


def spec_args(name: str) -> list[str]:
    """Parameter names of the hookspec ``name``, in order."""
    return list(inspect.signature(getattr(hookspecs, name)).parameters)


def documented() -> dict[str, list[str]]:
    """Hook name -> documented argument names, in the order of the docs."""
    text = DOCS.read_text(encoding="utf-8")
    found: dict[str, list[str]] = {}
    for match in HEADING.finditer(text):
        name = match["name"]
        assert name not in found, f"docs/plugins.md documents {name} twice"
        found[name] = [a.strip() for a in match["args"].split(",") if a.strip()]
    return found


def sections() -> dict[str, str]:
    """Hook name -> the text of its section (up to the next heading)."""
    text = DOCS.read_text(encoding="utf-8")
    matches = list(HEADING.finditer(text))
    out = {}
    for match, following in zip(matches, [*matches[1:], None], strict=True):
        end = following.start() if following else len(text)
        out[match["name"]] = text[match.end():end]
    return out


def test_every_hook_is_documented() -> None:
    missing = [name for name in hookspecs.HOOK_NAMES if name not in documented()]
    assert not missing, f"hooks missing from docs/plugins.md: {missing}"


def test_docs_document_no_hook_that_does_not_exist() -> None:
    extra = [name for name in documented() if name not in hookspecs.HOOK_NAMES]
    assert not extra, f"docs/plugins.md documents hooks not in core/hookspecs.py: {extra}"


@pytest.mark.parametrize("name", hookspecs.HOOK_NAMES)
def test_documented_signature_matches_hookspec(name: str) -> None:
    docs = documented()
    assert name in docs, f"{name} is not documented"
    assert docs[name] == spec_args(name), (
        f"docs/plugins.md: `{name}({', '.join(docs[name])})` but the hookspec is "
        f"`{name}({', '.join(spec_args(name))})`"
    )


def test_hooks_are_documented_in_hookspec_order() -> None:
    order = [name for name in documented() if name in hookspecs.HOOK_NAMES]
    assert order == [name for name in hookspecs.HOOK_NAMES if name in order]


@pytest.mark.parametrize("name", hookspecs.HOOK_NAMES)
def test_each_hook_has_a_python_example_implementing_it(name: str) -> None:
    section = sections().get(name, "")
    blocks = [m["code"] for m in EXAMPLE.finditer(section)]
    assert blocks, f"{name}: no ```python example in its section"
    implementations = [
        node
        for block in blocks
        for node in ast.walk(ast.parse(block, filename=f"docs/plugins.md ({name})"))
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name == name
    ]
    assert implementations, f"{name}: the example does not define {name}"
    for function in implementations:
        decorators = [ast.unparse(d) for d in function.decorator_list]
        assert "hookimpl" in decorators, f"{name}: the example is not marked @hookimpl"
        if isinstance(function, ast.AsyncFunctionDef):
            assert name in hookspecs.ASYNC_HOOKS, f"{name}: synchronous, the example is async"
        args = [a.arg for a in function.args.args]
        assert set(args) <= set(spec_args(name)), (
            f"{name}: the example takes {args}, the hook offers only {spec_args(name)}"
        )


@pytest.mark.parametrize("name", hookspecs.HOOK_NAMES)
def test_each_hookspec_has_a_summary_and_says_whether_it_may_be_async(name: str) -> None:
    spec = getattr(hookspecs, name)
    assert getattr(spec, "xuncha_spec", None) is not None, f"{name} is not a @hookspec"
    doc = inspect.getdoc(spec) or ""
    summary, _, rest = doc.partition("\n\n")
    assert summary.strip(), f"{name} has no docstring"
    assert "\n" not in summary.strip(), f"{name}: the summary should be one line"
    if name in hookspecs.ASYNC_HOOKS:
        assert rest.startswith("May be async:"), f"{name}: say 'May be async: ...'"
    else:
        assert rest.startswith("Synchronous:"), f"{name}: say 'Synchronous: ...'"


@pytest.mark.parametrize("name", hookspecs.HOOK_NAMES)
def test_docs_say_whether_a_hook_may_be_async(name: str) -> None:
    section = sections().get(name, "")
    if name in hookspecs.ASYNC_HOOKS:
        assert "May be async" in section, f"docs/plugins.md: {name} should say 'May be async'"
    else:
        assert "Synchronous" in section, f"docs/plugins.md: {name} should say 'Synchronous'"


def test_hook_names_lists_every_hookspec() -> None:
    marked = sorted(
        name for name, value in vars(hookspecs).items()
        if inspect.isfunction(value) and getattr(value, "xuncha_spec", None) is not None
    )
    assert sorted(hookspecs.HOOK_NAMES) == marked
