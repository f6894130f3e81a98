"""One page of a list: ``Page[T]``, the answer of every paginated read.

Services of the core and of plugins return ``Page[ItemOut]`` (or an alias of
it, ``FindingPage = Page[FindingOut]``); the web layer sends it as it is::

    rows, total = await work.session.page(Finding, where, limit=limit, offset=offset)
    return Page(items=[out(r) for r in rows], total=total, limit=limit, offset=offset)

In the OpenAPI document each ``Page[X]`` is the component ``Page_X_`` (litestar
names a generic type after its ``repr``; ours leaves out the item's module,
which would otherwise be spelled into the name). Item types of pages must
therefore have distinct class names.
"""

from __future__ import annotations

import typing
from typing import Any, Generic, TypeVar

import msgspec

__all__ = ["Page"]

T = TypeVar("T")


def _short(arg: Any) -> str:
    """``InspectionOut`` rather than ``core.web.api.inspections.InspectionOut``."""
    if isinstance(arg, type):
        return arg.__qualname__
    return typing._type_repr(arg)


class _PageAlias(typing._GenericAlias, _root=True):  # type: ignore[name-defined,call-arg,misc]
    """``Page[X]`` whose repr names the item type without its module."""

    def __repr__(self) -> str:
        args = ", ".join(_short(a) for a in self.__args__)
        return f"{self.__origin__.__module__}.{self.__origin__.__qualname__}[{args}]"


class Page(msgspec.Struct, Generic[T], kw_only=True):
    """A page of ``items`` and how many match in all.

    Attributes:
        items: the rows of this page, in the list's order.
        total: how many rows match the filters, over all pages.
        limit: the page size asked for.
        offset: how many matching rows come before this page.
    """

    items: list[T]
    total: int
    limit: int
    offset: int

    def __class_getitem__(cls, params: Any) -> Any:
        alias = super().__class_getitem__(params)  # type: ignore[misc]
        if isinstance(alias, typing._GenericAlias):  # type: ignore[attr-defined]
            return _PageAlias(alias.__origin__, alias.__args__)
        return alias
