"""Every hook of the platform, one docstring each.

Implement a hook by decorating a function with ``core.hookimpl`` in a module
registered as a plugin (built-ins under ``plugins/``, third parties through
the entry point group ``xuncha``). An implementation may accept any subset
of the arguments listed here and may return its value or an awaitable of it.
``docs/plugins.md`` documents each hook with an example; a test keeps the two
in step.
"""

from __future__ import annotations

from typing import Any

import pluggy

__all__ = ["HOOK_NAMES", "hookimpl", "hookspec"]

hookspec = pluggy.HookspecMarker("xuncha")
hookimpl = pluggy.HookimplMarker("xuncha")


@hookspec
def xuncha_piccolo_apps() -> Any:
    """Piccolo app modules (``"pkg.piccolo_app"``) holding the plugin's tables and migrations."""


@hookspec
def xuncha_routes() -> Any:
    """Litestar route handlers, controllers or routers; tenant routes start ``/t/{tenant:str}/``."""


@hookspec
def xuncha_menu_items(tenant: Any) -> Any:
    """Navigation entries (``MenuItem``) shown for a tenant that enabled the plugin."""


@hookspec
def xuncha_template_dirs() -> Any:
    """Folders of Jinja templates, searched after the core's own."""


@hookspec
def xuncha_inspection_kinds() -> Any:
    """Inspection kinds (``InspectionKind``) the plugin adds, e.g. a special-inspection topic."""


@hookspec
def xuncha_finding_categories() -> Any:
    """Finding categories (``FindingCategory``), possibly nested under the core focus areas."""


@hookspec
def xuncha_permissions() -> Any:
    """Actions (``Permission``) the plugin's routes declare."""


@hookspec
def xuncha_default_policies() -> Any:
    """Default policy rules (``PolicyRule``) for its actions; they cannot widen core denials."""


@hookspec
def xuncha_grant_targets() -> Any:
    """Path parameters (``GrantTarget``) naming objects of an inspection, for grants and scopes."""


@hookspec
def xuncha_event_types() -> Any:
    """Event types (``msgspec.Struct`` subclasses with a ``tag``) the plugin emits or receives."""


@hookspec
def xuncha_on_event(event: Any, tenant: Any) -> Any:
    """Handle an event emitted in or delivered to ``tenant``; called for every event."""


@hookspec
def xuncha_sync_subjects() -> Any:
    """Subject families (``SyncSubject``) the plugin carries up or down between tenants."""


@hookspec
def xuncha_sync_outgoing(events: Any, work: Any) -> Any:
    """Before a transaction commits, emit travelling events derived from its ``events``."""


@hookspec
def xuncha_sync_received(event: Any, tenant: Any, work: Any) -> Any:
    """Act on an event received from another tenant, inside the transaction applying it."""


@hookspec
def xuncha_sync_tick(tenant: Any, runtime: Any) -> Any:
    """Called by the sync service at start and every minute per tenant (e.g. audit heads)."""


@hookspec
def xuncha_coverage_targets(tenant: Any) -> Any:
    """Coverage populations (``CoverageTarget``) counted for a tenant's term."""


@hookspec
def xuncha_evaluation_indicators() -> Any:
    """Evaluation indicators (``EvaluationIndicator``) with default weights."""


@hookspec
def xuncha_recusal_conflicts(person: Any, inspection: Any, orgs: Any, tenant: Any) -> Any:
    """Conflicts (``RecusalConflict``) that bar ``person`` from the team inspecting ``orgs``."""


@hookspec
def xuncha_tenant_settings() -> Any:
    """Per-tenant settings (``TenantSetting``) with defaults, e.g. deadlines in days."""


@hookspec
def xuncha_cli_commands(cli: Any) -> Any:
    """Add click commands to the ``xuncha`` command group ``cli``."""


@hookspec
def xuncha_startup(app: Any, settings: Any) -> Any:
    """Run when the HTTP app starts (after migrations and NATS are up)."""


@hookspec
def xuncha_shutdown(app: Any) -> Any:
    """Run when the HTTP app stops."""


HOOK_NAMES: tuple[str, ...] = tuple(
    name for name in list(globals()) if name.startswith("xuncha_")
)
