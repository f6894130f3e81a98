"""The org directories: each county publishes its orgs up; the city reads its replicas.

A county publishes ``org_directory.published`` (every active org, with its
parent's code) at its first tick and whenever the directory changed (a memo
keeps what was published: an org added by ``xuncha tenants sync`` changes
no row this plugin sees, so the tick compares). The city keeps the newest as
a core replica and writes nothing of the county's; the village classes come
from the county's coverage report (``coverage.reported``, an event another
plugin sends up) and are kept per county.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import msgspec

from core.api import (
    ORG_KIND_LABELS,
    Envelope,
    NotFound,
    Replica,
    Runtime,
    TenantInfo,
    TenantRegistry,
    TenantSession,
    Work,
    list_orgs,
    read_memos,
    write_memo,
)
from plugins.elevated_cross.events import DirectoryOrg, OrgDirectoryPublished
from plugins.elevated_cross.model import CLASS_LABELS, DIRECTORY_MEMO
from plugins.elevated_cross.tables import CountyVillageClass

__all__ = [
    "CountyOrg",
    "CountyOrgs",
    "county_orgs",
    "directory_of",
    "directory_replica",
    "known_counties",
    "publish_directory",
    "store_classes",
]


async def directory_of(session: TenantSession, tenant: TenantInfo) -> OrgDirectoryPublished:
    """The county's active orgs, in display order."""
    orgs = await list_orgs(session)
    codes = {o["id"]: o["code"] for o in orgs}
    return OrgDirectoryPublished(county=tenant.code, county_name=tenant.name, orgs=[
        DirectoryOrg(org_id=o["id"], code=o["code"], name=o["name"], kind=o["kind"],
                     parent_code=codes.get(o["parent"], "") if o["parent"] else "")
        for o in orgs])


async def publish_directory(tenant: TenantInfo, runtime: Runtime) -> bool:
    """Publish the county's directory if it changed since last published (a county only)."""
    if not tenant.parent_code:
        return False
    session = runtime.db.tenant(tenant.id)
    directory = await directory_of(session, tenant)
    body = msgspec.to_builtins(directory)
    if (await read_memos(session, [DIRECTORY_MEMO])).get(DIRECTORY_MEMO) == body:
        return False
    work = Work(session=session, tenant=tenant, actor="sync:tick", clock=runtime.clock,
                plugins=runtime.plugins)
    async with work.transaction():
        work.emit(directory)
        await write_memo(session, DIRECTORY_MEMO, body)
    return True


async def store_classes(work: Work, event: Envelope) -> None:
    """Keep the village classes of a county's coverage report (a city only)."""
    if work.tenant.parent_code or event.type != "coverage.reported":
        return
    report = msgspec.to_builtins(event.payload)
    classes: dict[str, str] = {}
    for line in report.get("villages", []) if isinstance(report, dict) else []:
        if isinstance(line, list) and len(line) >= 4:  # code, name, township, class
            classes[str(line[0])] = str(line[3])
        elif isinstance(line, dict):
            classes[str(line.get("code"))] = str(line.get("classification", ""))
    values = {"classes": classes, "updated_at": work.clock.now()}
    if not await work.session.update(CountyVillageClass, {"county": event.origin}, values):
        await work.session.insert(CountyVillageClass, [{"county": event.origin, **values}])


async def known_counties(work: Work, tenants: TenantRegistry) -> dict[str, str]:
    """The city's counties by code, with names: those that published a directory, and
    those this deployment serves."""
    found: dict[str, str] = {}
    for row in await work.session.list(Replica, {"kind": "org_directory"}, limit=None):
        data = row["data"] if isinstance(row["data"], dict) else {}
        found[row["origin"]] = str(data.get("county_name") or row["origin"])
    await tenants.refresh()
    for child in tenants.children(work.tenant):
        found[child.code] = child.name
    return dict(sorted(found.items()))


class CountyOrg(msgspec.Struct, kw_only=True):
    """A county org as the city sees it."""

    org_id: int
    code: str
    name: str
    kind: str
    kind_label: str
    parent_code: str
    classification: str = ""
    class_label: str = ""


class CountyOrgs(msgspec.Struct, kw_only=True):
    """A county's directory as the city holds it."""

    county: str
    county_name: str
    received_at: Any
    orgs: list[CountyOrg]


async def directory_replica(session: TenantSession, county: str
                            ) -> OrgDirectoryPublished | None:
    """The county's directory the city holds, or None before the first arrived."""
    rows = await session.list(Replica, {"kind": "org_directory", "origin": county}, limit=1)
    if not rows:
        return None
    try:
        return msgspec.convert(rows[0]["data"], OrgDirectoryPublished, strict=False)
    except msgspec.ValidationError:
        return None


async def county_orgs(work: Work, county: str) -> CountyOrgs:
    """The directory county ``county`` published, with village classes (404 if none)."""
    rows = await work.session.list(Replica, {"kind": "org_directory", "origin": county},
                                   limit=1)
    directory = await directory_replica(work.session, county)
    if not rows or directory is None:
        raise NotFound("尚未收到该县（市、区）报送的机构名录")
    held = await work.session.list(CountyVillageClass, {"county": county}, limit=1)
    classes: Mapping[str, str] = held[0]["classes"] if held else {}
    return CountyOrgs(county=county, county_name=directory.county_name,
                      received_at=rows[0]["received_at"], orgs=[
        CountyOrg(org_id=o.org_id, code=o.code, name=o.name, kind=o.kind,
                  kind_label=ORG_KIND_LABELS.get(o.kind, o.kind), parent_code=o.parent_code,
                  classification=classes.get(o.code, ""),
                  class_label=CLASS_LABELS.get(classes.get(o.code, ""), ""))
        for o in directory.orgs])
