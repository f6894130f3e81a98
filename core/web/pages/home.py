"""Server-rendered pages (Chinese, Jinja, htmx): the shell and each tenant's home."""

from __future__ import annotations

from collections import Counter
from typing import Annotated, Any

from litestar import Request, get
from litestar.datastructures import State
from litestar.params import FromQuery, QueryParameter
from litestar.response import Redirect, Template

from core.runtime import runtime_of
from core.tenancy.model import ORG_KIND_LABELS, TenantInfo
from core.tenancy.tables import Org, OrgKind
from core.web.deps import CurrentTenant, Session

__all__ = ["page_context", "page_handlers"]

_UNIT_KINDS = [k.value for k in OrgKind if k not in (OrgKind.village, OrgKind.community,
                                                       OrgKind.township)]


async def page_context(state: State, tenant: TenantInfo | None, **extra: Any) -> dict[str, Any]:
    """What the layout needs: the tenant, its menu and the tenant switcher."""
    runtime = runtime_of(state)
    tenants = await runtime.tenants.all()
    menu = []
    if tenant is not None:
        items = await runtime.plugins.gather("xuncha_menu_items", tenant.plugins, tenant=tenant)
        menu = sorted(items, key=lambda item: (item.order, item.label))
    by_id = {t.id: t for t in tenants}

    def depth(t: TenantInfo) -> int:
        parent = by_id.get(t.parent_id) if t.parent_id else None
        return depth(parent) + 1 if parent else 0

    return {
        "tenant": tenant,
        "menu": menu,
        "switcher": [(t, depth(t)) for t in _tree_order(tenants)],
        "kind_labels": ORG_KIND_LABELS,
        **extra,
    }


def _tree_order(tenants: list[TenantInfo]) -> list[TenantInfo]:
    children: dict[int | None, list[TenantInfo]] = {}
    for t in tenants:
        children.setdefault(t.parent_id, []).append(t)
    ordered: list[TenantInfo] = []

    def walk(parent: int | None) -> None:
        for t in children.get(parent, []):
            ordered.append(t)
            walk(t.id)

    walk(None)
    return ordered


@get("/", opt={"action": "page:view"}, include_in_schema=False)
async def index(request: Request[Any, Any, Any], state: State) -> Redirect | Template:
    """Open the signed-in account's first tenant, or explain how to load tenants."""
    runtime = runtime_of(state)
    tenants = _tree_order(await runtime.tenants.all())
    user = request.scope.get("user")
    held = set(runtime.authz.tenants_of(user.username)) if user else set()
    mine = [t for t in tenants if t.code in held] or [
        t for t in tenants if user and t.code == user.home_tenant]
    if mine:
        code = mine[0].code
        if user and runtime.authz.roles_of(user.username, code) == ["unit_liaison"]:
            # An inspected unit's liaison works on its own ledger only.
            orgs = (await runtime.authz.scopes(user.username, code)).get("org", frozenset())
            if orgs:
                return Redirect(f"/t/{code}/ledger?org_id={min(orgs, key=int)}")
        return Redirect(f"/t/{code}/")
    return Template("empty.html", context=await page_context(state, None))


@get("/t/{tenant:str}/", opt={"action": "page:view"}, include_in_schema=False)
async def tenant_home(state: State, tenant_info: CurrentTenant, session: Session) -> Template:
    """A tenant's home: its orgs by kind, townships with their villages."""
    rows = await session.list(Org, {"active": True}, order_by=("sort", "id"), limit=None)
    counts = Counter(r["kind"] for r in rows)
    townships = [r for r in rows if r["kind"] == OrgKind.township.value]
    by_parent: dict[int, list[dict[str, Any]]] = {}
    for row in rows:
        if row["parent"] is not None:
            by_parent.setdefault(row["parent"], []).append(row)
    units = {kind: [r for r in rows if r["kind"] == kind] for kind in _UNIT_KINDS}
    runtime = runtime_of(state)
    context = await page_context(
        state, tenant_info, counts=counts, townships=townships, by_parent=by_parent,
        units={k: v for k, v in units.items() if v},
        children=runtime.tenants.children(tenant_info),
        parent=runtime.tenants.by_id(tenant_info.parent_id),
        base_count=counts[OrgKind.village.value] + counts[OrgKind.community.value],
    )
    return Template("home.html", context=context)


@get("/t/{tenant:str}/orgs", opt={"action": "org:read"}, include_in_schema=False)
async def org_search(
    request: Request[Any, Any, Any], state: State, tenant_info: CurrentTenant,
    session: Session,
    q: Annotated[str, QueryParameter(max_length=50)] = "",
    kind: FromQuery[OrgKind | None] = None,
) -> Template:
    """Search orgs by name or code (an htmx fragment, or a whole page)."""
    where: dict[str, Any] = {"active": True}
    if kind is not None:
        where["kind"] = kind.value
    search = (("name", "code"), q.strip()) if q.strip() else None
    rows, total = await session.page(Org, where, search=search, order_by=("sort", "id"),
                                     limit=200)
    parents = {r["id"]: r for r in await session.list(
        Org, {"kind": OrgKind.township.value}, limit=None)}
    context = await page_context(state, tenant_info, rows=rows, total=total, q=q, kind=kind,
                                 parents=parents)
    name = "orgs_table.html" if request.headers.get("hx-request") else "orgs.html"
    return Template(name, context=context)


page_handlers = [index, tenant_home, org_search]
