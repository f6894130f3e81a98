"""What 乡村振兴领域专项巡察 adds to its inspections: extra fields, the report section and
the figures sent up to the city."""

from __future__ import annotations

from typing import Annotated, Any, Literal

import msgspec
from core.api import Finding, InspectionStatistic, ReportSection, Work, read_checklist

__all__ = ["RuralFindingFields", "RuralInspectionFields", "report_section", "statistics"]

FundKind = Literal["衔接资金", "惠农补贴", "集体资金", "项目资产", "其他"]


class RuralInspectionFields(msgspec.Struct, kw_only=True):
    """What the office records of a rural revitalisation inspection."""

    key_county: Annotated[bool, msgspec.Meta(title="国家乡村振兴重点帮扶县")] = False
    funds_checked: Annotated[float, msgspec.Meta(
        ge=0, le=10_000_000, title="抽查衔接资金（万元）")] = 0
    projects_checked: Annotated[int, msgspec.Meta(ge=0, le=100_000, title="抽查项目（个）")] = 0
    monitored_households: Annotated[int, msgspec.Meta(
        ge=0, le=10_000_000, title="防返贫监测对象（户）")] = 0


class RuralFindingFields(msgspec.Struct, kw_only=True):
    """What a finding of the inspection records: the money and the households concerned."""

    fund_kind: Annotated[FundKind | None, msgspec.Meta(title="资金类别")] = None
    amount: Annotated[float, msgspec.Meta(ge=0, le=10_000_000, title="涉及资金（万元）")] = 0
    households: Annotated[int, msgspec.Meta(ge=0, le=10_000_000, title="涉及群众（户）")] = 0


async def _findings(work: Work, inspection_id: int) -> list[dict[str, Any]]:
    return await work.session.list(Finding, {"inspection_id": inspection_id}, limit=None)


def _money(value: float) -> str:
    return f"{value:.2f}".rstrip("0").rstrip(".")


async def statistics(work: Work, inspection_id: int) -> list[InspectionStatistic]:
    """Checklist progress, findings citing it, and the money and households concerned."""
    checklist = await read_checklist(work, inspection_id)
    rows = await _findings(work, inspection_id)
    amount = round(sum(float((r["extra"] or {}).get("amount", 0)) for r in rows), 2)
    households = sum(int((r["extra"] or {}).get("households", 0)) for r in rows)
    return [
        InspectionStatistic(code="checked", label="已检查事项", value=checklist.marked, unit="项"),
        InspectionStatistic(code="items", label="检查清单事项", value=checklist.total, unit="项"),
        InspectionStatistic(code="cited", label="对照清单发现问题",
                            value=sum(1 for r in rows if r["checklist_item"]), unit="个"),
        InspectionStatistic(code="amount", label="问题涉及资金", value=amount, unit="万元"),
        InspectionStatistic(code="households", label="问题涉及群众", value=households, unit="户"),
    ]


async def report_section(work: Work, inspection_id: int) -> ReportSection:
    """乡村振兴专项检查情况: the checklist item by item, and the money concerned."""
    checklist = await read_checklist(work, inspection_id)
    rows = await _findings(work, inspection_id)
    amount = sum(float((r["extra"] or {}).get("amount", 0)) for r in rows)
    households = sum(int((r["extra"] or {}).get("households", 0)) for r in rows)
    problems = [e for e in checklist.items if e.status == "problem"]
    text = (f"巡察组对照乡村振兴领域检查清单{checklist.total}项逐项检查，"
            f"已完成{checklist.marked}项，"
            f"其中{len(problems)}项发现问题，对照清单登记问题"
            f"{sum(e.findings for e in checklist.items)}个，问题涉及资金{_money(amount)}万元、"
            f"涉及群众{households}户。")
    table = (("检查事项", "依据", "检查情况", "问题数"),
             *((e.label, e.basis, e.status_label, str(e.findings)) for e in checklist.items))
    return ReportSection(title="乡村振兴专项检查情况", paragraphs=(text,), rows=table, order=10)
