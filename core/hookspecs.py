"""Every hook of the platform, with typed arguments and results.

Implement a hook by decorating a function with ``hookimpl`` in a module
registered as a plugin (built-ins under ``plugins/``, third parties through
the entry point group ``xuncha``). An implementation may accept any subset
of the arguments listed here. pluggy calls the implementations: ``tryfirst``,
``trylast``, wrappers (``wrapper=True``/``hookwrapper=True``) and
``firstresult`` mean what pluggy documents.

Hooks marked ``may_be_async`` may be implemented with ``async def`` (the core
awaits the results on the running loop, in call order); every other hook is
called while the app or the CLI is built, from synchronous code, and must
answer synchronously: an ``async def`` implementation is refused when the
plugin loads, an awaitable result when the hook is called. Each docstring
says which. ``docs/plugins.md`` documents each hook with an example; a test
keeps the two in step, and another fails on a hook that nothing calls.

The argument and result types are imported only for type checkers (as
pytest's hookspec does), so a plugin author's editor and mypy know them.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from os import PathLike
from typing import TYPE_CHECKING, Any, TypeAlias, TypeVar

import pluggy

if TYPE_CHECKING:
    import click
    from litestar import Litestar
    from litestar.types import ControllerRouterHandler

    from core.contributions import (
        CadreAppraisal,
        ChecklistItem,
        CoverageTarget,
        DeskItem,
        DeskViewer,
        EvaluationIndicator,
        ExtraFields,
        FindingCategory,
        GrantTarget,
        InspectionKind,
        InspectionStatistic,
        MenuItem,
        Permission,
        PolicyRule,
        RecusalConflict,
        ReportSection,
        SyncSubject,
        TeamCandidate,
        TenantSetting,
    )
    from core.events import Envelope, Event
    from core.runtime import Runtime
    from core.settings import Settings
    from core.tenancy.model import TenantInfo
    from core.work import Work

__all__ = ["ASYNC_HOOKS", "HOOK_NAMES", "MaybeAwaitable", "hookimpl", "hookspec",
           "may_be_async"]

hookspec = pluggy.HookspecMarker("xuncha")
hookimpl = pluggy.HookimplMarker("xuncha")

T = TypeVar("T")
F = TypeVar("F", bound=Callable[..., Any])
MaybeAwaitable: TypeAlias = T | Awaitable[T]
"""What a hook that may be async returns: the value, or an awaitable of it."""


def may_be_async(spec: F) -> F:
    """Mark a hookspec whose implementations may be ``async def``."""
    spec.xuncha_async = True  # type: ignore[attr-defined]
    return spec


@hookspec
def xuncha_piccolo_apps() -> list[str] | None:
    """Piccolo app modules (``"pkg.piccolo_app"``) holding the plugin's tables and migrations.

    Synchronous: read while the app is built.
    """


@hookspec
def xuncha_routes() -> Sequence[ControllerRouterHandler] | None:
    """Litestar route handlers, controllers or routers; tenant routes start ``/t/{tenant:str}/``.

    Synchronous: read while the app is built.
    """


@hookspec
@may_be_async
def xuncha_menu_items(tenant: TenantInfo) -> MaybeAwaitable[list[MenuItem] | None]:
    """Navigation entries (``MenuItem``) shown for a tenant that enabled the plugin.

    May be async: called for each page, for the tenant shown.
    """


@hookspec
def xuncha_template_dirs() -> list[str | PathLike[str]] | None:
    """Folders of Jinja templates, searched after the core's own.

    Synchronous: read while the app is built.
    """


@hookspec
def xuncha_inspection_kinds() -> list[InspectionKind] | None:
    """Inspection kinds (``InspectionKind``) the plugin adds, e.g. a special-inspection topic.

    Synchronous: also read by workbook exports built in synchronous code.
    """


@hookspec
def xuncha_finding_categories() -> list[FindingCategory] | None:
    """Finding categories (``FindingCategory``), possibly nested under the core focus areas.

    Synchronous: also read by workbook exports built in synchronous code.
    """


@hookspec
def xuncha_permissions() -> list[Permission] | None:
    """Actions (``Permission``) the plugin's routes declare.

    Synchronous: read while the app is built.
    """


@hookspec
def xuncha_default_policies() -> list[PolicyRule] | None:
    """Default policy rules (``PolicyRule``) for its actions; they cannot widen core denials.

    Synchronous: read while the app is built.
    """


@hookspec
def xuncha_grant_targets() -> list[GrantTarget] | None:
    """Path parameters (``GrantTarget``) naming objects of an inspection, org or receiving body.

    Synchronous: read by the guard to decide per-inspection grants and liaison scopes.
    """


@hookspec
def xuncha_event_types() -> list[type[Event]] | None:
    """Event types (``Event`` subclasses with a ``tag``) the plugin emits or receives.

    Synchronous: read while the app is built.
    """


@hookspec
@may_be_async
def xuncha_on_event(event: Envelope, tenant: TenantInfo) -> MaybeAwaitable[object | None]:
    """Handle an event emitted in or delivered to ``tenant``; called for every event.

    May be async: called after the transaction that emitted the event commits.
    """


@hookspec
def xuncha_sync_subjects() -> list[SyncSubject] | None:
    """Subject families (``SyncSubject``) the plugin carries up or down between tenants.

    Synchronous: read while the app is built.
    """


@hookspec
@may_be_async
def xuncha_sync_outgoing(events: list[Envelope], work: Work) -> MaybeAwaitable[None]:
    """Before a transaction commits, emit travelling events derived from its ``events``.

    May be async: awaited inside the transaction.
    """


@hookspec
@may_be_async
def xuncha_sync_received(event: Envelope, tenant: TenantInfo,
                         work: Work) -> MaybeAwaitable[None]:
    """Act on an event received from another tenant, inside the transaction applying it.

    May be async: awaited inside the transaction.
    """


@hookspec
@may_be_async
def xuncha_sync_tick(tenant: TenantInfo, runtime: Runtime) -> MaybeAwaitable[None]:
    """Called by the sync service at start and every minute per tenant (e.g. audit heads).

    May be async: awaited by the sync service.
    """


@hookspec
@may_be_async
def xuncha_coverage_targets(tenant: TenantInfo) -> MaybeAwaitable[list[CoverageTarget] | None]:
    """Coverage populations (``CoverageTarget``) counted for a tenant's term.

    May be async: called when coverage is counted for the tenant.
    """


@hookspec
def xuncha_evaluation_indicators() -> list[EvaluationIndicator] | None:
    """Evaluation indicators (``EvaluationIndicator``) with default weights.

    Synchronous: a declaration, like inspection kinds. An indicator's ``scope``
    is ``unit`` (default) or ``office`` (a city evaluating a county office).
    """


@hookspec
@may_be_async
def xuncha_recusal_conflicts(
    person: TeamCandidate, inspection: dict[str, Any], orgs: list[dict[str, Any]],
    tenant: TenantInfo, work: Work,
) -> MaybeAwaitable[list[RecusalConflict] | None]:
    """Conflicts (``RecusalConflict``) that bar ``person`` from the team inspecting ``orgs``.

    May be async: called when a person is added to a team, inside the
    transaction that adds them; ``work`` is that unit of work (read the
    plugin's own recusal data through ``work.session``).
    """


@hookspec
@may_be_async
def xuncha_cadre_appraisals(work: Work, inspection_id: int
                            ) -> MaybeAwaitable[list[CadreAppraisal] | None]:
    """The appraisals (``CadreAppraisal``) of the members of an inspection's team.

    May be async: called when the team page is shown (and by plugins that
    evaluate cadres); read through ``work.session`` (the inspection's tenant
    only) and answer nothing for an inspection not yet appraised.
    """


@hookspec
@may_be_async
def xuncha_desk_items(work: Work, viewer: DeskViewer) -> MaybeAwaitable[list[DeskItem] | None]:
    """To-dos (``DeskItem``) of ``viewer`` in ``work``'s tenant, shown on the tenant's home.

    May be async: called for each view of the home page. Answer only what
    ``viewer`` may act on (``viewer.may(...)``, the team, ``viewer.orgs``,
    ``viewer.bodies``), read through ``work.session`` (this tenant's rows
    only), and nothing when there is nothing to do.
    """


@hookspec
@may_be_async
def xuncha_stage_check(work: Work, inspection_id: int, kind: str,
                       stage: str) -> MaybeAwaitable[list[str] | None]:
    """Chinese reasons to refuse moving inspection ``inspection_id`` (of ``kind``) to ``stage``.

    May be async: called inside the transaction of each forward stage change
    (and when the page lists what is missing), after the core's own checks;
    any reason refuses the move (409), naming every reason.
    """


@hookspec
@may_be_async
def xuncha_target_check(work: Work, round_id: int, kind: str,
                        org_ids: list[int]) -> MaybeAwaitable[list[str] | None]:
    """Chinese reasons to refuse planning an inspection (of ``kind``) of ``org_ids`` in a round.

    May be async: called inside the transaction that creates an inspection or
    changes its targets, after the core's own checks; any reason refuses it
    (409, field ``org_ids``), naming every reason.
    """


@hookspec
def xuncha_extra_fields() -> list[ExtraFields] | None:
    """Typed extra fields (``ExtraFields``) of an inspection kind's inspections or findings.

    Synchronous: a declaration, also read by exports built in synchronous code.
    """


@hookspec
def xuncha_checklist_items() -> list[ChecklistItem] | None:
    """Checklist items (``ChecklistItem``) of an inspection kind, with their problem library.

    Synchronous: a declaration, like inspection kinds.
    """


@hookspec
@may_be_async
def xuncha_report_sections(work: Work, inspection_id: int,
                           kind: str) -> MaybeAwaitable[list[ReportSection] | None]:
    """Sections (``ReportSection``) added to the draft report of inspection ``inspection_id``.

    May be async: called when the report is exported; read through
    ``work.session`` (the inspection's tenant only).
    """


@hookspec
@may_be_async
def xuncha_inspection_statistics(work: Work, inspection_id: int,
                                 kind: str) -> MaybeAwaitable[list[InspectionStatistic] | None]:
    """Figures (``InspectionStatistic``) of inspection ``inspection_id``, shown and sent up.

    May be async: called when the inspection page is shown and inside the
    transaction whose changes a county reports up to its city.
    """


@hookspec
def xuncha_tenant_settings() -> list[TenantSetting] | None:
    """Per-tenant settings (``TenantSetting``) with defaults, e.g. deadlines in days.

    Synchronous: read while the app or the CLI is built.
    """


@hookspec
def xuncha_cli_commands(cli: click.Group) -> None:
    """Add click commands to the ``xuncha`` command group ``cli``.

    Synchronous: called while the CLI is built.
    """


@hookspec
@may_be_async
def xuncha_startup(app: Litestar, settings: Settings) -> MaybeAwaitable[None]:
    """Run when the HTTP app starts (after migrations and NATS are up).

    May be async: awaited in the app's lifespan.
    """


@hookspec
@may_be_async
def xuncha_shutdown(app: Litestar) -> MaybeAwaitable[None]:
    """Run when the HTTP app stops.

    May be async: awaited in the app's lifespan.
    """


HOOK_NAMES: tuple[str, ...] = tuple(
    name for name in list(globals()) if name.startswith("xuncha_")
)
"""Every hook, in declaration order."""

ASYNC_HOOKS: frozenset[str] = frozenset(
    name for name in HOOK_NAMES if getattr(globals()[name], "xuncha_async", False)
)
"""The hooks whose implementations may be ``async def``; the others are synchronous."""
