"""Server-rendered pages (Chinese, Jinja, htmx): the shell, each tenant's home (the signed-in
person's desk of to-dos) and its org directory."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from typing import Annotated, Any

from litestar import Request, get
from litestar.datastructures import State
from litestar.params import FromQuery, QueryParameter
from litestar.response import Redirect, Template

from core.contributions import DeskItem, DeskViewer
from core.db import TenantSession
from core.runtime import Runtime, runtime_of
from core.tenancy.model import TenantInfo
from core.tenancy.tables import Org, OrgKind
from core.web.deps import CurrentTenant, CurrentWork, Session
from core.web.guard import present_in
from core.web.pages.layout import page_context, tree_order
from core.web.read_cache import READ_CACHE_SECONDS
from core.work import Work

__all__ = ["desk_items", "desk_viewer", "may", "page_context", "page_handlers"]

_UNIT_KINDS = [k.value for k in OrgKind if k not in (OrgKind.village, OrgKind.community,
                                                       OrgKind.township)]


def may(context: Mapping[str, Any], action: str) -> bool:
    """Template callable ``may(action)``: whether the signed-in account may take ``action``
    in the page's tenant (the layout shows a menu entry that names an action only then)."""
    request, tenant = context.get("request"), context.get("tenant")
    if request is None or tenant is None:
        return False
    user = request.scope.get("user")
    if user is None:
        return False
    authz = runtime_of(request.app.state).authz
    return bool(authz.allows(user.username, tenant.code, action))


@get("/", opt={"action": "page:view"}, include_in_schema=False)
async def index(request: Request[Any, Any, Any], state: State) -> Redirect | Template:
    """Open the signed-in person's desk: in its home tenant where it holds a role there,
    else in the first tenant (tree order) where it holds one, else in its home tenant
    where it holds a team place; or say that there is nothing it may open."""
    runtime = runtime_of(state)
    tenants = tree_order(await runtime.tenants.all())
    user = request.scope.get("user")
    if not tenants or user is None:
        return Template("empty.html", context=await page_context(state, None))
    held = set(runtime.authz.tenants_of(user.username))
    mine = sorted((t for t in tenants if t.code in held),
                  key=lambda t: t.code != user.home_tenant)
    home = next((t for t in tenants if t.code == user.home_tenant), None)
    if not mine and home is not None and await present_in(runtime, user, home):
        mine = [home]
    if mine:
        return Redirect(f"/t/{mine[0].code}/")
    return Template("empty.html", context=await page_context(state, None, no_access=True))


async def desk_viewer(runtime: Runtime, username: str, home_tenant: str,
                      tenant: TenantInfo) -> DeskViewer:
    """Who looks at the desk in ``tenant``: tenant-wide actions and liaison scopes."""
    scopes = await runtime.authz.scopes(username, tenant.code)
    return DeskViewer(
        username=username, home_tenant=home_tenant,
        actions=runtime.authz.actions_of(username, tenant.code),
        orgs=frozenset(int(v) for v in scopes.get("org", ()) if v.isdigit()),
        bodies=frozenset(scopes.get("body", ())))


async def desk_items(runtime: Runtime, work: Work, viewer: DeskViewer) -> list[DeskItem]:
    """Every to-do of ``viewer`` from the core and the tenant's plugins, in desk order."""
    items = await runtime.plugins.gather("xuncha_desk_items", work.tenant.plugins, work=work,
                                         viewer=viewer)
    return sorted(items, key=lambda item: (item.order, item.label))


@get("/t/{tenant:str}/", opt={"action": "desk:view"}, include_in_schema=False,
     cache=READ_CACHE_SECONDS)
async def tenant_home(request: Request[Any, Any, Any], state: State,
                      work: CurrentWork) -> Template:
    """A tenant's home: the signed-in person's desk (工作台), to-dos by kind with counts."""
    runtime = runtime_of(state)
    user = request.scope["user"]
    viewer = await desk_viewer(runtime, user.username, user.home_tenant, work.tenant)
    items = await desk_items(runtime, work, viewer)
    context = await page_context(
        state, work.tenant, items=items, total=sum(item.count for item in items),
        today=work.clock.today(), children=runtime.tenants.children(work.tenant),
        parent=runtime.tenants.by_id(work.tenant.parent_id),
    )
    return Template("home.html", context=context)


async def _directory(session: TenantSession) -> dict[str, Any]:
    """The org directory: counts by kind, units by kind, townships with their villages."""
    rows = await session.list(Org, {"active": True}, order_by=("sort", "id"), limit=None)
    counts = Counter(r["kind"] for r in rows)
    by_parent: dict[int, list[dict[str, Any]]] = {}
    for row in rows:
        if row["parent"] is not None:
            by_parent.setdefault(row["parent"], []).append(row)
    units = {kind: [r for r in rows if r["kind"] == kind] for kind in _UNIT_KINDS}
    return {
        "counts": counts, "by_parent": by_parent,
        "townships": [r for r in rows if r["kind"] == OrgKind.township.value],
        "units": {k: v for k, v in units.items() if v},
        "base_count": counts[OrgKind.village.value] + counts[OrgKind.community.value],
    }


@get("/t/{tenant:str}/orgs", opt={"action": "org:read"}, include_in_schema=False,
     cache=READ_CACHE_SECONDS)
async def org_search(
    request: Request[Any, Any, Any], state: State, tenant_info: CurrentTenant,
    session: Session,
    q: Annotated[str, QueryParameter(max_length=50)] = "",
    kind: FromQuery[OrgKind | None] = None,
) -> Template:
    """The org directory, or a search by name or code (an htmx fragment, or a whole page)."""
    where: dict[str, Any] = {"active": True}
    if kind is not None:
        where["kind"] = kind.value
    search = (("name", "code"), q.strip()) if q.strip() else None
    rows, total = await session.page(Org, where, search=search, order_by=("sort", "id"),
                                     limit=200)
    parents = {r["id"]: r for r in await session.list(
        Org, {"kind": OrgKind.township.value}, limit=None)}
    searching = bool(q.strip()) or kind is not None
    directory = {} if searching else await _directory(session)
    context = await page_context(state, tenant_info, rows=rows, total=total, q=q, kind=kind,
                                 parents=parents, searching=searching, **directory)
    name = "orgs_table.html" if request.headers.get("hx-request") else "orgs.html"
    return Template(name, context=context)


page_handlers = [index, tenant_home, org_search]
