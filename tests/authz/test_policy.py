"""The authorizer at unit level: the index against casbin, denies, tenant lines, plugins.

Each test works on the run's database with a fresh ``Authorizer`` and its own
users and tenant domains (random names, removed afterwards), so the running
app, which shares the policy table, never sees a line that concerns it.
"""

from __future__ import annotations

import asyncio
import itertools
import random
import secrets
from collections.abc import AsyncIterator
from typing import Any

import nats
import pytest
from litestar import Litestar

from core.authz.policy import Authorizer, PolicyAdapter, effective_rules
from core.authz.roles import CORE_POLICIES, LIAISON_SCOPES, Role
from core.authz.setup import build_authorizer, follow_changes
from core.contributions import PolicyRule
from core.db import Database
from core.plugins import Plugins
from tests.authz.conftest import Client
from tests.identity.helpers import new_account

SCOPED = {r.value for r in LIAISON_SCOPES}
UNSCOPED = [r.value for r in Role if r.value not in SCOPED]


class Lines:
    """Policy lines of one test: random domains and users, deleted at the end."""

    def __init__(self, database: Database) -> None:
        self.database, self.tag = database, secrets.token_hex(3)
        self.adapter = PolicyAdapter(database)

    def domain(self, n: int) -> str:
        return f"pol{self.tag}.d{n}"

    def user(self, n: int) -> str:
        return f"pol{self.tag}.u{n}"

    async def p(self, role: str, domain: str, action: str, effect: str = "allow") -> None:
        await self.adapter.add_policy("p", "p", [role, domain, action, effect])

    async def g(self, user: str, role: str, domain: str) -> None:
        await self.adapter.add_policy("g", "g", [user, role, domain])

    async def drop(self) -> None:
        mark = self.database.dialect.mark
        await self.database.fetch(
            f'DELETE FROM "casbin_rule" WHERE "v0" LIKE {mark(1)} OR "v1" LIKE {mark(1)} '
            f'OR "v2" LIKE {mark(1)} RETURNING "id"', [f"pol{self.tag}.%"])


@pytest.fixture
async def lines(database: Database) -> AsyncIterator[Lines]:
    own = Lines(database)
    try:
        yield own
    finally:
        await own.drop()


async def fresh(database: Database, plugins: Plugins) -> Authorizer:
    """A loaded authorizer built like the app's."""
    authz = build_authorizer(database, plugins)
    await authz.load()
    return authz


async def test_index_agrees_with_casbin(lines: Lines, database: Database,
                                        plugins: Plugins) -> None:
    rng = random.Random(4)
    domains = [lines.domain(n) for n in range(4)]
    # Tenant lines: allows, denies, a wildcard, and an allow core denies at "*".
    await lines.p("leading_group", domains[0], "plan:write")
    await lines.p("city_supervisor", domains[1], "rectification:*")
    await lines.p("office_admin", domains[2], "paper:sign", "deny")
    await lines.p("office_staff", domains[0], "clue:read_persons")
    await lines.p("team_member", domains[3], "*", "deny")
    users = [lines.user(n) for n in range(16)]
    for user in users:
        for domain in rng.sample(domains, 2):
            for role in rng.sample(UNSCOPED, rng.randint(1, 2)):
                await lines.g(user, role, domain)
    probes = {(role, domain): f"pol{lines.tag}.probe.{role}.{n}"
              for role in UNSCOPED for n, domain in enumerate(domains)}
    for (role, domain), probe in probes.items():
        await lines.g(probe, role, domain)
    authz = await fresh(database, plugins)
    actions = sorted(authz.actions)
    compared = allowed = 0
    for user, domain, action in itertools.product([*users, "tester"], [*domains, "ta.one"],
                                                  actions):
        expected = authz.enforcer.enforce(user, domain, action)
        assert authz.allows(user, domain, action) == expected, (user, domain, action)
        compared, allowed = compared + 1, allowed + expected
    assert compared == 17 * 5 * len(actions) and 0 < allowed < compared
    # Role decisions (team roles inside an inspection) agree too, per tenant.
    for (role, domain), probe in probes.items():
        for action in actions:
            expected = authz.enforcer.enforce(probe, domain, action)
            assert authz.role_allows(role, domain, action) == expected, (role, domain, action)


async def test_liaison_roles_allow_nothing_tenant_wide(lines: Lines, database: Database,
                                                       plugins: Plugins) -> None:
    authz = await fresh(database, plugins)
    domain, user = lines.domain(0), lines.user(0)
    await authz.grant(user, "unit_liaison", domain, "org:7")
    await authz.grant(lines.user(1), "receiving_liaison", domain, "body:discipline")
    assert authz.enforcer.enforce(user, domain, "rectification:read")  # casbin: unscoped
    assert not authz.actions_of(user, domain)  # the index leaves it to the guard's scope
    assert authz.role_allows("unit_liaison", domain, "rectification:write")
    assert not authz.role_allows("unit_liaison", domain, "paper:read")
    assert await authz.scopes(user, domain) == {"org": frozenset({"7"})}
    assert await authz.scopes(lines.user(1), domain) == {"body": frozenset({"discipline"})}
    assert domain in authz.tenants_of(user)


async def test_a_deny_beats_an_allow(lines: Lines, database: Database,
                                     plugins: Plugins) -> None:
    domain, other = lines.domain(0), lines.domain(1)
    admin, mixed, staff = lines.user(0), lines.user(1), lines.user(2)
    await lines.p("office_admin", domain, "paper:sign", "deny")
    await lines.p("pol_signer", domain, "paper:sign")
    await lines.p("leading_group", domain, "paper:sign", "deny")
    await lines.p("office_staff", domain, "clue:read_persons")  # core denies it everywhere
    for user, role, dom in ((admin, "office_admin", domain), (admin, "office_admin", other),
                            (mixed, "pol_signer", domain), (mixed, "leading_group", domain),
                            (staff, "office_staff", domain)):
        await lines.g(user, role, dom)
    authz = await fresh(database, plugins)
    assert not authz.allows(admin, domain, "paper:sign")  # its "*" allow loses here
    assert authz.allows(admin, domain, "paper:read")
    assert authz.allows(admin, other, "paper:sign")  # the deny is of one tenant only
    assert not authz.allows(mixed, domain, "paper:sign")  # one role's deny beats another's
    assert not authz.allows(staff, domain, "clue:read_persons")
    assert not authz.role_allows("office_staff", domain, "clue:read_persons")
    for user, dom, action in ((admin, domain, "paper:sign"), (mixed, domain, "paper:sign"),
                              (staff, domain, "clue:read_persons")):
        assert not authz.enforcer.enforce(user, dom, action)


async def test_tenant_lines_apply_to_their_tenant_only(lines: Lines, database: Database,
                                                       plugins: Plugins) -> None:
    here, there = lines.domain(0), lines.domain(1)
    await lines.p("leading_group", here, "plan:write")
    await lines.p("team_member", here, "*", "deny")  # a tenant closing a role entirely
    for n, dom in enumerate((here, there)):
        await lines.g(lines.user(n), "leading_group", dom)
    authz = await fresh(database, plugins)
    assert authz.allows(lines.user(0), here, "plan:write")
    assert not authz.allows(lines.user(1), there, "plan:write")
    assert authz.allows(lines.user(1), there, "plan:read")
    assert authz.role_allows("leading_group", here, "plan:write")
    assert not authz.role_allows("leading_group", there, "plan:write")
    assert not authz.role_allows("team_member", here, "paper:read")
    assert authz.role_allows("team_member", there, "paper:read")


def test_plugins_narrow_but_never_widen_core() -> None:
    x_rules = [
        PolicyRule(role="office_staff", action="clue:read_persons"),  # core denies it
        PolicyRule(role="unit_liaison", action="paper:read"),  # core never grants it
        PolicyRule(role="office_staff", action="x_note:*"),  # wildcards are not its own
        PolicyRule(role="leading_group", action="paper:read", effect="deny"),
        PolicyRule(role="office_staff", action="x_note:read"),
    ]
    own = {"core": {"paper:read", "clue:read_persons"}, "x": {"x_note:read"}}
    kept = effective_rules([("core", list(CORE_POLICIES)), ("x", x_rules)], own)
    assert kept[:len(CORE_POLICIES)] == list(CORE_POLICIES)
    assert kept[len(CORE_POLICIES):] == x_rules[3:]


async def test_plugin_rules_in_decisions(lines: Lines, database: Database,
                                         plugins: Plugins) -> None:
    declared = {p.action for p in plugins.gather_now("xuncha_permissions")}
    x_rules = [PolicyRule(role="office_staff", action="clue:read_persons"),
               PolicyRule(role="office_staff", action="*"),
               PolicyRule(role="leading_group", action="paper:read", effect="deny"),
               PolicyRule(role="office_staff", action="x_note:read")]
    rules = effective_rules([("core", list(CORE_POLICIES)), ("x", x_rules)],
                            {"core": declared, "x": {"x_note:read"}})
    domain = lines.domain(0)
    staff, leader = lines.user(0), lines.user(1)
    await lines.g(staff, "office_staff", domain)
    await lines.g(leader, "leading_group", domain)
    authz = Authorizer(database, declared | {"x_note:read"}, rules)
    await authz.load()
    assert not authz.allows(staff, domain, "clue:read_persons")
    assert not authz.allows(staff, domain, "role:manage")  # the "*" allow was dropped
    assert authz.allows(staff, domain, "x_note:read")
    assert not authz.allows(leader, domain, "paper:read")  # the plugin's deny counts
    assert authz.allows(leader, domain, "finding:read")


async def test_another_instance_sees_a_grant_after_reload(lines: Lines, database: Database,
                                                          plugins: Plugins) -> None:
    one, two = await fresh(database, plugins), await fresh(database, plugins)
    user, domain = lines.user(0), lines.domain(0)
    assert await one.grant(user, "office_staff", domain)
    assert one.allows(user, domain, "plan:write") and not two.allows(user, domain, "plan:write")
    await two.reload()
    assert two.allows(user, domain, "plan:write")
    assert two.roles_of(user, domain) == ["office_staff"]
    assert await one.revoke(user, "office_staff", domain)
    await two.reload()
    assert not two.allows(user, domain, "plan:write")


async def _eventually(check: Any, seconds: float = 1.0) -> bool:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while True:
        if check():
            return True
        if loop.time() >= deadline:
            return False
        await asyncio.sleep(0.02)


async def test_changes_are_announced_on_nats(app: Litestar, client: Client,
                                             database: Database, plugins: Plugins) -> None:
    """The app's authorizer and one of this process follow each other over NATS."""
    ours = await fresh(database, plugins)
    nc = await nats.connect(app.state.runtime.messaging.url)
    subscription = await follow_changes(ours, nc)
    try:
        # A grant through the API (the app's authorizer) reaches ours within a second.
        granted = await new_account(database, "ta.one")
        response = await client.post("/t/ta.one/api/role-grants", json={
            "username": granted.username, "role": "office_staff"})
        assert response.status_code == 201, response.text
        assert await _eventually(lambda: ours.allows(granted.username, "ta.one", "plan:write"))
        # A grant by ours reaches the app's authorizer within a second.
        other = await new_account(database, "ta.one")
        await ours.grant(other.username, "leading_group", "ta.one")
        app_authz = app.state.runtime.authz

        def app_allows() -> bool:
            result: bool = app_authz.allows(other.username, "ta.one", "paper:read")
            return result

        assert await _eventually(app_allows)
        await ours.revoke(other.username, "leading_group", "ta.one")
        assert await _eventually(lambda: not app_allows())
    finally:
        await subscription.unsubscribe()
        await nc.close()
