"""Elevated and cross inspections (提级巡察、交叉巡察) between a city and its counties.

A built-in plugin written only against :mod:`core.api`, as a third party would
write it, for both topologies (one deployment hosting city and counties, or
each county a deployment of its own linked by NATS):

- each county publishes its org directory up (:mod:`.directory`); the city
  keeps it as a replica and never writes a county's rows;
- the city plans elevated inspections of county orgs, records the problems
  and at feedback hands them down; the county files the inspection and the
  items in its own ledger exactly once, so its villages count as covered
  (:mod:`.elevated`, :mod:`.handover`);
- a county's own inspection of an org under the city's elevated inspection
  of that year is refused unless the city allowed it (:mod:`.conflicts`);
- the city assigns county A's team to county B's orgs; B accepts or declines
  and the decision travels back; a declined assignment may be submitted again,
  and the city may cancel one (the host releases the team) (:mod:`.cross`);
- in the linked topology the host makes guest accounts for the sending
  county's people, limited to that one inspection and closed at withdrawal or
  cancellation (:mod:`.guests`);
- an elevated inspection's clues are the city's, referred to the city's
  discipline body only (:mod:`.elevated_clues`); the city may cancel an
  elevated inspection before its feedback;
- its tables and migrations (app ``elevated_cross``), routes under
  ``/t/{tenant}/api/elevated-cross`` (:mod:`.api`) and pages under
  ``/t/{tenant}/elevated-cross`` (:mod:`.pages`).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from core.api import hookimpl
from plugins.elevated_cross.model import PLUGIN_NAME

if TYPE_CHECKING:
    from core.api import (
        Envelope,
        Event,
        MenuItem,
        Permission,
        PolicyRule,
        Runtime,
        SyncSubject,
        TenantInfo,
        TenantSetting,
        Work,
    )

__all__ = ["PLUGIN_NAME", "__version__"]

__version__ = "0.1.0"


@hookimpl
def xuncha_piccolo_apps() -> list[str]:
    return ["plugins.elevated_cross.piccolo_app"]


@hookimpl
def xuncha_routes() -> list[Any]:
    from plugins.elevated_cross.api import ElevatedCrossController
    from plugins.elevated_cross.pages import elevated_cross_pages

    return [ElevatedCrossController, *elevated_cross_pages]


@hookimpl
def xuncha_template_dirs() -> list[Path]:
    return [Path(__file__).parent / "templates"]


@hookimpl
def xuncha_menu_items(tenant: TenantInfo) -> list[MenuItem]:
    from plugins.elevated_cross.pages import menu_items

    return menu_items(tenant)


@hookimpl
def xuncha_permissions() -> list[Permission]:
    from plugins.elevated_cross.permissions import ELEVATED_CROSS_PERMISSIONS

    return list(ELEVATED_CROSS_PERMISSIONS)


@hookimpl
def xuncha_default_policies() -> list[PolicyRule]:
    from plugins.elevated_cross.permissions import ELEVATED_CROSS_POLICIES

    return list(ELEVATED_CROSS_POLICIES)


@hookimpl
def xuncha_tenant_settings() -> list[TenantSetting]:
    from core.api import TenantSetting
    from plugins.elevated_cross.model import POST_SETTINGS, POST_SIDE_LABELS

    labels = {"leader": "组长", "deputy": "副组长", "member": "组员"}
    defaults = {"leader": "team", "deputy": "either", "member": "either"}
    return [TenantSetting(key=key, label=f"交叉巡察：{labels[post]}由哪一方选派（市级设置）",
                          default=defaults[post], choices=tuple(POST_SIDE_LABELS.items()))
            for post, key in POST_SETTINGS.items()]


@hookimpl
def xuncha_event_types() -> list[type[Event]]:
    from plugins.elevated_cross.events import ELEVATED_CROSS_EVENTS

    return list(ELEVATED_CROSS_EVENTS)


@hookimpl
async def xuncha_target_check(work: Work, round_id: int, kind: str,
                              org_ids: list[int]) -> list[str]:
    from plugins.elevated_cross.conflicts import elevated_conflicts

    return await elevated_conflicts(work, round_id, kind, org_ids)


@hookimpl
async def xuncha_stage_check(work: Work, inspection_id: int, kind: str,
                             stage: str) -> list[str]:
    from plugins.elevated_cross.cross import stage_refusals

    return await stage_refusals(work, inspection_id, kind)


@hookimpl
def xuncha_sync_subjects() -> list[SyncSubject]:
    from plugins.elevated_cross.events import ELEVATED_CROSS_SUBJECTS

    return list(ELEVATED_CROSS_SUBJECTS)


@hookimpl
async def xuncha_sync_outgoing(events: list[Envelope], work: Work) -> None:
    from plugins.elevated_cross.progress import report_progress

    await report_progress(events, work)


@hookimpl
async def xuncha_sync_received(event: Envelope, tenant: TenantInfo, work: Work) -> None:
    from plugins.elevated_cross.sync import sync_received

    await sync_received(event, tenant, work)


@hookimpl
async def xuncha_sync_tick(tenant: TenantInfo, runtime: Runtime) -> None:
    from plugins.elevated_cross.sync import sync_tick

    await sync_tick(tenant, runtime)
