"""巡察人才库: the talent pool of an inspection office, its recusal data, rotation and
team suggestions.

A built-in plugin written only against the public plugin API, :mod:`core.api`:

- people with their home unit, post and rank, political status, specialties
  (a base list the office extends), pools (巡察干部, 巡察组长, 专业人才, 特约巡察员),
  availability, work and study history, relatives and former superiors or
  subordinates (:mod:`.tables`, :mod:`.persons`); a record's reads are audited;
- entry: nomination or self-nomination → eligibility check (rules are tenant
  settings) → the leading group's approval; leaving with a reason;
- recusal: the answer to the core's ``xuncha_recusal_conflicts`` (:mod:`.recusal`,
  :mod:`.checks`), and rotation, 三个不固定 (:mod:`.rotation`), warned about or
  refused as the tenant says;
- team suggestion for an inspection and forming the team from it in one step
  (:mod:`.suggest`, :mod:`.forming`);
- the roster as .xlsx in and out (:mod:`.roster`, ``xuncha talent import/export``);
- appraisal of the team members after each round, at most 20% 优秀
  (:mod:`.appraisal`), answered to other plugins through the core's
  ``xuncha_cadre_appraisals``;
- secondment up and down (上挂下派): the city's requests go down, the counties'
  nominees go up, the city's decisions come back (:mod:`.secondment`,
  :mod:`.events`), across one deployment or linked ones;
- routes under ``/t/{tenant}/api/talent/``, pages under ``/t/{tenant}/talent``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from core.api import (
    CadreAppraisal,
    Envelope,
    Event,
    RecusalConflict,
    SyncSubject,
    TeamCandidate,
    TenantInfo,
    TenantSetting,
    Work,
    hookimpl,
)
from plugins.talent_pool.model import (
    EXTRA_SPECIALTIES_SETTING,
    MAX_AGE_SETTING,
    MAX_ROUNDS_SETTING,
    MIN_PARTY_YEARS_SETTING,
    PLUGIN_NAME,
    RECUSAL_YEARS_SETTING,
    REQUIRE_PARTY_SETTING,
    ROTATION_MODE_SETTING,
    ROTATION_OVERLAP_SETTING,
    TEAM_SIZE_SETTING,
)

__all__ = ["PLUGIN_NAME", "__version__"]

__version__ = "0.1.0"


@hookimpl
def xuncha_piccolo_apps() -> list[str]:
    return ["plugins.talent_pool.piccolo_app"]


@hookimpl
def xuncha_routes() -> list[Any]:
    from plugins.talent_pool.api import TalentController
    from plugins.talent_pool.pages import talent_pages
    from plugins.talent_pool.work_api import TalentWorkController
    from plugins.talent_pool.work_pages import work_pages

    return [TalentController, *talent_pages, TalentWorkController, *work_pages]


@hookimpl
def xuncha_template_dirs() -> list[Path]:
    return [Path(__file__).parent / "templates"]


@hookimpl
def xuncha_menu_items() -> list[Any]:
    from core.api import MenuItem

    return [MenuItem(label="巡察人才库", path="talent", order=45, action="talent:read")]


@hookimpl
def xuncha_permissions() -> list[Any]:
    from plugins.talent_pool.permissions import TALENT_PERMISSIONS

    return list(TALENT_PERMISSIONS)


@hookimpl
def xuncha_default_policies() -> list[Any]:
    from plugins.talent_pool.permissions import TALENT_POLICIES

    return list(TALENT_POLICIES)


@hookimpl
async def xuncha_recusal_conflicts(person: TeamCandidate, inspection: dict[str, Any],
                                   orgs: list[dict[str, Any]], work: Work
                                   ) -> list[RecusalConflict]:
    from plugins.talent_pool.checks import team_conflicts

    return await team_conflicts(person, inspection, orgs, work)


@hookimpl
async def xuncha_cadre_appraisals(work: Work, inspection_id: int) -> list[CadreAppraisal]:
    from plugins.talent_pool.appraisal import inspection_appraisals

    return await inspection_appraisals(work, inspection_id)


@hookimpl
def xuncha_event_types() -> list[type[Event]]:
    from plugins.talent_pool.events import SECONDMENT_EVENTS

    return list(SECONDMENT_EVENTS)


@hookimpl
def xuncha_sync_subjects() -> list[SyncSubject]:
    from plugins.talent_pool.events import SECONDMENT_SUBJECTS

    return list(SECONDMENT_SUBJECTS)


@hookimpl
async def xuncha_sync_received(event: Envelope, tenant: TenantInfo, work: Work) -> None:
    from plugins.talent_pool.secondment import apply_received

    await apply_received(event, tenant, work)


@hookimpl
def xuncha_cli_commands(cli: Any) -> None:
    from plugins.talent_pool.cli import add_commands

    add_commands(cli)


@hookimpl
def xuncha_tenant_settings() -> list[TenantSetting]:
    return [
        TenantSetting(key=RECUSAL_YEARS_SETTING, label="人才库回避：任职、学习及上下级关系回避年限",
                      default=3, unit="年", minimum=1, maximum=10),
        TenantSetting(key=ROTATION_MODE_SETTING, label="三个不固定：违反轮换规则时",
                      default="warn", choices=(("warn", "提醒"), ("refuse", "拒绝加入"))),
        TenantSetting(key=ROTATION_OVERLAP_SETTING,
                      label="三个不固定：同届内再次同组即视为组合重复的人数", default=3, unit="人",
                      minimum=2, maximum=20),
        TenantSetting(key=REQUIRE_PARTY_SETTING,
                      label="人才库入库资格：须为中共正式党员（特约巡察员除外）", default=True),
        TenantSetting(key=MIN_PARTY_YEARS_SETTING, label="人才库入库资格：党龄不少于（0 为不限）",
                      default=2, unit="年", minimum=0, maximum=50),
        TenantSetting(key=MAX_AGE_SETTING, label="人才库入库资格：年龄不超过（0 为不限）",
                      default=58, unit="周岁", minimum=0, maximum=80),
        TenantSetting(key=EXTRA_SPECIALTIES_SETTING,
                      label="人才库：本机构增加的专业特长（用顿号分隔）", default=""),
        TenantSetting(key=TEAM_SIZE_SETTING, label="人选推荐：巡察组人数（含组长）", default=5,
                      unit="人", minimum=2, maximum=30),
        TenantSetting(key=MAX_ROUNDS_SETTING, label="人选推荐：每人每年参加巡察不超过（0 为不限）",
                      default=2, unit="轮", minimum=0, maximum=12),
    ]
