"""Small, cached SQL statements built from piccolo table metadata.

piccolo builds a query in about 130 µs; the hot paths here build each
statement shape once and keep the text, so a request pays only for the
round trip. Identifiers come from the table definition, never from input.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from piccolo.columns import JSON, JSONB, Serial
from piccolo.table import Table

__all__ = ["Dialect", "Filters", "TableInfo", "table_info"]

Filters = Mapping[str, Any]
"""Column equality filters; ``None`` means IS NULL, a list means IN, and a
``__gt``/``__gte``/``__lt``/``__lte``/``__ne`` suffix compares instead
(``__ne`` with ``None`` means IS NOT NULL)."""

_OPERATORS = {"gt": ">", "gte": ">=", "lt": "<", "lte": "<=", "ne": "<>"}


@dataclass(frozen=True, slots=True)
class TableInfo:
    """What the SQL builder needs to know about one table."""

    name: str
    columns: tuple[str, ...]
    json_columns: frozenset[str]
    defaults: tuple[tuple[str, Any], ...]
    tenant_owned: bool

    def check(self, names: Iterable[str]) -> None:
        """Reject a column name the table does not have (a programming error)."""
        for name in names:
            if name not in self.columns:
                raise KeyError(f"table {self.name} has no column {name!r}")

    def decode(self, row: Mapping[str, Any]) -> dict[str, Any]:
        """Turn a database row into plain Python values."""
        out = dict(row)
        for name in self.json_columns:
            value = out.get(name)
            if isinstance(value, str | bytes):
                out[name] = json.loads(value)
        return out

    def encode(self, name: str, value: Any) -> Any:
        """Turn a Python value into a database parameter for ``name``."""
        if name in self.json_columns and value is not None:
            return json.dumps(value, ensure_ascii=False)
        return value


@cache
def table_info(table: type[Table]) -> TableInfo:
    """Describe a piccolo table (cached per class)."""
    columns = table._meta.columns
    names = tuple(c._meta.db_column_name for c in columns)
    json_columns = frozenset(
        c._meta.db_column_name for c in columns if isinstance(c, JSON | JSONB)
    )
    defaults = tuple(
        (c._meta.db_column_name, c)
        for c in columns
        if not isinstance(c, Serial) and c._meta.db_column_name != "tenant_id"
    )
    return TableInfo(
        name=table._meta.tablename,
        columns=names,
        json_columns=json_columns,
        defaults=defaults,
        tenant_owned="tenant_id" in names,
    )


class Dialect:
    """Placeholder style and statement text for one database kind."""

    def __init__(self, postgres: bool) -> None:
        self.postgres = postgres
        self._cache: dict[tuple[Any, ...], str] = {}

    def mark(self, index: int) -> str:
        """The placeholder for parameter number ``index`` (1-based)."""
        # Numbered on SQLite too (``?NNN``), so one statement can use a
        # parameter twice (a page and its total share the WHERE clause).
        return f"${index}" if self.postgres else f"?{index}"

    def where(
        self, info: TableInfo, filters: Filters, search: tuple[Sequence[str], str] | None,
        start: int,
    ) -> tuple[str, list[Any]]:
        """A WHERE clause (without the keyword) and its parameters."""
        parts: list[str] = []
        args: list[Any] = []
        for key, value in filters.items():
            name, _, op = key.partition("__")
            info.check([name])
            if op:
                if op not in _OPERATORS:
                    raise KeyError(f"unknown filter operator {op!r} in {key!r}")
                if op == "ne" and value is None:
                    parts.append(f'"{name}" IS NOT NULL')
                    continue
                args.append(info.encode(name, value))
                parts.append(f'"{name}" {_OPERATORS[op]} {self.mark(start + len(args))}')
            elif value is None:
                parts.append(f'"{name}" IS NULL')
            elif isinstance(value, list | tuple | set | frozenset):
                values = list(value)
                if not values:
                    parts.append("1 = 0")
                    continue
                marks = ", ".join(self.mark(start + len(args) + i + 1) for i in range(len(values)))
                parts.append(f'"{name}" IN ({marks})')
                args.extend(info.encode(name, v) for v in values)
            else:
                args.append(info.encode(name, value))
                parts.append(f'"{name}" = {self.mark(start + len(args))}')
        if search is not None and search[1]:
            columns, text = search
            info.check(columns)
            pattern = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
            ors = []
            for name in columns:
                args.append(pattern)
                ors.append(f'"{name}" LIKE {self.mark(start + len(args))} ESCAPE \'\\\'')
            parts.append("(" + " OR ".join(ors) + ")")
        return " AND ".join(parts) or "1 = 1", args

    def select(
        self, info: TableInfo, filters: Filters, *, search: tuple[Sequence[str], str] | None,
        order_by: Sequence[str], limit: int | None, offset: int, count: bool = False,
        with_total: bool = False, columns: Mapping[str, str] | None = None,
    ) -> tuple[str, list[Any]]:
        """A SELECT statement; its text is cached per shape.

        ``with_total`` adds the ``_total`` column (rows matching before the
        limit), so a page and its total come in one round trip. ``columns``
        selects only some columns, as ``{output name: column}``.
        """
        clause, args = self.where(info, filters, search, 0)
        shape = tuple(columns.items()) if columns else None
        key = ("select", info.name, clause, tuple(order_by), limit is None, offset > 0, count,
               with_total, shape)
        sql = self._cache.get(key)
        if sql is None:
            if count:
                sql = f'SELECT COUNT(*) AS n FROM "{info.name}" WHERE {clause}'
            else:
                picked = self._columns(info, columns)
                if with_total:
                    # A scalar subquery, not COUNT(*) OVER (): the window makes the
                    # database read and sort every matching row, while the page
                    # itself walks (tenant_id, sort, id) and stops at LIMIT.
                    picked += f', (SELECT COUNT(*) FROM "{info.name}" WHERE {clause}) AS _total'
                sql = f'SELECT {picked} FROM "{info.name}" WHERE {clause}'
                sql += " ORDER BY " + self._order(info, order_by)
                if limit is not None:
                    sql += f" LIMIT {self.mark(len(args) + 1)}"
                    if offset:
                        sql += f" OFFSET {self.mark(len(args) + 2)}"
            self._cache[key] = sql
        if not count and limit is not None:
            args.append(limit)
            if offset:
                args.append(offset)
        return sql, args

    @staticmethod
    def _columns(info: TableInfo, columns: Mapping[str, str] | None) -> str:
        if not columns:
            return ", ".join(f'"{c}"' for c in info.columns)
        info.check(columns.values())
        if not all(name.isidentifier() for name in columns):
            raise KeyError(f"output names must be identifiers: {list(columns)}")
        return ", ".join(
            f'"{column}"' if name == column else f'"{column}" AS "{name}"'
            for name, column in columns.items()
        )

    def _order(self, info: TableInfo, order_by: Sequence[str]) -> str:
        terms = []
        for term in order_by:
            name = term.lstrip("-")
            info.check([name])
            terms.append(f'"{name}" DESC' if term.startswith("-") else f'"{name}"')
        return ", ".join(terms) or '"id"'

    def insert(self, info: TableInfo, names: Sequence[str], rows: int) -> str:
        """A multi-row INSERT returning the new ids."""
        key = ("insert", info.name, tuple(names), rows)
        sql = self._cache.get(key)
        if sql is None:
            width = len(names)
            groups = (
                "(" + ", ".join(self.mark(r * width + i + 1) for i in range(width)) + ")"
                for r in range(rows)
            )
            columns = ", ".join(f'"{n}"' for n in names)
            sql = f'INSERT INTO "{info.name}" ({columns}) VALUES {", ".join(groups)} RETURNING "id"'
            self._cache[key] = sql
        return sql

    def update(
        self, info: TableInfo, values: Mapping[str, Any], filters: Filters
    ) -> tuple[str, list[Any]]:
        """An UPDATE of ``values`` on rows matching ``filters``, returning ids."""
        info.check(values)
        names = list(values)
        sets = ", ".join(f'"{n}" = {self.mark(i + 1)}' for i, n in enumerate(names))
        clause, where_args = self.where(info, filters, None, len(names))
        args = [info.encode(n, values[n]) for n in names] + where_args
        return f'UPDATE "{info.name}" SET {sets} WHERE {clause} RETURNING "id"', args

    def delete(self, info: TableInfo, clause: str) -> str:
        """A DELETE returning the ids removed."""
        return f'DELETE FROM "{info.name}" WHERE {clause} RETURNING "id"'
