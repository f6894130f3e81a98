"""Print styles (core/web/static/app.css): papers and the ledger print as records only."""

from __future__ import annotations

import re
from pathlib import Path

from litestar import Litestar
from litestar.testing import AsyncTestClient

CSS = Path(__file__).parents[2] / "core" / "web" / "static" / "app.css"


def _print_block() -> str:
    text = CSS.read_text(encoding="utf-8")
    start = text.index("@media print {")
    depth, at = 0, start
    for at in range(start, len(text)):
        depth += {"{": 1, "}": -1}.get(text[at], 0)
        if depth == 0 and text[at] == "}":
            break
    return text[start:at + 1]


def test_print_hides_the_shell_and_every_form_and_rules_the_tables() -> None:
    block = _print_block()
    hidden = re.search(r"([^{}]+)\{\s*display:none !important;", block)
    assert hidden is not None
    selectors = {s.strip() for s in hidden[1].split(",")}
    assert {"header.top", "footer", "nav", "form", "button", "details.form-box", ".filters",
            ".pager", ".advance", ".alert"} <= selectors
    assert re.search(r"table\.grid th, table\.grid td \{[^}]*border:1px solid #000", block)
    assert "thead { display:table-header-group; }" in block  # headers repeat on each page
    assert re.search(r"tr, [^{]*\{ break-inside:avoid; page-break-inside:avoid; \}", block)
    assert re.search(r"h1, h2, h3 \{ break-after:avoid", block)


async def test_the_stylesheet_with_its_print_styles_is_served(
    client: AsyncTestClient[Litestar],
) -> None:
    response = await client.get("/static/app.css")
    assert response.status_code == 200 and "@media print" in response.text
