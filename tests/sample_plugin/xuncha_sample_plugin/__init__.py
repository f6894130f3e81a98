"""高标准农田建设专项巡察: a sample third-party plugin for the Xuncha platform.

It implements every hook of :mod:`core.hookspecs` with small real
behaviour: a tenant-owned table with its migration, a JSON API and a page,
a menu entry, an inspection kind, finding categories, permissions, default
policies, a grant target, event types and their handler, sync subjects with a summary
emitted before commit and a receiving hook, a sync tick, a coverage target,
evaluation indicators, recusal conflicts, cadre appraisals, a tenant setting, a CLI command
and startup/shutdown hooks. Some implementations are coroutines and some take only part of the
hook's arguments, as the platform allows.

Installed, it is found through the entry point group ``xuncha``; without
installing, ``XUNCHA_PLUGINS=xuncha_sample_plugin`` loads it under the name
``PLUGIN_NAME``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import click
import msgspec

from core.api import (
    CadreAppraisal,
    ChecklistItem,
    CoverageTarget,
    DeskEntry,
    DeskItem,
    DeskViewer,
    EvaluationIndicator,
    Event,
    ExtraFields,
    Finding,
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
    TeamMember,
    TenantSetting,
    Work,
    checklist_gaps,
    hookimpl,
    read_checklist,
)

__all__ = [
    "CONFLICTED_PREFIX", "FROM_COUNTIES", "PLUGIN_NAME", "RECEIVED", "TICKS", "FarmlandFields",
    "FarmlandFindingFields", "NoteRecorded", "NotesTallied", "__version__",
]

__version__ = "0.3.0"
PLUGIN_NAME = "sample"
CONFLICTED_PREFIX = "conflict-"
"""Person keys starting with this have a recusal conflict with every target org."""


class NoteRecorded(Event, frozen=True, kw_only=True, tag="farmland_note.recorded"):
    """A field note was recorded; it travels up to the city."""

    tenant: str
    note_id: int
    title: str
    village: str = ""

    def entity(self) -> str:
        return f"farmland_note:{self.note_id}"


class NotesTallied(Event, frozen=True, kw_only=True, tag="farmland_tally.updated"):
    """How many field notes the county holds (sent up with each new note)."""

    total: int

    def entity(self) -> str:
        return "farmland_tally:notes"


class FarmlandFields(msgspec.Struct, kw_only=True):
    """What a farmland inspection records beyond the core's fields."""

    area_mu: Annotated[float, msgspec.Meta(ge=0, title="项目建设面积（亩）")] = 0
    project_year: Annotated[int, msgspec.Meta(ge=2000, le=2100, title="项目年度")] | None = None
    accepted: Annotated[bool, msgspec.Meta(title="已通过竣工验收")] = False


class FarmlandFindingFields(msgspec.Struct, kw_only=True):
    """What a farmland finding records: the money concerned."""

    amount: Annotated[float, msgspec.Meta(ge=0, title="涉及金额（万元）")] = 0


RECEIVED: list[tuple[str, NoteRecorded]] = []
"""``(tenant code, event)`` for each ``NoteRecorded`` the plugin handled."""
FROM_COUNTIES: list[tuple[str, str, str]] = []
"""``(receiving tenant, origin, event type)`` of what arrived from counties."""
TICKS: list[str] = []
"""Tenant codes the sync service ticked for."""


@hookimpl
def xuncha_piccolo_apps() -> list[str]:
    return ["xuncha_sample_plugin.piccolo_app"]


@hookimpl
def xuncha_routes() -> list[Any]:
    from xuncha_sample_plugin.routes import route_handlers

    return list(route_handlers)


@hookimpl
def xuncha_menu_items() -> list[MenuItem]:
    # The core calls this only for tenants that enabled the plugin, so the
    # ``tenant`` argument is not needed here.
    return [MenuItem(label="高标准农田", path="sample", order=50)]


@hookimpl
def xuncha_template_dirs() -> list[Path]:
    return [Path(__file__).parent / "templates"]


@hookimpl
def xuncha_inspection_kinds() -> list[InspectionKind]:
    return [InspectionKind(code="farmland", label="高标准农田建设专项巡察", needs_topic=True)]


@hookimpl
def xuncha_finding_categories() -> list[FindingCategory]:
    return [
        FindingCategory(code="farmland", label="高标准农田建设", parent="village_policy"),
        FindingCategory(code="farmland_funds", label="建设资金管理使用", parent="farmland"),
        FindingCategory(code="farmland_quality", label="工程质量与管护", parent="farmland"),
    ]


@hookimpl
def xuncha_permissions() -> list[Permission]:
    return [
        Permission(action="sample_note:read", label="查看高标准农田现场记录"),
        Permission(action="sample_note:write", label="登记高标准农田现场记录"),
    ]


@hookimpl
def xuncha_default_policies() -> list[PolicyRule]:
    return [
        PolicyRule(role="office_staff", action="sample_note:read"),
        PolicyRule(role="team_leader", action="sample_note:read"),
        PolicyRule(role="team_leader", action="sample_note:write"),
        PolicyRule(role="team_member", action="sample_note:read"),
        PolicyRule(role="team_member", action="sample_note:write"),
        PolicyRule(role="unit_liaison", action="sample_note:read"),
    ]


@hookimpl
def xuncha_grant_targets() -> list[GrantTarget]:
    # A note names its inspection and org: its team and the org's liaison may open it.
    from xuncha_sample_plugin.tables import SampleNote

    return [GrantTarget(path_param="note_id", table=SampleNote)]


@hookimpl
def xuncha_event_types() -> list[type[msgspec.Struct]]:
    return [NoteRecorded, NotesTallied]


@hookimpl
async def xuncha_on_event(event: Any, tenant: Any) -> str | None:
    payload = getattr(event, "payload", event)  # core hands over the envelope
    if not isinstance(payload, NoteRecorded):
        return None  # not ours: left out of the results
    RECEIVED.append((tenant.code, payload))
    return f"{tenant.name} 已收到现场记录：{payload.title}"


@hookimpl
def xuncha_sync_subjects() -> list[SyncSubject]:
    return [SyncSubject(direction="up", entity="farmland_note", verbs=("recorded",)),
            SyncSubject(direction="up", entity="farmland_tally", verbs=("updated",))]


@hookimpl
async def xuncha_sync_outgoing(events: list[Any], work: Any) -> None:
    # A summary computed in the transaction of the change, so both commit together.
    if any(e.type == "farmland_note.recorded" for e in events):
        from xuncha_sample_plugin.tables import SampleNote

        work.emit(NotesTallied(total=await work.session.count(SampleNote)))


@hookimpl
def xuncha_sync_received(event: Any, tenant: Any) -> None:
    if event.type.startswith("farmland_"):
        FROM_COUNTIES.append((tenant.code, event.origin, event.type))


@hookimpl
def xuncha_sync_tick(tenant: Any) -> None:
    TICKS.append(tenant.code)


@hookimpl
async def xuncha_coverage_targets(tenant: Any) -> list[CoverageTarget]:
    # Only county offices inspect villages directly.
    if tenant.level != "county":
        return []
    return [CoverageTarget(code="farmland_villages", label="高标准农田项目村",
                           org_kinds=("village",))]


@hookimpl
def xuncha_evaluation_indicators() -> list[EvaluationIndicator]:
    return [
        EvaluationIndicator(code="farmland_rectified", label="高标准农田问题整改完成率",
                            subject="unit", weight=20.0),
        EvaluationIndicator(code="farmland_clues", label="移交农田建设领域问题线索",
                            subject="team", weight=10.0),
    ]


@hookimpl
async def xuncha_recusal_conflicts(person: TeamCandidate,
                                   orgs: list[dict[str, Any]]) -> list[RecusalConflict]:
    # A stand-in for real recusal data: "conflict-..." people worked in every target.
    if not person.person.startswith(CONFLICTED_PREFIX):
        return []
    return [RecusalConflict(reason=f"{person.name}近三年内曾在{org['name']}工作",
                            org_id=org["id"], rule="worked_there_within_3_years")
            for org in orgs]


@hookimpl
async def xuncha_cadre_appraisals(work: Work, inspection_id: int) -> list[CadreAppraisal]:
    # A stand-in for real appraisals: the leader of a team that took field notes is
    # graded 称职, with the number of notes.
    from xuncha_sample_plugin.tables import SampleNote

    notes = await work.session.count(SampleNote, {"inspection_id": inspection_id})
    if not notes:
        return []
    leaders = await work.session.list(TeamMember, {"inspection_id": inspection_id,
                                                   "role": "leader"}, limit=None)
    return [CadreAppraisal(inspection_id=inspection_id, member_name=row["name"],
                           account=row["person"], team_role="leader", grade="competent",
                           grade_label="称职", note=f"农田现场记录 {notes} 条",
                           appraised_at=work.clock.now()) for row in leaders]


@hookimpl
async def xuncha_desk_items(work: Work, viewer: DeskViewer) -> list[DeskItem]:
    # Notes recorded without their village wait for whoever may complete them.
    if not viewer.may("sample_note:write"):
        return []
    from xuncha_sample_plugin.tables import SampleNote

    rows = await work.session.list(SampleNote, {"village": ""}, limit=None)
    if not rows:
        return []
    entries = tuple(DeskEntry(title=row["title"], path="sample") for row in rows[:8])
    return [DeskItem(code="sample_notes_without_village", label="待补充所在村的农田记录",
                     count=len(rows), entries=entries, path="sample", order=70)]


@hookimpl
async def xuncha_stage_check(work: Work, inspection_id: int, kind: str,
                             stage: str) -> list[str] | None:
    # A farmland inspection withdraws only after recording a farmland finding, and
    # reports only once its checklist is complete.
    if kind == "farmland" and stage == "reporting":
        return await checklist_gaps(work, inspection_id)
    if kind != "farmland" or stage != "withdrawn":
        return None
    found = await work.session.count(Finding, {
        "inspection_id": inspection_id,
        "category": ["farmland", "farmland_funds", "farmland_quality"]})
    return None if found else ["高标准农田专项巡察撤离前须至少登记一个农田建设领域问题"]


@hookimpl
async def xuncha_target_check(work: Work, round_id: int, kind: str,
                              org_ids: list[int]) -> list[str] | None:
    # No farmland inspection is planned while the tenant holds a note "暂缓农田巡察".
    from xuncha_sample_plugin.tables import SampleNote

    if kind != "farmland" or not org_ids:
        return None
    held = await work.session.count(SampleNote, {"title": "暂缓农田巡察"})
    return ["本机构已登记“暂缓农田巡察”，暂不能安排农田专项巡察"] if held else None


@hookimpl
def xuncha_extra_fields() -> list[ExtraFields]:
    return [ExtraFields(kind="farmland", on="inspection", struct=FarmlandFields),
            ExtraFields(kind="farmland", on="finding", struct=FarmlandFindingFields)]


@hookimpl
def xuncha_checklist_items() -> list[ChecklistItem]:
    return [
        ChecklistItem(kind="farmland", code="funds", label="建设资金拨付和使用",
                      group="资金", basis="《农田建设项目管理办法》",
                      problems=("挤占挪用建设资金", "资金拨付滞后"), category="farmland_funds"),
        ChecklistItem(kind="farmland", code="quality", label="工程质量和后期管护",
                      group="工程", problems=("工程质量不达标",), category="farmland_quality"),
        ChecklistItem(kind="farmland", code="records", label="项目档案", group="管理",
                      required=False),
    ]


@hookimpl
async def xuncha_report_sections(work: Work, inspection_id: int,
                                 kind: str) -> list[ReportSection] | None:
    if kind != "farmland":
        return None
    checklist = await read_checklist(work, inspection_id)
    rows = (("检查事项", "状态"), *((i.label, i.status_label) for i in checklist.items))
    return [ReportSection(title="高标准农田检查清单完成情况",
                          paragraphs=(f"检查清单共{checklist.total}项，已检查{checklist.marked}项。",),
                          rows=rows)]


@hookimpl
async def xuncha_inspection_statistics(work: Work, inspection_id: int,
                                       kind: str) -> list[InspectionStatistic] | None:
    if kind != "farmland":
        return None
    checklist = await read_checklist(work, inspection_id)
    rows = await work.session.list(Finding, {"inspection_id": inspection_id}, limit=None)
    amount = sum(float((r["extra"] or {}).get("amount", 0)) for r in rows)
    return [InspectionStatistic(code="checked", label="已检查事项", value=checklist.marked,
                                unit="项"),
            InspectionStatistic(code="amount", label="问题涉及金额", value=amount, unit="万元")]


@hookimpl
def xuncha_tenant_settings() -> list[TenantSetting]:
    return [TenantSetting(key="farmland_recheck_days", label="农田问题复核期限",
                          default=15, unit="天")]


@hookimpl
def xuncha_cli_commands(cli: click.Group) -> None:
    @cli.command("sample-hello")
    @click.option("--name", default="巡察组", help="问候对象")
    def sample_hello(name: str) -> None:
        """高标准农田专项巡察插件：打个招呼。"""
        click.echo(f"高标准农田专项巡察插件 {__version__} 向{name}问好")


@hookimpl
async def xuncha_startup(app: Any) -> None:
    # Fail early, in Chinese, when `xuncha migrate` has not created the table.
    from core.api import runtime_of

    try:
        await runtime_of(app.state).db.fetch('SELECT "id" FROM "sample_note" LIMIT 1')
    except Exception as exc:
        raise RuntimeError(f"高标准农田插件的数据表不可用，请先运行 xuncha migrate：{exc}") from exc
    app.state.sample_lifecycle = ["startup"]


@hookimpl
def xuncha_shutdown(app: Any) -> None:
    app.state.sample_lifecycle.append("shutdown")
