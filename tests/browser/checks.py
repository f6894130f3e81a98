"""What every page must be in the browser: Chinese, quiet console, every request answered.

:func:`latin_words` finds English in text (the words a person would read that
are not on the allow-list of acronyms, file kinds and product names);
:class:`PageWatch` records a page's console errors, uncaught exceptions and
failed requests; :func:`assert_clean` checks a loaded page for all of these (and for element
ids used twice, :func:`duplicate_ids`)
and :func:`visible_text` gives what a person sees of it (text, placeholders,
tooltips, button labels, the window title).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

__all__ = ["ALLOWED_LATIN", "PageWatch", "assert_chinese", "assert_clean", "duplicate_ids",
           "latin_words", "visible_text"]

ALLOWED_LATIN = frozenset({
    # acronyms and codes a Chinese office writes in Latin letters
    "PDF", "API", "NATS", "ID", "URL", "HTTP", "HTTPS", "CSV", "JSON", "OpenAPI", "SQL",
    "SQLite", "PostgreSQL", "CPU", "IP", "UTC", "GB", "MB", "KB",
    # file kinds and the programs that open them
    "xlsx", "docx", "pdf", "csv", "doc", "xls", "jpg", "png", "txt", "ofd", "zip", "UTF",
    "Word", "Excel", "WPS",
})
"""Latin words allowed in the visible text of a page."""

_WORD = re.compile(r"(?<![A-Za-z0-9_])[A-Za-z][A-Za-z'’]+(?![A-Za-z0-9_])")
"""A Latin word of two letters or more that is not part of a code like ``D001``."""

_VISIBLE_TEXT_JS = """() => {
  const seen = (el) => !!(el.offsetWidth || el.offsetHeight || el.getClientRects().length);
  const parts = [document.title, document.body ? document.body.innerText : ""];
  for (const el of document.querySelectorAll("[placeholder], [title], [aria-label], [alt]")) {
    if (!seen(el) && el.tagName !== "SELECT") continue;
    for (const name of ["placeholder", "title", "aria-label", "alt"]) {
      const value = el.getAttribute(name);
      if (value) parts.push(value);
    }
  }
  for (const el of document.querySelectorAll("input[type=submit], input[type=button]")) {
    if (seen(el) && el.value) parts.push(el.value);
  }
  for (const el of document.querySelectorAll("select option")) {
    if (el.textContent) parts.push(el.textContent);
  }
  const codes = [...document.querySelectorAll(".code, [translate=no]")]
    .map((el) => el.textContent.trim()).filter((text) => text);
  return {text: parts.join("\\n"), codes};
}"""


def latin_words(text: str, allowed: Iterable[str] = ()) -> list[str]:
    """The Latin words of ``text`` that are neither in :data:`ALLOWED_LATIN` nor ``allowed``.

    ``allowed`` may also hold whole strings that are not words (``browser.admin``):
    their occurrences are taken out of the text first.

    A word is two or more Latin letters standing alone: codes mixing letters and
    digits (``D001``, ``T01V001``) are not words; a dotted code (``zz.gongyi``)
    shows as its words, which is intended (a person should read names, not codes).
    """
    extra = set(allowed)
    text = _without(text, (literal for literal in extra if not literal.isalpha()))
    return [w for w in _WORD.findall(text) if w not in ALLOWED_LATIN and w not in extra]


def visible_text(page: Any) -> str:
    """What a person reads on ``page``: body text, placeholders, tooltips, labels, title.

    Codes shown as codes (elements of class ``code`` or ``translate="no"``: login names,
    plugin names, person numbers) are taken out wherever they occur, option labels included.
    """
    seen = page.evaluate(_VISIBLE_TEXT_JS)
    return _without(str(seen["text"]), seen["codes"])


def _without(text: str, literals: Iterable[str]) -> str:
    """``text`` with each of ``literals`` (usernames, codes) taken out where it stands whole,
    the longest first."""
    for literal in sorted(set(literals), key=len, reverse=True):
        text = re.sub(rf"(?<![\w.]){re.escape(literal)}(?![\w.])", " ", text)
    return text


def assert_chinese(page: Any, allowed: Iterable[str] = ()) -> None:
    """Fail when the visible text of ``page`` holds an English word (see :func:`latin_words`)."""
    text = visible_text(page)
    words = latin_words(text, allowed)
    if words:
        lines = [line for line in text.splitlines() if any(w in line for w in words)]
        raise AssertionError(f"English on {page.url}: {sorted(set(words))}\n"
                             + "\n".join(lines[:20]))


@dataclass
class PageWatch:
    """A page's console errors, uncaught script errors and failed requests, as they come."""

    console: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    expected_status: set[int] = field(default_factory=set)
    """Statuses of the page's own requests that are part of the test (e.g. an htmx form
    refused with 409 on purpose): not counted as failures, nor their console line."""

    def attach(self, page: Any) -> PageWatch:
        """Start listening to ``page``; returns self."""
        page.on("console", self._on_console)
        page.on("pageerror", lambda exc: self.errors.append(str(exc)))
        page.on("requestfailed", self._on_failed)
        page.on("response", self._on_response)
        return self

    def _on_console(self, message: Any) -> None:
        if message.type not in ("error", "warning"):
            return
        text = message.text
        if any(f"status of {status}" in text or f"Error Code {status} " in text
               for status in self.expected_status):
            return  # Chromium's and htmx's own lines about an expected status
        where = (message.location or {}).get("url", "")
        if where.endswith("/favicon.ico"):
            return  # Chromium's own request, at a time of its choosing: test_favicon
        self.console.append(f"{message.type}: {text} ({where})")

    def _on_failed(self, request: Any) -> None:
        if request.failure == "net::ERR_ABORTED":
            return  # cancelled by the browser when the page navigated away (a redirect after
            # a post): no server answered; a missing file answers 404, seen in _on_response
        self.failed.append(f"{request.method} {request.url}: {request.failure}")

    def _on_response(self, response: Any) -> None:
        status = response.status
        if status >= 400 and status not in self.expected_status:
            self.failed.append(f"{response.request.method} {response.url}: {status}")

    def problems(self) -> list[str]:
        """Everything recorded so far."""
        return ([f"console {c}" for c in self.console] + [f"script error {e}" for e in self.errors]
                + [f"request {f}" for f in self.failed])

    def clear(self) -> None:
        """Forget what was recorded (before the next step of a test)."""
        self.console.clear()
        self.errors.clear()
        self.failed.clear()


_DUPLICATE_IDS_JS = """() => {
  const seen = new Map();
  for (const el of document.querySelectorAll("[id]")) {
    seen.set(el.id, (seen.get(el.id) || 0) + 1);
  }
  return Array.from(seen.entries()).filter(([, n]) => n > 1).map(([id, n]) => `${id} ×${n}`);
}"""


def duplicate_ids(page: Any) -> list[str]:
    """The element ids used more than once on ``page`` (``id ×count``): a label, an
    ``aria-describedby`` or an htmx target naming one of them finds the wrong element."""
    return list(page.evaluate(_DUPLICATE_IDS_JS))


def assert_clean(page: Any, watch: PageWatch, allowed: Iterable[str] = ()) -> None:
    """The page is loaded, Chinese, its element ids unique, and nothing went wrong in the
    console or the network."""
    page.wait_for_load_state("load")
    problems = watch.problems()
    assert not problems, f"{page.url}:\n" + "\n".join(problems)
    duplicates = duplicate_ids(page)
    assert not duplicates, f"duplicate element ids on {page.url}: {duplicates}"
    assert_chinese(page, allowed)
