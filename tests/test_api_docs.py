"""``docs/internals.md`` documents exactly the public plugin API, ``core.api``.

Each name of ``core.api.__all__`` has a section whose heading holds the name
in backticks (``### `Work` ``), with a Python example, as datasette's
"Internals for plugins" does; the page documents nothing the API does not export.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from core import api

DOCS = Path(__file__).resolve().parent.parent / "docs" / "internals.md"
HEADING = re.compile(r"^### `(?P<name>[A-Za-z_][A-Za-z0-9_]*)`\s*$", re.MULTILINE)


def sections() -> dict[str, str]:
    """Documented name -> the text of its section (up to the next heading)."""
    text = DOCS.read_text(encoding="utf-8")
    matches = list(HEADING.finditer(text))
    found: dict[str, str] = {}
    for match, following in zip(matches, [*matches[1:], None], strict=True):
        assert match["name"] not in found, f"docs/internals.md documents {match['name']} twice"
        end = following.start() if following else text.find("\n## ", match.end())
        found[match["name"]] = text[match.end():end if end != -1 else len(text)]
    return found


def test_every_public_name_is_documented() -> None:
    missing = sorted(set(api.__all__) - set(sections()))
    assert not missing, f"names of core.api missing from docs/internals.md: {missing}"


def test_the_docs_name_nothing_the_api_does_not_export() -> None:
    extra = sorted(set(sections()) - set(api.__all__))
    assert not extra, f"docs/internals.md documents names not in core.api.__all__: {extra}"


def test_every_exported_name_exists() -> None:
    absent = [name for name in api.__all__ if not hasattr(api, name)]
    assert not absent, f"core.api.__all__ names what the module does not define: {absent}"


@pytest.mark.parametrize("name", sorted(api.__all__))
def test_each_section_explains_and_shows_an_example(name: str) -> None:
    section = sections().get(name)
    if section is None:
        pytest.fail(f"{name} is not documented in docs/internals.md")
    prose, _, example = section.partition("```python\n")
    assert prose.strip(), f"{name}: say what it is before the example"
    assert example.strip().strip("`").strip(), f"{name}: no ```python example"
