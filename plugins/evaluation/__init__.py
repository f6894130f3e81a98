"""巡察后评估: rectification evaluation of inspected units, lookback, team performance.

A built-in plugin written only against the public plugin API, :mod:`core.api`:

- unit rectification evaluation (整改评估): indicators and deduction items from
  ``xuncha_evaluation_indicators``, re-weighted by tenant settings; deductions
  with evidence, pre-filled from the ledger (:mod:`.prefill`); a scorer and a
  second person signing off; grades by cut-offs in the settings
  (:mod:`.service`, :mod:`.scoring`);
- the stage gate: ``evaluated`` needs a signed-off evaluation of every
  inspected unit (``xuncha_stage_check``);
- lookback (回头看): candidates from grades and open ledger items; a lookback
  inspection linked to the earlier one (:mod:`.lookback`);
- team performance per round, computed from the records (:mod:`.performance`);
- exports: the evaluation form and result notice (.docx), the score table (.xlsx);
- up the hierarchy: ``evaluation.signed`` goes up; the city compares its
  counties (:mod:`.rollup`, :mod:`.charts`) and evaluates a county office's own
  inspection work with the ``scope="office"`` indicators (:mod:`.office`);
- team members' appraisals in team performance, asked of the tenant's plugins
  through ``xuncha_cadre_appraisals`` (the talent pool answers; not imported);
- a lookback carries the earlier inspection's open ledger items, once each;
- interviews (约谈) of units graded 一般/差 (:mod:`.interview`) and the desk's
  to-dos: late sign-offs and interviews due (:mod:`.desk`);
- the grade scheme (好/较好/一般/差 or 合格/基本合格/不合格) as a tenant setting.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from core.api import TenantSetting, Work, hookimpl
from plugins.evaluation.model import (
    EARLIEST_DAYS_SETTING,
    GRADE_SETTINGS,
    INTERVIEW_DAYS_SETTING,
    LATEST_DAYS_SETTING,
    SCHEME_SETTING,
)
from plugins.evaluation.model import PLUGIN_NAME as PLUGIN_NAME

__all__ = ["PLUGIN_NAME", "__version__"]

__version__ = "0.1.0"


@hookimpl
def xuncha_piccolo_apps() -> list[str]:
    return ["plugins.evaluation.piccolo_app"]


@hookimpl
def xuncha_routes() -> list[Any]:
    from plugins.evaluation.api import EvaluationController
    from plugins.evaluation.pages import evaluation_pages

    return [EvaluationController, *evaluation_pages]


@hookimpl
def xuncha_template_dirs() -> list[Path]:
    return [Path(__file__).parent / "templates"]


@hookimpl
def xuncha_menu_items(tenant: Any) -> list[Any]:
    from plugins.evaluation.pages import menu_items

    return menu_items(tenant)


@hookimpl
def xuncha_permissions() -> list[Any]:
    from plugins.evaluation.permissions import EVALUATION_PERMISSIONS

    return list(EVALUATION_PERMISSIONS)


@hookimpl
def xuncha_default_policies() -> list[Any]:
    from plugins.evaluation.permissions import EVALUATION_POLICIES

    return list(EVALUATION_POLICIES)


@hookimpl
def xuncha_event_types() -> list[Any]:
    from plugins.evaluation.events import EVALUATION_EVENTS

    return list(EVALUATION_EVENTS)


@hookimpl
def xuncha_sync_subjects() -> list[Any]:
    from plugins.evaluation.events import EVALUATION_SUBJECTS

    return list(EVALUATION_SUBJECTS)


@hookimpl
async def xuncha_sync_received(event: Any, tenant: Any, work: Any) -> None:
    from plugins.evaluation.rollup import sync_received

    await sync_received(event, work)


@hookimpl
async def xuncha_stage_check(work: Work, inspection_id: int, stage: str) -> list[str] | None:
    from plugins.evaluation.service import stage_check

    return await stage_check(work, inspection_id, stage)


@hookimpl
def xuncha_evaluation_indicators() -> list[Any]:
    from plugins.evaluation.indicators import OFFICE_INDICATORS

    return list(OFFICE_INDICATORS)


@hookimpl
async def xuncha_desk_items(work: Work, viewer: Any) -> list[Any]:
    from plugins.evaluation.desk import desk_items

    return await desk_items(work, viewer)


@hookimpl
def xuncha_tenant_settings() -> list[TenantSetting]:
    from core.api import CORE_INDICATORS
    from plugins.evaluation.indicators import OFFICE_INDICATORS, weight_settings
    from plugins.evaluation.model import GRADE_DEFAULTS, GRADE_LABELS, SCHEMES

    return [
        *weight_settings([*CORE_INDICATORS, *OFFICE_INDICATORS]),
        TenantSetting(key=SCHEME_SETTING, label="整改评估等次设置", default="four",
                      choices=tuple((s.code, s.label) for s in SCHEMES.values())),
        *(TenantSetting(key=key, label=f"整改评估等次：“{GRADE_LABELS[grade]}”最低分",
                        default=GRADE_DEFAULTS[grade], unit="分", minimum=0, maximum=100)
          for grade, key in GRADE_SETTINGS.items()),
        TenantSetting(key=EARLIEST_DAYS_SETTING, label="整改评估：整改报告报送后至少间隔",
                      default=0, unit="天", minimum=0, maximum=730),
        TenantSetting(key=LATEST_DAYS_SETTING,
                      label="整改评估：整改报告报送后应在此期限内签发（0 为不限）",
                      default=30, unit="天", minimum=0, maximum=730),
        TenantSetting(key=INTERVIEW_DAYS_SETTING,
                      label="整改评估等次为“一般”“差”（“基本合格”“不合格”）的单位应在签发后此期限内约谈",
                      default=30, unit="天", minimum=1, maximum=365),
    ]
