"""村(居)巡察全覆盖: village and community coverage within the term, rolled up to the city.

A built-in plugin written only against the public plugin API, :mod:`core.api`
(hooks, contributions, ``Work`` and its session, events, route and page
helpers), as a third party would write it:

- targets per term: the county's departments and townships, and its
  villages and communities, counted separately; villages classed key /
  watch / general with their inspection mode (:mod:`.model`, :mod:`.status`);
- a planner spreading what is left over the term's open rounds, villages with
  their township, key villages first (:mod:`.planner`, :mod:`.service`), and
  creating a round's inspections from the plan through the core's service;
- progress as offices write it ("51/62 = 82.3%"), per year and township,
  and the orgs at risk of missing the term;
- roll-up: each county publishes ``coverage.reported`` up, the city shows a
  table and SVG charts per county and can send ``coverage_directive.issued``
  down (:mod:`.report`, :mod:`.rollup`, :mod:`.directives`, :mod:`.charts`);
- its own tables and migration (app ``village_coverage``), routes under
  ``/t/{tenant}/api/coverage/`` and pages under ``/t/{tenant}/coverage``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from core.api import CoverageTarget, DeskItem, DeskViewer, TenantSetting, Work, hookimpl
from plugins.village_coverage.model import (
    DEPARTMENT_KINDS,
    MAX_DEPARTMENTS_SETTING,
    MAX_VILLAGES_SETTING,
    MIN_VILLAGES_SETTING,
    PLUGIN_NAME,
    POPULATION_LABELS,
    VILLAGE_KINDS,
    Population,
)

__all__ = ["PLUGIN_NAME", "__version__"]

__version__ = "0.1.0"


@hookimpl
def xuncha_piccolo_apps() -> list[str]:
    return ["plugins.village_coverage.piccolo_app"]


@hookimpl
def xuncha_routes() -> list[Any]:
    from plugins.village_coverage.api import CoverageController
    from plugins.village_coverage.pages import coverage_pages

    return [CoverageController, *coverage_pages]


@hookimpl
def xuncha_template_dirs() -> list[Path]:
    return [Path(__file__).parent / "templates"]


@hookimpl
async def xuncha_desk_items(work: Work, viewer: DeskViewer) -> list[DeskItem]:
    from plugins.village_coverage.desk import directives_to_apply

    return await directives_to_apply(work, viewer)


@hookimpl
def xuncha_menu_items(tenant: Any) -> list[Any]:
    from plugins.village_coverage.pages import menu_items

    return menu_items(tenant)


@hookimpl
def xuncha_permissions() -> list[Any]:
    from plugins.village_coverage.permissions import COVERAGE_PERMISSIONS

    return list(COVERAGE_PERMISSIONS)


@hookimpl
def xuncha_default_policies() -> list[Any]:
    from plugins.village_coverage.permissions import COVERAGE_POLICIES

    return list(COVERAGE_POLICIES)


@hookimpl
def xuncha_event_types() -> list[Any]:
    from plugins.village_coverage.events import COVERAGE_EVENTS

    return list(COVERAGE_EVENTS)


@hookimpl
def xuncha_sync_subjects() -> list[Any]:
    from plugins.village_coverage.events import COVERAGE_SUBJECTS

    return list(COVERAGE_SUBJECTS)


@hookimpl
async def xuncha_sync_outgoing(events: Any, work: Any) -> None:
    from plugins.village_coverage.report import sync_outgoing

    await sync_outgoing(events, work)


@hookimpl
async def xuncha_sync_received(event: Any, tenant: Any, work: Any) -> None:
    from plugins.village_coverage.report import sync_received

    await sync_received(event, tenant, work)


@hookimpl
async def xuncha_sync_tick(tenant: Any, runtime: Any) -> None:
    from plugins.village_coverage.report import sync_tick

    await sync_tick(tenant, runtime)


@hookimpl
def xuncha_coverage_targets(tenant: Any) -> list[CoverageTarget]:
    targets = [CoverageTarget(code=Population.departments.value,
                              label=POPULATION_LABELS[Population.departments],
                              org_kinds=DEPARTMENT_KINDS)]
    if tenant.level == "county":
        targets.append(CoverageTarget(code=Population.villages.value,
                                      label=POPULATION_LABELS[Population.villages],
                                      org_kinds=VILLAGE_KINDS))
    return targets


@hookimpl
def xuncha_tenant_settings() -> list[TenantSetting]:
    return [
        TenantSetting(key=MIN_VILLAGES_SETTING, label="全覆盖规划：每轮至少安排村（社区）",
                      default=12, unit="个"),
        TenantSetting(key=MAX_VILLAGES_SETTING, label="全覆盖规划：每轮最多安排村（社区）",
                      default=25, unit="个"),
        TenantSetting(key=MAX_DEPARTMENTS_SETTING,
                      label="全覆盖规划：每轮最多安排县直部门和乡镇（街道）", default=8, unit="个"),
    ]
