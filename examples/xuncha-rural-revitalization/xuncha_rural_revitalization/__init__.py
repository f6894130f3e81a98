"""乡村振兴领域专项巡察: a Xuncha plugin (made by ``xuncha plugin new rural_revitalization``).

It adds the inspection kind ``rural_revitalization``, a table of check records
(检查记录) with its migration, the event ``rural_revitalization_record.added``, a page,
a JSON API, a menu entry, permissions and default policies; then, as a special
inspection (专项巡察): a checklist drawn from public policy texts with its problem
library (:mod:`.checklist`), typed extra fields of the inspection and of its
findings, finding categories, a section of the draft report, figures sent up to
the city, and a stage check: the report is written only once every required
checklist item was checked. It uses the public plugin API ``core.api`` and
nothing else of the core.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from core.api import (
    ChecklistItem,
    ExtraFields,
    FindingCategory,
    GrantTarget,
    InspectionKind,
    InspectionStatistic,
    MenuItem,
    Permission,
    PolicyRule,
    ReportSection,
    Work,
    checklist_gaps,
    hookimpl,
)

from xuncha_rural_revitalization import special
from xuncha_rural_revitalization.checklist import CHECKLIST
from xuncha_rural_revitalization.events import RecordAdded

__all__ = ["LABEL", "PLUGIN_NAME", "READ", "WRITE", "__version__"]

__version__ = "0.1.0"
PLUGIN_NAME = "rural_revitalization"
LABEL = "乡村振兴领域专项巡察"
READ, WRITE = "rural_revitalization_record:read", "rural_revitalization_record:write"


@hookimpl
def xuncha_piccolo_apps() -> list[str]:
    return ["xuncha_rural_revitalization.piccolo_app"]


@hookimpl
def xuncha_routes() -> list[Any]:
    from xuncha_rural_revitalization.routes import route_handlers

    return list(route_handlers)


@hookimpl
def xuncha_template_dirs() -> list[Path]:
    return [Path(__file__).parent / "templates"]


@hookimpl
def xuncha_menu_items() -> list[MenuItem]:
    # Called only for tenants that enabled the plugin.
    return [MenuItem(label=LABEL, path=PLUGIN_NAME, order=60)]


@hookimpl
def xuncha_inspection_kinds() -> list[InspectionKind]:
    # A special inspection (专项巡察) has a topic.
    return [InspectionKind(code=PLUGIN_NAME, label=LABEL, needs_topic=True)]


@hookimpl
def xuncha_permissions() -> list[Permission]:
    return [
        Permission(action=READ, label=f"查看{LABEL}检查记录"),
        Permission(action=WRITE, label=f"登记{LABEL}检查记录"),
    ]


@hookimpl
def xuncha_default_policies() -> list[PolicyRule]:
    # Office admins may do everything already; the team roles hold only inside the
    # inspection whose team the account is on, a unit liaison only for its org.
    return [
        PolicyRule(role="office_staff", action=READ),
        PolicyRule(role="office_staff", action=WRITE),
        PolicyRule(role="team_leader", action=READ),
        PolicyRule(role="team_leader", action=WRITE),
        PolicyRule(role="team_deputy", action=READ),
        PolicyRule(role="team_deputy", action=WRITE),
        PolicyRule(role="team_member", action=READ),
        PolicyRule(role="team_member", action=WRITE),
        PolicyRule(role="unit_liaison", action=READ),
    ]


@hookimpl
def xuncha_grant_targets() -> list[GrantTarget]:
    # A record names its inspection and org: its team and the org's liaison may open it.
    from xuncha_rural_revitalization.tables import Record

    return [GrantTarget(path_param="rural_revitalization_record_id", table=Record)]


@hookimpl
def xuncha_event_types() -> list[type[Any]]:
    return [RecordAdded]


@hookimpl
def xuncha_finding_categories() -> list[FindingCategory]:
    return [
        FindingCategory(code="rural", label="乡村振兴政策落实", parent="village_policy"),
        FindingCategory(code="rural_funds", label="衔接资金使用管理", parent="rural"),
        FindingCategory(code="rural_poverty", label="巩固拓展脱贫攻坚成果", parent="rural"),
        FindingCategory(code="rural_assets", label="项目资产和集体“三资”管理", parent="rural"),
    ]


@hookimpl
def xuncha_extra_fields() -> list[ExtraFields]:
    return [
        ExtraFields(kind=PLUGIN_NAME, on="inspection", struct=special.RuralInspectionFields),
        ExtraFields(kind=PLUGIN_NAME, on="finding", struct=special.RuralFindingFields),
    ]


@hookimpl
def xuncha_checklist_items() -> list[ChecklistItem]:
    return list(CHECKLIST)


@hookimpl
async def xuncha_stage_check(work: Work, inspection_id: int, kind: str,
                             stage: str) -> list[str] | None:
    # The report is written only once every required item of the checklist was checked.
    if kind != PLUGIN_NAME or stage != "reporting":
        return None
    return await checklist_gaps(work, inspection_id)


@hookimpl
async def xuncha_report_sections(work: Work, inspection_id: int,
                                 kind: str) -> list[ReportSection] | None:
    if kind != PLUGIN_NAME:
        return None
    return [await special.report_section(work, inspection_id)]


@hookimpl
async def xuncha_inspection_statistics(work: Work, inspection_id: int,
                                       kind: str) -> list[InspectionStatistic] | None:
    if kind != PLUGIN_NAME:
        return None
    return await special.statistics(work, inspection_id)
