"""Findings: recording, Chinese labels, filters, changes, plugin categories and refusals."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import pytest
from litestar import Litestar

from core.contributions import FindingCategory
from core.db import Database
from core.hookspecs import hookimpl
from core.inspection.tables import Finding, InspectionTarget, WorkingPaper
from core.tenancy.tables import Org
from tests.inspection.helpers import ok as _ok
from tests.inspection.paper_steps import (
    Client,
    EventRecorder,
    audit_entries,
    plugged_in,
    set_stage,
    workspace,
)

T = "/t/ta.one/api"
CHINESE = re.compile(r"[\u4e00-\u9fff]")


def _body(ws: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"category": "work_style", "source": "interview", "org_id": ws["org_id"],
            "title": "公车私用", "severity": "serious", "description": "周末使用公务用车。",
            **extra}


async def _record(client: Client, ws: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return _ok(await client.post(f"{T}/inspections/{ws['inspection_id']}/findings",
                                 json=_body(ws, **extra)), 201)  # type: ignore[no-any-return]


async def _list(client: Client, **params: Any) -> dict[str, Any]:
    return _ok(await client.get(f"{T}/findings", params=params))  # type: ignore[no-any-return]


async def test_record_a_finding_with_its_paper(client: Client, app: Litestar,
                                               database: Database,
                                               tenant_ids: dict[str, int]) -> None:
    ws = await workspace(database, tenant_ids)
    with plugged_in(app, EventRecorder({"ta.one"})) as recorder:
        finding = await _record(client, ws, paper_id=ws["paper_id"], fix_now=True)
    assert finding["paper_id"] == ws["paper_id"] and finding["org_name"] == "甲一县财政局"
    assert (finding["category_label"], finding["severity_label"], finding["source_label"]) == (
        "作风建设（四风）", "较重", "个别谈话")
    assert finding["fix_now"] is True and finding["shared"] is False and finding["recorded_by"]
    (event,) = recorder.of("finding.recorded")
    assert (event.finding_id, event.inspection_id, event.org_id, event.category,
            event.severity, event.fix_now) == (finding["id"], ws["inspection_id"],
                                               ws["org_id"], "work_style", "serious", True)
    (entry,) = await audit_entries(database, tenant_ids, "finding.create", finding["id"])
    assert entry["detail"]["inspection_id"] == ws["inspection_id"]
    assert _ok(await client.get(f"{T}/findings/{finding['id']}")) == finding


async def test_filters_and_pages(client: Client, database: Database,
                                 tenant_ids: dict[str, int]) -> None:
    ws = await workspace(database, tenant_ids)
    other = await workspace(database, tenant_ids)
    a = await _record(client, ws, category="political", severity="grave", title="甲问题")
    b = await _record(client, ws, shared=True, title="乙问题")
    c = await _record(client, ws, fix_now=True, title="丙问题")
    elsewhere = await _record(client, other, title="甲问题（他组）")
    mine = {a["id"], b["id"], c["id"], ws["finding_id"]}

    def ids(page: dict[str, Any]) -> set[int]:
        return {f["id"] for f in page["items"]}

    assert ids(await _list(client, inspection_id=ws["inspection_id"])) == mine
    assert ids(await _list(client, round_id=ws["round_id"])) == mine
    assert ids(await _list(client, round_id=other["round_id"])) == {
        elsewhere["id"], other["finding_id"]}
    assert ids(await _list(client, round_id=ws["round_id"],
                           inspection_id=other["inspection_id"])) == set()
    scoped = {"inspection_id": ws["inspection_id"]}
    assert ids(await _list(client, **scoped, category="political")) == {a["id"],
                                                                        ws["finding_id"]}
    assert ids(await _list(client, **scoped, severity="grave")) == {a["id"]}
    assert ids(await _list(client, **scoped, shared=True)) == {b["id"]}
    assert ids(await _list(client, **scoped, fix_now=True)) == {c["id"]}
    assert ids(await _list(client, **scoped, org_id=ws["org_id"])) == mine
    assert ids(await _list(client, round_id=ws["round_id"], q="甲问题")) == {a["id"]}
    first = await _list(client, **scoped, limit=2)
    rest = await _list(client, **scoped, limit=2, offset=2)
    assert first["total"] == rest["total"] == 4 and len(first["items"]) == 2
    assert ids(first) | ids(rest) == mine
    bad = await client.get(f"{T}/findings", params={"severity": "catastrophic"})
    assert bad.status_code == 400 and CHINESE.search(bad.json()["message"])
    assert (await client.get(f"{T}/findings", params={"limit": 501})).status_code == 400


async def test_change_a_finding(client: Client, app: Litestar, database: Database,
                                tenant_ids: dict[str, int]) -> None:
    ws = await workspace(database, tenant_ids)
    finding = await _record(client, ws)
    url = f"{T}/findings/{finding['id']}"
    with plugged_in(app, EventRecorder({"ta.one"})) as recorder:
        changed = _ok(await client.patch(url, json={"shared": True, "severity": "grave",
                                                    "category": "discipline"}))
        same = _ok(await client.patch(url, json={"shared": True}))
    assert changed["shared"] is True and changed["severity_label"] == "严重"
    assert changed["category_label"] == "纪律建设" and same == changed
    (event,) = recorder.of("finding.changed")  # the no-op change emitted nothing
    assert (event.finding_id, event.shared, event.severity) == (finding["id"], True, "grave")
    (entry,) = await audit_entries(database, tenant_ids, "finding.update", finding["id"])
    assert entry["detail"]["changed"] == ["category", "severity", "shared"]
    for body, field in [({"category": "astrology"}, "category"),
                        ({"org_id": ws["org_id"]}, "org_id"),
                        ({"title": "t" * 201}, "title"), ({"fix_now": "yes"}, "fix_now")]:
        response = await client.patch(url, json=body)
        assert response.status_code == 400, response.text
        assert response.json()["errors"][0]["field"] == field
    row = await database.tenant(tenant_ids["ta.one"]).get(Finding, finding["id"])
    assert row is not None and row["category"] == "discipline" and row["title"] == "公车私用"
    assert (await client.get(f"{T}/findings/2147483000")).json()["message"] == "问题不存在"


class SpecialCategories:
    """A test plugin adding a finer category for a special inspection."""

    @hookimpl
    def xuncha_finding_categories(self) -> list[FindingCategory]:
        return [FindingCategory(code="special_fund", label="专项资金管理使用",
                                parent="anti_corruption")]


async def test_plugin_categories(client: Client, app: Litestar, database: Database,
                                 tenant_ids: dict[str, int]) -> None:
    ws = await workspace(database, tenant_ids)
    with plugged_in(app, SpecialCategories()):
        finding = await _record(client, ws, category="special_fund")
        assert finding["category_label"] == "专项资金管理使用"
    refused = await client.post(f"{T}/inspections/{ws['inspection_id']}/findings",
                                json=_body(ws, category="special_fund"))
    assert refused.status_code == 400
    assert refused.json()["errors"][0]["message"] == "未知的问题类别：special_fund"
    # Without the plugin the recorded finding still reads, labelled by its code.
    assert _ok(await client.get(f"{T}/findings/{finding['id']}"))["category_label"] == (
        "special_fund")


async def test_stage_gates(client: Client, database: Database,
                           tenant_ids: dict[str, int]) -> None:
    ws = await workspace(database, tenant_ids, stage="briefing")
    url = f"{T}/inspections/{ws['inspection_id']}/findings"
    early = await client.post(url, json=_body(ws))
    assert early.status_code == 409 and "不能登记问题" in early.json()["message"]
    await set_stage(database, tenant_ids, ws["inspection_id"], "feedback")
    finding = await _record(client, ws, title="反馈环节补充")
    await set_stage(database, tenant_ids, ws["inspection_id"], "referral")
    late = await client.post(url, json=_body(ws))
    assert late.status_code == 409 and late.json()["errors"][0]["field"] == "stage"
    await set_stage(database, tenant_ids, ws["inspection_id"], "rectifying")
    shared = _ok(await client.patch(f"{T}/findings/{finding['id']}", json={"shared": True}))
    assert shared["shared"] is True
    await set_stage(database, tenant_ids, ws["inspection_id"], "archived")
    frozen = await client.patch(f"{T}/findings/{finding['id']}", json={"shared": False})
    assert frozen.status_code == 409


@pytest.fixture(scope="module")
async def two_targets(database: Database, tenant_ids: dict[str, int]) -> dict[str, Any]:
    """A workspace whose inspection also targets T01, with a paper about T01."""
    ws = await workspace(database, tenant_ids)
    session = database.tenant(tenant_ids["ta.one"])
    orgs = await session.list(Org, limit=None)
    ws["township"] = next(o["id"] for o in orgs if o["code"] == "T01")
    ws["village"] = next(o["id"] for o in orgs if o["code"] == "T01V001")
    await session.insert(InspectionTarget, [{"inspection_id": ws["inspection_id"],
                                             "org_id": ws["township"]}])
    (ws["township_paper"],) = await session.insert(WorkingPaper, [{
        "inspection_id": ws["inspection_id"], "org_id": ws["township"], "number": "TP-1",
        "title": "乡镇底稿", "paper_date": date(2026, 4, 1), "source": "visit", "summary": "摘要",
        "author": "seed"}])
    ws["foreign_paper"] = (await workspace(database, tenant_ids))["paper_id"]
    other = await database.tenant(tenant_ids["tb"]).list(Org, limit=1)
    ws["other_tenant_org"] = other[0]["id"]
    return ws


@pytest.mark.parametrize(
    ("change", "status", "field", "text"),
    [
        ({"category": "astrology"}, 400, "category", "未知的问题类别"),
        ({"category": ""}, 400, "category", None),
        ({"org_id": "{village}"}, 400, "org_id", "不是本次巡察的被巡察对象"),
        ({"org_id": "{other_tenant_org}"}, 400, "org_id", "不是本次巡察的被巡察对象"),
        ({"paper_id": "{foreign_paper}"}, 400, "paper_id", "不属于本次巡察"),
        ({"paper_id": 2147483000}, 400, "paper_id", "不属于本次巡察"),
        ({"paper_id": "{township_paper}"}, 400, "paper_id", "所属单位与问题所属单位不一致"),
        ({"paper_id": 0}, 400, "paper_id", None),
        ({"severity": "fatal"}, 400, "severity", None),
        ({"source": "dream"}, 400, "source", None),
        ({"title": "t" * 201}, 400, "title", "长度不能超过 200 个字符"),
        ({"description": "d" * 20001}, 400, "description", None),
        ({"fix_now": "yes"}, 400, "fix_now", None),
        ({"recorded_by": "x"}, 400, "recorded_by", "包含未知字段"),
    ],
)
async def test_bad_input_is_refused_and_changes_nothing(
    client: Client, database: Database, tenant_ids: dict[str, int], two_targets: dict[str, Any],
    change: dict[str, Any], status: int, field: str, text: str | None,
) -> None:
    ws = two_targets
    change = {k: ws[v[1:-1]] if isinstance(v, str) and v.startswith("{") else v
              for k, v in change.items()}
    session = database.tenant(tenant_ids["ta.one"])
    before = await session.count(Finding, {"inspection_id": ws["inspection_id"]})
    response = await client.post(f"{T}/inspections/{ws['inspection_id']}/findings",
                                 json=_body(ws) | change)
    assert response.status_code == status, response.text
    error = response.json()["errors"][0]
    assert error["field"] == field and CHINESE.search(error["message"])
    if text:
        assert text in error["message"]
    assert await session.count(Finding, {"inspection_id": ws["inspection_id"]}) == before


async def test_a_second_target_and_its_paper(client: Client, two_targets: dict[str, Any]) -> None:
    ws = two_targets
    finding = await _record(client, ws, org_id=ws["township"], paper_id=ws["township_paper"])
    assert finding["org_name"] == "东风镇" and finding["paper_id"] == ws["township_paper"]
