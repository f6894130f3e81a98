"""Coverage directives (全覆盖工作指示): the city names villages of one county.

A city issues a directive to one of its counties, e.g. the key villages it
will inspect itself (``elevated``, 提级巡察) or villages to schedule first
(``priority``); the codes must be villages the county reported. The county
receives it over sync (``coverage_directive.issued``, down) and applies it
to its current term: ``elevated`` makes those villages key villages
inspected by the city, ``priority`` makes them key villages (first in the
next proposal) keeping their mode.
"""

from __future__ import annotations

from typing import Annotated, Any

import msgspec

from core.api import Conflict, FieldError, Invalid, NotFound, Work
from plugins.village_coverage.events import CoverageChanged, CoverageDirectiveIssued
from plugins.village_coverage.rollup import county_codes, latest_reports
from plugins.village_coverage.status import current_term, load_coverage
from plugins.village_coverage.tables import CoverageDirective, CoverageOrg

__all__ = ["DIRECTIVE_KINDS", "DirectiveIn", "apply_directive", "issue_directive",
           "list_directives"]

DIRECTIVE_KINDS = {"elevated": "提级巡察重点村", "priority": "优先安排巡察"}
"""Kinds of coverage directive and their Chinese labels."""

Code = Annotated[str, msgspec.Meta(min_length=1, max_length=64)]


class DirectiveIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """A coverage directive to one county."""

    county: Code
    kind: Annotated[str, msgspec.Meta(min_length=1, max_length=16)]
    title: Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
    village_codes: Annotated[list[Code], msgspec.Meta(min_length=1, max_length=500)]
    body: Annotated[str, msgspec.Meta(max_length=5000)] = ""


async def issue_directive(work: Work, runtime: Any, data: DirectiveIn) -> dict[str, Any]:
    """Record the directive and send it down to the county, in one transaction."""
    if data.kind not in DIRECTIVE_KINDS:
        raise Invalid([FieldError("kind", "指示类型应为 elevated（提级巡察重点村）或 "
                                             "priority（优先安排巡察）")])
    reports = await latest_reports(work)
    if data.county not in await county_codes(work, runtime, reports):
        raise Invalid([FieldError("county", f"{data.county[:64]} 不是本机构的下级巡察机构")])
    known = {v[0] for v in (reports[data.county]["villages"] if data.county in reports else [])}
    codes = list(dict.fromkeys(c.strip() for c in data.village_codes if c.strip()))
    unknown = [c for c in codes if c not in known]
    if unknown:
        raise Invalid([FieldError("village_codes", "以下代码不是该县（市、区）报送的村（社区）："
                                                      + "、".join(unknown[:20]))])
    today = work.clock.today()
    async with work.transaction():
        (new_id,) = await work.session.insert(CoverageDirective, [{
            "direction": "sent", "county": data.county, "kind": data.kind, "title": data.title,
            "body": data.body, "village_codes": codes, "issued_on": today,
            "issued_by": work.actor[:128]}])
        await work.audit("coverage.directive", "coverage_directive", new_id,
                         {"county": data.county, "kind": data.kind, "villages": len(codes)})
        work.emit(CoverageDirectiveIssued(directive_id=new_id, kind=data.kind, title=data.title,
                                          body=data.body, village_codes=codes, issued_on=today),
                  to=data.county)
    row = await work.session.get(CoverageDirective, new_id)
    assert row is not None
    return row


async def list_directives(work: Work) -> list[dict[str, Any]]:
    """Directives this tenant sent (a city) or received (a county), newest first."""
    return await work.session.list(CoverageDirective, order_by=("-id",), limit=200)


async def apply_directive(work: Work, directive_id: int) -> tuple[dict[str, Any], list[str]]:
    """Apply a received directive to the current term; returns it and the codes not found."""
    row = await work.session.get(CoverageDirective, directive_id)
    if row is None:
        raise NotFound("全覆盖工作指示不存在")
    if row["direction"] != "received":
        raise Conflict([FieldError("coverage_directive_id", "只能应用上级下发的指示")])
    term = await current_term(work)
    if term is None:
        raise Conflict([FieldError("term", "尚未设立届，无法应用指示")])
    async with work.transaction():
        coverage = await load_coverage(work, term)
        by_code = {line.code: line for line in coverage.lines if line.village}
        codes = [str(c) for c in row["village_codes"]]
        missing = [c for c in codes if c not in by_code]
        if len(missing) == len(codes):
            raise Conflict([FieldError(
                "village_codes",
                "指示中的村（社区）均不在本机构本届的对象中：" + "、".join(missing[:20]))])
        values: dict[str, Any] = {"classification": "key", "updated_at": work.clock.now()}
        if row["kind"] == "elevated":
            values["mode"] = "elevated"
        for code in codes:
            line = by_code.get(code)
            if line is None:
                continue
            where = {"term_id": term["id"], "org_id": line.org_id}
            if not await work.session.update(CoverageOrg, where, values):
                await work.session.insert(CoverageOrg, [{**where, **values}])
        await work.session.update(CoverageDirective, {"id": directive_id}, {
            "applied_on": work.clock.today(), "applied_by": work.actor[:128]})
        await work.audit("coverage.directive_applied", "coverage_directive", directive_id,
                         {"term_id": term["id"], "villages": len(codes) - len(missing)})
        work.emit(CoverageChanged(term_id=term["id"], what="directive"))
    updated = await work.session.get(CoverageDirective, directive_id)
    assert updated is not None
    return updated, missing
