"""casbin keeps the model and the policies; decisions come from an index derived from it.

The model is RBAC with domains (domain = tenant code) and deny rules. Policy
lines live in the ``casbin_rule`` table behind casbin's async adapter
interface; the defaults of core and plugins are added in memory at load (the
code is their source, so they cannot drift). Plain ``casbin.Enforcer``
takes tens of milliseconds per decision at 50,000 policies (DESIGN.md), so
``Authorizer`` derives a dict ``(user, tenant) -> frozenset(actions)`` from
the loaded model and answers from it in about a microsecond; it is rebuilt
on every change, and other processes are told over NATS to reload.
"""

from __future__ import annotations

import asyncio
import fnmatch
import logging
import time
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

import casbin
from casbin.persist.adapters.asyncio import AsyncAdapter

from core.authz.roles import CORE_POLICIES, LIAISON_SCOPES, Role
from core.contributions import PolicyRule
from core.db import Database

__all__ = ["MODEL", "Authorizer", "PolicyAdapter", "effective_rules"]

log = logging.getLogger(__name__)
# casbin logs its whole model at INFO on every load; that is noise in the service log.
logging.getLogger("casbin").setLevel(logging.WARNING)

MODEL = """
[request_definition]
r = sub, dom, act

[policy_definition]
p = sub, dom, act, eft

[role_definition]
g = _, _, _

[policy_effect]
e = some(where (p.eft == allow)) && !some(where (p.eft == deny))

[matchers]
m = g(r.sub, p.sub, r.dom) && (p.dom == "*" || p.dom == r.dom) && keyMatch(r.act, p.act)
"""
"""RBAC with domains; a deny anywhere wins over any allow."""

CHANGED_SUBJECT = "xuncha.authz.changed"
"""Plain NATS subject telling other processes of this deployment to reload."""
RECHECK_SECONDS = 1.0
"""How often a refused decision may look for policy changes made elsewhere."""
_COLUMNS = ("v0", "v1", "v2", "v3", "v4", "v5")
_EMPTY: frozenset[str] = frozenset()
_SCOPED = frozenset(role.value for role in LIAISON_SCOPES)
"""Roles that allow only within their scope (checked by the guard), never tenant-wide."""


class PolicyAdapter(AsyncAdapter):  # type: ignore[misc]
    """casbin's async adapter over the ``casbin_rule`` table (shared, no tenant)."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def load_policy(self, model: Any) -> None:
        rows = await self.db.fetch(
            'SELECT "ptype", "v0", "v1", "v2", "v3", "v4", "v5" FROM "casbin_rule" ORDER BY "id"')
        for row in rows:
            ptype = row["ptype"]
            section = model.model.get(ptype[0], {})
            if ptype in section:
                section[ptype].policy.append(_values(row, ptype))

    async def save_policy(self, model: Any) -> bool:
        async with self.db.transaction():
            await self.db.fetch("DELETE FROM \"casbin_rule\" WHERE \"ptype\" IN ('p', 'g')")
            for sec in ("p", "g"):
                for ptype, assertion in model.model.get(sec, {}).items():
                    for rule in assertion.policy:
                        await self._insert(ptype, rule)
        return True

    async def add_policy(self, sec: str, ptype: str, rule: list[str]) -> None:
        async with self.db.transaction():
            await self._insert(ptype, rule)

    async def remove_policy(self, sec: str, ptype: str, rule: list[str]) -> bool:
        await self.remove_filtered_policy(sec, ptype, 0, *rule)
        return True

    async def remove_filtered_policy(self, sec: str, ptype: str, field_index: int,
                                     *field_values: str) -> bool:
        mark = self.db.dialect.mark
        where, args = ['"ptype" = ' + mark(1)], [ptype]
        for offset, value in enumerate(field_values):
            if value:
                args.append(value)
                where.append(f'"{_COLUMNS[field_index + offset]}" = {mark(len(args))}')
        async with self.db.transaction():
            await self.db.fetch(
                f'DELETE FROM "casbin_rule" WHERE {" AND ".join(where)} RETURNING "id"', args)
        return True

    async def _insert(self, ptype: str, rule: list[str]) -> None:
        values = (list(rule) + [""] * 6)[:6]
        marks = ", ".join(self.db.dialect.mark(i) for i in range(1, 8))
        await self.db.fetch(
            'INSERT INTO "casbin_rule" ("ptype", "v0", "v1", "v2", "v3", "v4", "v5") '
            f'VALUES ({marks}) RETURNING "id"', [ptype, *values])


def _values(row: dict[str, Any], ptype: str) -> list[str]:
    values = [row[c] or "" for c in _COLUMNS]
    width = 4 if ptype == "p" else 3
    return values[:width]


def effective_rules(collected: Iterable[tuple[str, list[PolicyRule]]],
                    own_actions: dict[str, set[str]]) -> list[PolicyRule]:
    """Default rules of core and plugins, with plugins kept from widening core.

    A plugin's ``allow`` counts only for actions the plugin declared itself
    (its ``xuncha_permissions``, named exactly, no wildcard); its ``deny``
    always counts, so a plugin can
    narrow access but never widen what core denies or does not grant.
    """
    out: list[PolicyRule] = []
    for plugin, rules in collected:
        for rule in rules:
            own = rule.action in own_actions.get(plugin, set())
            if plugin == "core" or rule.effect == "deny" or own:
                out.append(rule)
            else:
                log.warning("plugin %s may not grant %s (not its own action): ignored",
                            plugin, rule.action)
    return out


class Authorizer:
    """Policies (casbin) plus the decision index derived from them.

    Args:
        db: the database holding ``casbin_rule``.
        actions: every action routes may declare (from ``xuncha_permissions``).
        defaults: the default rules in every tenant (``effective_rules``).
    """

    def __init__(self, db: Database, actions: Iterable[str],
                 defaults: Iterable[PolicyRule] = CORE_POLICIES) -> None:
        self.db = db
        self.actions = frozenset(actions)
        self.defaults = list(defaults)
        self.enforcer: Any = None
        self._index: dict[tuple[str, str], frozenset[str]] = {}
        self._role_actions: dict[tuple[str, str], frozenset[str]] = {}
        self._roles: dict[tuple[str, str], tuple[str, ...]] = {}
        self._tenants: dict[str, tuple[str, ...]] = {}
        self._scopes: dict[tuple[str, str], dict[str, frozenset[str]]] = {}
        self.on_change: list[Any] = []
        self._stamp: tuple[Any, ...] | None = None
        self._checked = 0.0
        self._reloading = asyncio.Lock()

    async def load(self) -> None:
        """(Re)load every policy line and rebuild the index."""
        # The stamp first: a change committed while the lines load shows as a newer
        # stamp at the next check, never as an index silently older than its stamp.
        stamp = await self._current_stamp()
        enforcer = casbin.AsyncEnforcer(casbin.Enforcer.new_model(text=MODEL),
                                        PolicyAdapter(self.db))
        await enforcer.load_policy()
        model = enforcer.get_model()
        for rule in self.defaults:
            model.model["p"]["p"].policy.append([rule.role, "*", rule.action, rule.effect])
        enforcer.build_role_links()
        self.enforcer = enforcer
        self._stamp = stamp
        self._checked = time.monotonic()
        self._rebuild()

    async def _current_stamp(self) -> tuple[Any, ...]:
        if self.db.postgres:  # bumped by a trigger in every changing transaction
            rows = await self.db.fetch('SELECT "version" FROM "policy_version" WHERE "id" = 1')
            return (int(rows[0]["version"]) if rows else None,)
        rows = await self.db.fetch('SELECT COUNT(*) AS "n", MAX("id") AS "m" FROM "casbin_rule"')
        return (int(rows[0]["n"]), rows[0]["m"])

    async def follow(self, current: int | None = None) -> bool:
        """On PostgreSQL, reload when any process changed a policy since the last load.

        Called before every authorization decision: several processes share
        the database, and a role revoked through one must be refused by every
        other on its next request. The check is one primary-key read of
        ``policy_version`` (a trigger on ``casbin_rule`` bumps it in the
        changing transaction); a reload happens only after a change. On
        SQLite (one process) nothing is read: :meth:`refresh` covers the CLI.

        Args:
            current: the version just read by the caller along with other
                figures (:class:`core.db.stamps.StampReader`), saving the read.

        Returns:
            Whether the index was reloaded.
        """
        if not self.db.postgres:
            return False
        if current is not None and (current,) == self._stamp:
            return False
        if current is None and await self._current_stamp() == self._stamp:
            return False
        async with self._reloading:
            if await self._current_stamp() == self._stamp:
                return False  # another request of this process reloaded meanwhile
            await self.reload()
        return True

    async def _own_change(self) -> None:
        """Note the stamp after this process changed a policy (SQLite only: on
        PostgreSQL another process may have changed one in between, so the next
        :meth:`follow` reloads instead)."""
        if not self.db.postgres:
            self._stamp = await self._current_stamp()

    async def refresh(self) -> bool:
        """Reload if the policy table changed behind our back (another process without
        NATS, e.g. ``xuncha roles grant``); checks at most once a second."""
        if time.monotonic() - self._checked < RECHECK_SECONDS:
            return False
        self._checked = time.monotonic()
        if await self._current_stamp() == self._stamp:
            return False
        await self.reload()
        return True

    def _expand(self, pattern: str) -> set[str]:
        if "*" not in pattern:
            return {pattern}
        return {a for a in self.actions if fnmatch.fnmatchcase(a, pattern)}

    def _rebuild(self) -> None:
        allow: dict[tuple[str, str], set[str]] = defaultdict(set)
        deny: dict[tuple[str, str], set[str]] = defaultdict(set)
        for sub, dom, act, eft in (p[:4] for p in self.enforcer.get_policy()):
            (deny if eft == "deny" else allow)[(sub, dom)] |= self._expand(act)
        domains = {dom for _, dom in allow} | {dom for _, dom in deny}
        grants = self.enforcer.get_grouping_policy()
        domains |= {g[2] for g in grants}
        roles = {r.value for r in Role} | {sub for sub, _ in allow} | {sub for sub, _ in deny}
        role_actions: dict[tuple[str, str], frozenset[str]] = {}
        for role in roles:
            base_allow, base_deny = allow.get((role, "*"), set()), deny.get((role, "*"), set())
            role_actions[(role, "*")] = frozenset(base_allow - base_deny)
            for dom in domains - {"*"}:
                if (role, dom) in allow or (role, dom) in deny:
                    role_actions[(role, dom)] = frozenset(
                        (base_allow | allow.get((role, dom), set()))
                        - base_deny - deny.get((role, dom), set()))
        by_user: dict[tuple[str, str], list[str]] = defaultdict(list)
        for user, role, dom in (g[:3] for g in grants):
            by_user[(user, dom)].append(role)
        index: dict[tuple[str, str], frozenset[str]] = {}
        for (user, dom), user_roles in by_user.items():
            allowed: set[str] = set()
            denied: set[str] = set()
            for role in user_roles:
                if role not in _SCOPED:
                    allowed |= allow.get((role, "*"), set()) | allow.get((role, dom), set())
                denied |= deny.get((role, "*"), set()) | deny.get((role, dom), set())
            index[(user, dom)] = frozenset(allowed - denied)
        self._index, self._role_actions = index, role_actions
        self._roles = {key: tuple(roles) for key, roles in by_user.items()}
        tenants: dict[str, set[str]] = defaultdict(set)
        for user, dom in by_user:
            tenants[user].add(dom)
        self._tenants = {user: tuple(sorted(doms)) for user, doms in tenants.items()}

    def allows(self, user: str, tenant: str, action: str) -> bool:
        """Whether ``user``'s roles in ``tenant`` allow ``action`` tenant-wide.

        Liaison roles are left out: they allow only for their org or body,
        which the guard checks on the object a request touches.
        """
        return action in self._index.get((user, tenant), _EMPTY)

    def actions_of(self, user: str, tenant: str) -> frozenset[str]:
        """Everything ``user``'s roles allow in ``tenant`` tenant-wide."""
        return self._index.get((user, tenant), _EMPTY)

    def role_allows(self, role: str, tenant: str, action: str) -> bool:
        """Whether ``role`` (e.g. a team role) may take ``action`` in ``tenant``."""
        actions = self._role_actions.get((role, tenant))
        if actions is None:  # no line of this tenant names the role (empty means all denied)
            actions = self._role_actions.get((role, "*"), _EMPTY)
        return action in actions

    def roles_of(self, user: str, tenant: str) -> list[str]:
        """The roles granted to ``user`` in ``tenant``."""
        return list(self._roles.get((user, tenant), ()))

    def tenants_of(self, user: str) -> list[str]:
        """The tenants where ``user`` holds a role."""
        return list(self._tenants.get(user, ()))

    async def scopes(self, user: str, tenant: str) -> dict[str, frozenset[str]]:
        """The liaison scopes of ``user`` in ``tenant`` (``{"org": {...}, "body": {...}}``)."""
        key = (user, tenant)
        if key not in self._scopes:
            mark = self.db.dialect.mark
            rows = await self.db.fetch(
                'SELECT "v3" FROM "casbin_rule" WHERE "ptype" = \'s\' AND "v0" = '
                f'{mark(1)} AND "v2" = {mark(2)}', [user, tenant])
            found: dict[str, set[str]] = defaultdict(set)
            for row in rows:
                kind, _, value = str(row["v3"]).partition(":")
                found[kind].add(value)
            self._scopes[key] = {k: frozenset(v) for k, v in found.items()}
        return self._scopes[key]

    async def grant(self, user: str, role: str, tenant: str, scope: str | None = None) -> bool:
        """Give ``user`` ``role`` in ``tenant`` (with a liaison ``scope``); False if held."""
        if LIAISON_SCOPES.get(Role(role)) and not scope:
            raise ValueError(f"role {role} needs a scope")
        added = await self.enforcer.add_grouping_policy(user, role, tenant)
        scoped = bool(scope) and not await self._has_scope(user, role, tenant, str(scope))
        if scoped:
            await PolicyAdapter(self.db).add_policy("s", "s", [user, role, tenant, str(scope)])
            self._scopes.pop((user, tenant), None)
        if not (added or scoped):
            return False  # held already, with this scope: granting again changes nothing
        self._rebuild()
        await self._own_change()
        await self._changed()
        return True

    async def _has_scope(self, user: str, role: str, tenant: str, scope: str) -> bool:
        mark = self.db.dialect.mark
        rows = await self.db.fetch(
            'SELECT "id" FROM "casbin_rule" WHERE "ptype" = \'s\' AND "v0" = '
            f'{mark(1)} AND "v1" = {mark(2)} AND "v2" = {mark(3)} AND "v3" = {mark(4)}',
            [user, role, tenant, scope])
        return bool(rows)

    async def revoke(self, user: str, role: str, tenant: str) -> bool:
        """Take ``role`` in ``tenant`` from ``user`` (and its scopes)."""
        removed = await self.enforcer.remove_grouping_policy(user, role, tenant)
        await PolicyAdapter(self.db).remove_filtered_policy("s", "s", 0, user, role, tenant)
        self._scopes.pop((user, tenant), None)
        self._rebuild()
        await self._own_change()
        await self._changed()
        return bool(removed)

    async def reload(self) -> None:
        """Reload after another process changed the policies."""
        self._scopes.clear()
        await self.load()

    async def _changed(self) -> None:
        for callback in self.on_change:
            try:
                await callback()
            except Exception:
                log.exception("announcing a policy change failed")
