"""The demo's people: one account for everyone the seeded rounds need, and their table.

Each seeded tenant gets an office staff member (巡察办工作人员), a member of the
leading group (巡察工作领导小组成员, who hears the report for the secretary's
meeting), three standing teams (第一、第二、第三巡察组: a leader, a deputy and three
members each, seated on that team's inspection of every round, so their
role is granted per inspection: 一次一授权), a unit liaison for the inspected
units of the first inspection of the first round and one for those of the
first inspection of the last round, and a liaison of the discipline
commission (纪委监委) for the clues referred to it. Logins are
``<tenant code>.<place>`` (``zz.zhongmu.g1.leader``); the names are Chinese
personal names, fixed per tenant code. They all share the demo password,
hashed once.

:func:`account_rows` reads the accounts back from the database with what
they hold (tenant roles with their scopes, team places), for ``xuncha demo
accounts`` and the table ``make demo`` prints.
"""

from __future__ import annotations

import random
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from core.audit import chain
from core.authz.policy import PolicyAdapter
from core.authz.roles import ROLE_LABELS, Role
from core.db import Database
from core.identity.accounts import create_account, list_accounts
from core.inspection.model import RECEIVING_BODY_LABELS, TEAM_ROLE_LABELS, ReceivingBody, TeamRole
from core.inspection.tables import Inspection, TeamMember
from core.tenancy.tables import Org

__all__ = ["GROUPS", "AccountRow", "Cast", "DemoPerson", "account_rows", "add_cast",
           "demo_cast", "demo_logins", "markdown_table", "text_table"]

GROUPS = 3
"""Standing teams per tenant; team ``n`` (from 0) takes inspection ``n`` of every round."""
TEAM_PLACES: list[tuple[str, TeamRole]] = [
    ("leader", TeamRole.leader), ("deputy", TeamRole.deputy), ("member1", TeamRole.member),
    ("member2", TeamRole.member), ("member3", TeamRole.member)]
"""A team's places: login suffix and role."""
NAMES = ["王建国", "李红梅", "张志强", "刘晓东", "陈静", "杨光", "赵磊", "黄丽", "周涛", "吴敏",
         "徐斌", "孙倩", "马骏", "朱慧", "胡波", "郭亮", "何平", "高峰", "林芳", "罗军", "梁红",
         "宋伟", "郑洁", "谢东"]
"""Chinese personal names the cast is drawn from (20 of them per tenant)."""


@dataclass(frozen=True, slots=True)
class DemoPerson:
    """One account of the cast."""

    login: str
    name: str


@dataclass(frozen=True, slots=True)
class Cast:
    """The people of one tenant's demo (see the module's docstring)."""

    staff: DemoPerson
    leading: DemoPerson
    teams: list[list[tuple[DemoPerson, TeamRole]]]
    units: list[DemoPerson]
    receiving: DemoPerson


def demo_cast(code: str) -> Cast:
    """The cast of tenant ``code``: the same logins and names every time."""
    names = iter(random.Random(f"{code}:people").sample(NAMES, 5 * GROUPS + 5))

    def person(place: str) -> DemoPerson:
        return DemoPerson(f"{code}.{place}", next(names))

    teams = [[(person(f"g{g + 1}.{place}"), role) for place, role in TEAM_PLACES]
             for g in range(GROUPS)]
    return Cast(staff=person("staff"), leading=person("leading"), teams=teams,
                units=[person("unit1"), person("unit2")], receiving=person("receiving"))


def demo_logins(code: str) -> list[str]:
    """Every login of the cast of tenant ``code``."""
    cast = demo_cast(code)
    return [p.login for p in (cast.staff, cast.leading, *(p for t in cast.teams for p, _ in t),
                              *cast.units, cast.receiving)]


async def add_cast(db: Database, tenant_id: int, code: str, cast: Cast,
                   unit_orgs: Sequence[Sequence[int]], password: str, password_hash: str,
                   now: datetime) -> int:
    """Create the cast's accounts and grant their tenant roles (the team places are the
    seed's); returns how many accounts were made.

    Args:
        db: the database (inside the seed's transaction, or not).
        tenant_id: the tenant's id.
        code: the tenant's code.
        cast: its cast.
        unit_orgs: the orgs of each unit liaison in ``cast.units`` (one without orgs
            gets no account: a tenant with fewer rounds seeded).
        password: the demo password.
        password_hash: its argon2 hash, made once for every account.
        now: the creation time.
    """
    grants: list[tuple[DemoPerson, Role, list[str]]] = [
        (cast.staff, Role.office_staff, []), (cast.leading, Role.leading_group, []),
        (cast.receiving, Role.receiving_liaison, [f"body:{ReceivingBody.discipline.value}"])]
    grants += [(person, Role.unit_liaison, [f"org:{org}" for org in orgs])
               for person, orgs in zip(cast.units, unit_orgs, strict=False) if orgs]
    people = [p for team in cast.teams for p, _ in team] + [p for p, _, _ in grants]
    adapter = PolicyAdapter(db)
    for person in people:
        await create_account(db, person.login, person.name, code, password, now=now,
                             actor="cli:demo", password_hash=password_hash)
    session = db.tenant(tenant_id)
    for person, role, scopes in grants:
        await adapter.add_policy("g", "g", [person.login, role.value, code])
        for scope in scopes:
            await adapter.add_policy("s", "s", [person.login, role.value, code, scope])
        await chain.append(session, actor="cli:demo", action="role.grant",
                           object_type="account", object_id=person.login,
                           detail={"role": role.value, "scope": ",".join(scopes)})
    return len(people)


@dataclass(frozen=True, slots=True)
class AccountRow:
    """One line of the accounts table."""

    login: str
    name: str
    role: str
    tenant: str


async def account_rows(db: Database, codes: Sequence[str] | None = None) -> list[AccountRow]:
    """The demo's accounts of the tenants ``codes`` (default: every tenant), with what
    each holds: tenant roles (liaisons with their orgs or receiving body) and team
    places (组长 of 第一巡察组, granted per inspection)."""
    tenants = {r["code"]: (int(r["id"]), str(r["name"])) for r in await db.fetch(
        'SELECT "id", "code", "name" FROM "tenant" ORDER BY "code"')}
    wanted = [c for c in (codes if codes is not None else sorted(tenants)) if c in tenants]
    rows: list[AccountRow] = []
    labels = {role.value: label.split("（")[0] for role, label in ROLE_LABELS.items()}
    bodies = {b.value: label for b, label in RECEIVING_BODY_LABELS.items()}
    for code in wanted:
        tenant_id, tenant_name = tenants[code]
        logins = demo_logins(code)
        accounts = {a.username: a for a in await list_accounts(db, code)
                    if a.username in logins}
        if not accounts:
            continue
        session = db.tenant(tenant_id)
        mark = db.dialect.mark
        grants = await db.fetch(
            'SELECT "ptype", "v0", "v1", "v3" FROM "casbin_rule" WHERE "ptype" IN '
            f"('g', 's') AND \"v2\" = {mark(1)} ORDER BY \"id\"", [code])
        orgs = {int(o["id"]): str(o["name"]) for o in await session.list(Org, limit=None)}
        seats = await session.list(TeamMember, {"person": list(accounts), "home_tenant": code},
                                   order_by=("id",), limit=None)
        seated = sorted({int(s["inspection_id"]) for s in seats})
        teams = {int(i["id"]): str(i["team_name"]) for i in await session.list(
            Inspection, {"id": seated}, limit=None)} if seated else {}
        held: dict[str, list[str]] = {login: [] for login in accounts}
        scopes: dict[tuple[str, str], list[str]] = {}
        for g in grants:
            if g["v0"] not in held:
                continue
            if g["ptype"] == "s":
                kind, _, value = str(g["v3"]).partition(":")
                shown = orgs.get(int(value), value) if kind == "org" else bodies.get(value, value)
                scopes.setdefault((g["v0"], g["v1"]), []).append(shown)
            else:
                held[g["v0"]].append(str(g["v1"]))
        for login in logins:
            if login not in accounts:
                continue
            roles = []
            for role in held[login]:
                scope = scopes.get((login, role))
                roles.append(labels.get(role, role) + (f"（{'、'.join(scope)}）" if scope else ""))
            places = dict.fromkeys(
                f"巡察组{TEAM_ROLE_LABELS[TeamRole(str(seat['role']))]}"
                f"（{teams.get(int(seat['inspection_id']), '')}，按次授权）"
                for seat in seats if seat["person"] == login)
            roles += list(places)
            rows.append(AccountRow(login, accounts[login].name, "；".join(roles) or "（无）",
                                   tenant_name))
    return rows


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


HEADER = ("账号", "姓名", "角色", "机构")


def text_table(rows: Sequence[AccountRow]) -> list[str]:
    """``rows`` as lines of an aligned text table (for a terminal)."""
    cells = [HEADER, *((r.login, r.name, r.role, r.tenant) for r in rows)]
    widths = [max(_width(c[i]) for c in cells) for i in range(3)]
    return ["  ".join([*(c[i] + " " * (widths[i] - _width(c[i])) for i in range(3)), c[3]])
            .rstrip() for c in cells]


def markdown_table(rows: Sequence[AccountRow]) -> list[str]:
    """``rows`` as a Markdown table (the README's)."""
    lines = ["| " + " | ".join(HEADER) + " |", "|---|---|---|---|"]
    lines += [f"| `{r.login}` | {r.name} | {r.role} | {r.tenant} |" for r in rows]
    return lines
