"""Test data: one inspection of a tenant with one row in every workflow table.

Rows are inserted directly (not through the API), so a test can put an
inspection in any stage and the cross-tenant walker has something of tenant
B to look for. Every text carries ``marker`` so a leak is easy to spot.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from core.db import Database
from core.inspection.tables import (
    Attachment,
    Clue,
    Disclosure,
    Finding,
    Inspection,
    InspectionLog,
    InspectionTarget,
    Plan,
    RectificationAction,
    RectificationItem,
    RectificationReport,
    Round,
    TeamMember,
    Term,
    WorkingPaper,
    WorkingPaperRevision,
)
from core.tenancy.tables import Org

__all__ = ["seed_inspection"]


async def seed_inspection(
    database: Database, tenant_id: int, marker: str, *, stage: str = "rectifying",
    year: int = 2026, round_number: int = 1,
) -> dict[str, Any]:
    """Create term, plan, round, inspection and one of each child row.

    Returns the ids by path parameter name (``term_id``, ``inspection_id``,
    ``paper_id`` ...) plus ``org_id`` of the target and ``texts``: the marked
    strings that must never show in another tenant.
    """
    s = database.tenant(tenant_id)
    orgs = await s.list(Org, limit=None)
    org = next(o for o in orgs if o["kind"] != "village")
    (term_id,) = await s.insert(Term, [{"name": f"{marker}第一届", "start_date": date(2026, 1, 1),
                                         "end_date": date(2030, 12, 31)}])
    (plan_id,) = await s.insert(Plan, [{"term_id": term_id, "kind": "year", "year": year,
                                         "title": f"{marker}年度计划"}])
    existing = await s.count(Round, {"year": year})
    (round_id,) = await s.insert(Round, [{
        "term_id": term_id, "plan_id": plan_id, "year": year,
        "number": round_number + existing, "name": f"{marker}第一轮"}])
    (inspection_id,) = await s.insert(Inspection, [{
        "round_id": round_id, "kind": "regular", "title": f"{marker}巡察任务",
        "team_name": f"{marker}第一巡察组", "stage": stage,
        "onsite_start": date(2026, 3, 1), "onsite_end": date(2026, 4, 15)}])
    await s.insert(InspectionTarget, [{"inspection_id": inspection_id, "org_id": org["id"]}])
    (member_id,) = await s.insert(TeamMember, [{
        "inspection_id": inspection_id, "person": f"{marker}-leader", "name": f"{marker}组长",
        "home_tenant": "x", "role": "leader"}])
    (log_id,) = await s.insert(InspectionLog, [{
        "inspection_id": inspection_id, "kind": "stage", "from_value": "planned",
        "to_value": "authorized", "actor": "seed", "remark": f"{marker}备注"}])
    (paper_id,) = await s.insert(WorkingPaper, [{
        "inspection_id": inspection_id, "org_id": org["id"], "number": f"{marker}-001",
        "title": f"{marker}底稿", "paper_date": date(2026, 4, 1), "source": "interview",
        "summary": f"{marker}底稿摘要", "author": "seed"}])
    (revision_id,) = await s.insert(WorkingPaperRevision, [{
        "paper_id": paper_id, "revision": 1, "changes": {"title": ["a", "b"]},
        "reason": f"{marker}修订理由", "actor": "seed"}])
    (attachment_id,) = await s.insert(Attachment, [{
        "owner_type": "working_paper", "owner_id": paper_id, "sha256": "0" * 64,
        "filename": f"{marker}.pdf", "content_type": "application/pdf", "size": 1,
        "uploaded_by": "seed"}])
    (finding_id,) = await s.insert(Finding, [{
        "inspection_id": inspection_id, "org_id": org["id"], "paper_id": paper_id,
        "category": "political", "title": f"{marker}问题", "description": f"{marker}问题描述",
        "source": "interview", "recorded_by": "seed"}])
    (clue_id,) = await s.insert(Clue, [{
        "inspection_id": inspection_id, "org_id": org["id"], "title": f"{marker}线索",
        "grade": "examine", "persons": [{"name": f"{marker}当事人", "position": "局长"}],
        "recorded_by": "seed"}])
    (item_id,) = await s.insert(RectificationItem, [{
        "inspection_id": inspection_id, "org_id": org["id"], "finding_id": finding_id,
        "problem": f"{marker}整改问题", "measures": f"{marker}整改措施",
        "deadline": date(2026, 8, 1)}])
    (action_id,) = await s.insert(RectificationAction, [{
        "item_id": item_id, "kind": "status", "from_value": "open", "to_value": "in_progress",
        "actor": "seed", "remark": f"{marker}进展"}])
    (report_id,) = await s.insert(RectificationReport, [{
        "inspection_id": inspection_id, "org_id": org["id"], "due_date": date(2026, 8, 1),
        "summary": f"{marker}整改报告"}])
    (disclosure_id,) = await s.insert(Disclosure, [{
        "inspection_id": inspection_id, "scope": "internal", "remark": f"{marker}公开说明",
        "recorded_by": "seed"}])
    texts = [f"{marker}第一届", f"{marker}年度计划", f"{marker}巡察任务", f"{marker}组长",
             f"{marker}底稿", f"{marker}问题", f"{marker}线索", f"{marker}当事人",
             f"{marker}整改问题", f"{marker}整改报告", f"{marker}公开说明", f"{marker}修订理由"]
    return {
        "term_id": term_id, "plan_id": plan_id, "round_id": round_id,
        "inspection_id": inspection_id, "member_id": member_id, "log_id": log_id,
        "paper_id": paper_id, "revision_id": revision_id, "attachment_id": attachment_id,
        "finding_id": finding_id, "clue_id": clue_id, "item_id": item_id,
        "action_id": action_id, "report_id": report_id, "disclosure_id": disclosure_id,
        "org_id": org["id"], "texts": texts,
    }
