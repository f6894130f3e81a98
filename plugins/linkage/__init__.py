"""Up and down the hierarchy (上下联动): what counties report to their city and
what the city sends down, carried by sync as typed events.

A built-in plugin written only against :mod:`core.api`, as a third party
would write it:

- up (county → city): profile, inspection progress, findings statistics,
  shared findings, rectification and clue counts, clues about city-managed
  cadres, audit chain heads and chain-check answers (:mod:`.reports`,
  :mod:`.summaries`), and answers to directives (:mod:`.answers`);
- down (city → counties): directives (:mod:`.directives`), shared findings
  forwarded to sibling counties (:mod:`.shared`) and chain-check requests;
- the city's view of its counties, from their reports only
  (:mod:`.city_view`, :mod:`.city_api`, :mod:`.city_pages`);
- its own tables and migrations (app ``linkage``), routes under
  ``/t/{tenant}/api/`` (directives, shared-findings, counties, city-clues)
  and pages under ``/t/{tenant}/`` (directives, shared-findings, counties).

A tenant that does not enable ``linkage`` sees none of it: its routes
refuse, its menu lacks the entries, and its transactions report nothing up.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from core.api import hookimpl

if TYPE_CHECKING:
    from core.api import (
        DeskItem,
        DeskViewer,
        Envelope,
        Event,
        MenuItem,
        Permission,
        PolicyRule,
        Runtime,
        SyncSubject,
        TenantInfo,
        Work,
    )

__all__ = ["PLUGIN_NAME"]

PLUGIN_NAME = "linkage"
"""The plugin's name (a tenant enables it by listing it in its plugins)."""


@hookimpl
def xuncha_piccolo_apps() -> list[str]:
    return ["plugins.linkage.piccolo_app"]


@hookimpl
def xuncha_routes() -> list[Any]:
    from plugins.linkage.city_api import CityController
    from plugins.linkage.city_pages import city_page_handlers
    from plugins.linkage.directives_api import DirectiveController
    from plugins.linkage.directives_pages import directive_pages

    return [DirectiveController, *directive_pages, CityController, *city_page_handlers]


@hookimpl
def xuncha_template_dirs() -> list[Path]:
    return [Path(__file__).parent / "templates"]


@hookimpl
def xuncha_event_types() -> list[type[Event]]:
    from plugins.linkage.events import LINKAGE_EVENTS

    return list(LINKAGE_EVENTS)


@hookimpl
def xuncha_sync_subjects() -> list[SyncSubject]:
    from plugins.linkage.events import LINKAGE_SUBJECTS

    return list(LINKAGE_SUBJECTS)


@hookimpl
async def xuncha_desk_items(work: Work, viewer: DeskViewer) -> list[DeskItem]:
    from plugins.linkage.desk import directives_to_answer

    return await directives_to_answer(work, viewer)


@hookimpl
def xuncha_menu_items(tenant: TenantInfo) -> list[MenuItem]:
    from plugins.linkage.directives_pages import menu_items

    return menu_items(tenant)


@hookimpl
def xuncha_permissions() -> list[Permission]:
    from plugins.linkage.permissions import LINKAGE_PERMISSIONS

    return list(LINKAGE_PERMISSIONS)


@hookimpl
def xuncha_default_policies() -> list[PolicyRule]:
    from plugins.linkage.permissions import LINKAGE_POLICIES

    return list(LINKAGE_POLICIES)


@hookimpl
async def xuncha_sync_outgoing(events: list[Envelope], work: Work) -> None:
    from plugins.linkage.answers import report_answers
    from plugins.linkage.deployments import answer_deployments
    from plugins.linkage.reports import sync_outgoing

    await report_answers(events, work)
    await answer_deployments(events, work)
    await sync_outgoing(events, work)


@hookimpl
async def xuncha_sync_received(event: Envelope, tenant: TenantInfo, work: Work) -> None:
    from plugins.linkage.reports import sync_received
    from plugins.linkage.shared import forward_shared_finding

    await forward_shared_finding(event, work)
    await sync_received(event, tenant, work)


@hookimpl
async def xuncha_sync_tick(tenant: TenantInfo, runtime: Runtime) -> None:
    from plugins.linkage.reports import sync_tick

    await sync_tick(tenant, runtime)
