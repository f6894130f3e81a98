"""Login names shown as people's names (core/web/people.py)."""

from __future__ import annotations

from dataclasses import dataclass

import msgspec
from jinja2 import Environment

from core.db import Database
from core.web.people import display_names, logins_in, person


class _Paper(msgspec.Struct):
    title: str
    author: str
    reviewed_by: str = ""


@dataclass
class _Entry:
    actor: str
    remark: str


def test_logins_are_gathered_from_person_fields_at_any_depth() -> None:
    extra = {"paper": _Paper(title="demo", author="a.one", reviewed_by=""),
             "timeline": [_Entry(actor="b.two", remark="c.three"), {"actor": "cli:demo"}],
             "view": {"insp": {"title": "x", "recorded_by": "d.four"}},
             "count": 3, "name": "e.five"}
    assert logins_in(extra.values()) == {"a.one", "b.two", "cli:demo", "d.four"}


async def test_names_come_in_one_query_and_tools_get_labels(database: Database) -> None:
    from datetime import UTC, datetime

    from core.identity.accounts import create_account

    await create_account(database, "people.one", "张三", "ta", "People-pass-2026",
                         now=datetime.now(UTC), actor="test")
    names = await display_names(database, ["people.one", "no.such.person", ""])
    assert names == {"people.one": "张三"}
    assert await display_names(database, []) == {}
    env = Environment(autoescape=True)
    env.filters["person"] = person
    page = env.from_string("{% for a in actors %}{{ a|person }}|{% endfor %}")
    assert page.render(people=names, actors=["people.one", "cli:demo", "sync:tick", "sync",
                                             "no.such.person", None]) == (
        "张三|命令行操作|系统同步|系统同步|no.such.person||")
