"""The core's own hook implementations: core features register like plugins.

They are ``tryfirst`` (``xuncha_shutdown``: ``trylast``), so the core answers
before the plugins (its templates win, its tables come first, it starts
first and stops last) unless a plugin marks its own implementation
``tryfirst`` too.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from core.contributions import (
    DeskItem,
    DeskViewer,
    EvaluationIndicator,
    FindingCategory,
    GrantTarget,
    InspectionKind,
    MenuItem,
    Permission,
    TenantSetting,
)
from core.hookspecs import hookimpl
from core.inspection.permissions import WORKFLOW_PERMISSIONS

if TYPE_CHECKING:
    from core.work import Work

__all__: list[str] = []


@hookimpl(tryfirst=True)
def xuncha_piccolo_apps() -> list[str]:
    return ["core.piccolo_app"]


@hookimpl(tryfirst=True)
def xuncha_routes() -> list[Any]:
    from core.web.routes import core_handlers

    return list(core_handlers())


@hookimpl(tryfirst=True)
def xuncha_template_dirs() -> list[Path]:
    return [Path(__file__).parent / "web" / "templates"]


@hookimpl(tryfirst=True)
def xuncha_event_types() -> list[type[Any]]:
    from core.inspection.events import WORKFLOW_EVENTS

    return list(WORKFLOW_EVENTS)


@hookimpl(tryfirst=True)
def xuncha_menu_items() -> list[MenuItem]:
    return [
        MenuItem(label="首页", path="", order=0),
        MenuItem(label="被巡察对象", path="orgs", order=5),
        MenuItem(label="巡察轮次", path="rounds", order=10),
        MenuItem(label="整改台账", path="ledger", order=20),
        MenuItem(label="系统管理", path="admin/accounts", order=90, action="account:manage"),
    ]


@hookimpl(tryfirst=True)
async def xuncha_desk_items(work: Work, viewer: DeskViewer) -> list[DeskItem]:
    from core.inspection.desk import core_desk_items

    return await core_desk_items(work, viewer)


@hookimpl(tryfirst=True)
def xuncha_inspection_kinds() -> list[InspectionKind]:
    return [
        InspectionKind(code="regular", label="常规巡察"),
        InspectionKind(code="special", label="专项巡察", needs_topic=True),
        InspectionKind(code="mobile", label="机动巡察"),
        InspectionKind(code="lookback", label="巡察“回头看”"),
        InspectionKind(code="elevated", label="提级巡察"),
        InspectionKind(code="cross", label="交叉巡察"),
        InspectionKind(code="linked", label="上下联动巡察"),
    ]


@hookimpl(tryfirst=True)
def xuncha_finding_categories() -> list[FindingCategory]:
    return [
        FindingCategory(code="political", label="政治建设"),
        FindingCategory(code="ideological", label="思想建设"),
        FindingCategory(code="organisational", label="组织建设"),
        FindingCategory(code="personnel", label="选人用人", parent="organisational"),
        FindingCategory(code="work_style", label="作风建设（四风）"),
        FindingCategory(code="discipline", label="纪律建设"),
        FindingCategory(code="anti_corruption", label="反腐败和群众身边不正之风"),
        FindingCategory(code="village_policy", label="惠民政策落实"),
        FindingCategory(code="village_corruption", label="群众身边腐败问题"),
        FindingCategory(code="village_party_org", label="基层党组织软弱涣散"),
    ]


@hookimpl(tryfirst=True)
def xuncha_permissions() -> list[Permission]:
    return [
        Permission(action="tenant:list", label="查看巡察机构列表"),
        Permission(action="tenant:read", label="查看本机构信息"),
        Permission(action="org:read", label="查看被巡察对象"),
        Permission(action="org:write", label="维护被巡察对象"),
        Permission(action="page:view", label="浏览页面"),
        Permission(action="desk:view", label="查看本人工作台（待办事项）"),
        Permission(action="me:read", label="查看本人账号"),
        Permission(action="token:manage", label="管理本人的 API 令牌"),
        Permission(action="role:manage", label="授予和收回角色"),
        Permission(action="role:read", label="查看角色和授权"),
        Permission(action="account:read", label="查看本机构账号"),
        Permission(action="account:manage", label="管理本机构账号（创建、停用、重置密码）"),
        Permission(action="setting:manage", label="修改本机构设置和启用的插件"),
        Permission(action="audit:head", label="查看审计链链头"),
        Permission(action="evaluation:read", label="查看后评估指标"),
        *WORKFLOW_PERMISSIONS,
    ]


@hookimpl(tryfirst=True)
def xuncha_default_policies() -> list[Any]:
    from core.authz.roles import CORE_POLICIES

    return list(CORE_POLICIES)


@hookimpl(tryfirst=True)
def xuncha_grant_targets() -> list[GrantTarget]:
    from core.inspection.grant_targets import WORKFLOW_GRANT_TARGETS

    return list(WORKFLOW_GRANT_TARGETS)


@hookimpl(tryfirst=True)
def xuncha_evaluation_indicators() -> list[EvaluationIndicator]:
    from core.inspection.evaluation import CORE_INDICATORS

    return list(CORE_INDICATORS)


@hookimpl(tryfirst=True)
def xuncha_tenant_settings() -> list[TenantSetting]:
    return [
        TenantSetting(key="notice_days_before_arrival", label="进驻前通知提前天数",
                      default=10, unit="天", minimum=1, maximum=60),
        TenantSetting(key="report_months_after_withdrawal", label="撤离后报告期限",
                      default=1, unit="个月", minimum=1, maximum=12),
        TenantSetting(key="rectification_report_months", label="反馈后整改报告期限",
                      default=2, unit="个月", minimum=1, maximum=12),
        TenantSetting(key="clue_reply_months", label="线索移交后反馈期限",
                      default=3, unit="个月", minimum=1, maximum=12),
        TenantSetting(key="rounds_per_year", label="每年巡察轮次", default=3, unit="轮",
                      minimum=1, maximum=12),
        TenantSetting(key="term_years", label="每届年限", default=5, unit="年",
                      minimum=1, maximum=10),
        TenantSetting(key="escalation_interval_days", label="超期督办升级间隔",
                      default=10, unit="天", minimum=1, maximum=90),
        TenantSetting(key="team_access_until", label="巡察组授权截止", default="withdrawn",
                      choices=(("withdrawn", "撤离时"), ("report_signed", "报告经组长审签时"))),
        TenantSetting(key="attachment_max_mb", label="附件大小上限", default=50, unit="MB",
                      minimum=1, maximum=1024),
    ]


@hookimpl(tryfirst=True)
async def xuncha_startup(app: Any) -> None:
    from core.inspection.escalation import OverdueScanner
    from core.runtime import runtime_of

    runtime = runtime_of(app.state)
    if runtime.settings.sync_in_serve:
        from core.sync.service import SyncService

        runtime.sync = SyncService(runtime)
        await runtime.sync.start()
    scanner = OverdueScanner(runtime, runtime.settings.overdue_scan_seconds)
    app.state.overdue_scanner = scanner
    await scanner.start()


@hookimpl(trylast=True)
async def xuncha_shutdown(app: Any) -> None:
    from core.runtime import runtime_of

    scanner = getattr(app.state, "overdue_scanner", None)
    if scanner is not None:
        await scanner.stop()
    runtime = runtime_of(app.state)
    if runtime.sync is not None:
        await runtime.sync.stop()
        runtime.sync = None


@hookimpl(tryfirst=True)
def xuncha_cli_commands(cli: Any) -> None:
    from core.cli.accounts import add_commands as add_user_commands
    from core.cli.ledger import add_commands
    from core.cli.roles import add_commands as add_role_commands
    from core.cli.sync import add_commands as add_sync_commands
    from core.demo.seed import add_commands as add_demo_commands

    add_commands(cli)
    add_user_commands(cli)
    add_role_commands(cli)
    add_demo_commands(cli)
    add_sync_commands(cli)
