"""The finding pages: record a finding citing its paper, read and edit it; refusals by field."""

from __future__ import annotations

import itertools
import re
from datetime import date
from typing import Any

from litestar import Litestar

from core.db import Database
from core.inspection.tables import Finding, Inspection, InspectionTarget, WorkingPaper
from core.tenancy.tables import Org
from tests.conftest import acting_as
from tests.inspection.paper_steps import Client
from tests.inspection.seed import seed_inspection

T = "ta.one"
HTMX = {"HX-Request": "true"}
_years = itertools.count(2500)
_ENGLISH = re.compile(r"Expected|Object missing|Validation failed|Invalid enum|required field")


async def _seed(database: Database, tenant_ids: dict[str, int], marker: str,
                stage: str = "onsite", tenant: str = T) -> dict[str, Any]:
    return await seed_inspection(database, tenant_ids[tenant], marker, stage=stage,
                                 year=next(_years))


def _field_error(html: str, field: str, text: str) -> None:
    match = re.search(rf'<small class="field-error" id="e-(?:paper-|finding-|clue-)?{field}">'
                      r'([^<]*)</small>', html)
    assert match is not None, (field, html[:3000])
    assert text in match[1], (field, match[1])
    assert not _ENGLISH.search(html)


def _form(seeded: dict[str, Any], **extra: str) -> dict[str, str]:
    return {"title": "违规收受礼金", "org_id": str(seeded["org_id"]), "category": "discipline",
            "severity": "serious", "source": "petition", "paper_id": str(seeded["paper_id"]),
            "description": "春节期间收受管理服务对象礼金。", "fix_now": "on", **extra}


async def _findings(database: Database, tenant_ids: dict[str, int], inspection_id: int
                    ) -> list[dict[str, Any]]:
    return await database.tenant(tenant_ids[T]).list(
        Finding, {"inspection_id": inspection_id}, order_by=("id",), limit=None)


async def test_recording_a_finding(client: Client, database: Database,
                                   tenant_ids: dict[str, int]) -> None:
    seeded = await _seed(database, tenant_ids, "问新")
    iid = seeded["inspection_id"]
    page = (await client.get(f"/t/{T}/inspections/{iid}")).text
    assert "<summary>登记问题</summary>" in page and "较重" in page
    assert f'href="/t/{T}/findings/{seeded["finding_id"]}">问新问题</a>' in page
    own = await client.get(f"/t/{T}/inspections/{iid}/findings/new")
    assert own.status_code == 200 and "<h1>登记问题</h1>" in own.text
    assert f'<option value="{seeded["paper_id"]}">问新-001 问新底稿</option>' in own.text
    url = f"/t/{T}/inspections/{iid}/findings"
    made = await client.post(url, data=_form(seeded), headers=HTMX)
    assert made.status_code == 200, made.text
    row = (await _findings(database, tenant_ids, iid))[-1]
    assert made.headers["HX-Redirect"] == f"/t/{T}/findings/{row['id']}"
    assert row["paper_id"] == seeded["paper_id"] and row["severity"] == "serious"
    assert row["fix_now"] and not row["shared"] and row["recorded_by"] == "tester"
    shown = (await client.get(f"/t/{T}/findings/{row['id']}")).text
    assert "<h1>违规收受礼金</h1>" in shown and "较重" in shown and "受理信访" in shown
    assert f'href="/t/{T}/papers/{seeded["paper_id"]}">问新-001 问新底稿</a>' in shown
    assert "立行立改" in shown and "<summary>修改问题</summary>" in shown
    plain = await client.post(url, data=_form(seeded, paper_id="", fix_now=""),
                              follow_redirects=False)
    assert plain.status_code == 303
    row = (await _findings(database, tenant_ids, iid))[-1]
    assert row["paper_id"] is None and not row["fix_now"]


async def test_finding_refusals_beside_their_fields(client: Client, database: Database,
                                                    tenant_ids: dict[str, int]) -> None:
    seeded = await _seed(database, tenant_ids, "问拒")
    iid = seeded["inspection_id"]
    session = database.tenant(tenant_ids[T])
    url = f"/t/{T}/inspections/{iid}/findings"
    before = len(await _findings(database, tenant_ids, iid))
    blank = await client.post(url, data=_form(seeded, title=""), headers=HTMX)
    assert blank.status_code == 400 and 'id="finding-new"' in blank.text
    _field_error(blank.text, "title", "缺少必填字段")
    category = await client.post(url, data=_form(seeded, category="nonesuch"), headers=HTMX)
    assert category.status_code == 400
    _field_error(category.text, "category", "未知的问题类别")
    severity = await client.post(url, data=_form(seeded, severity="mild"), headers=HTMX)
    _field_error(severity.text, "severity", "取值无效")
    # a paper of another org of the inspection does not document this finding
    others = await session.list(Org, limit=None)
    targets = {r["org_id"] for r in await session.list(InspectionTarget,
                                                       {"inspection_id": iid}, limit=None)}
    second = next(o["id"] for o in others if o["id"] not in targets and o["kind"] != "village")
    await session.insert(InspectionTarget, [{"inspection_id": iid, "org_id": second}])
    (elsewhere,) = await session.insert(WorkingPaper, [{
        "inspection_id": iid, "org_id": second, "number": "问拒-002", "title": "另一单位",
        "paper_date": date(2026, 4, 2), "source": "interview", "summary": "x", "author": "seed"}])
    wrong_org = await client.post(url, data=_form(seeded, paper_id=str(elsewhere)),
                                  headers=HTMX)
    assert wrong_org.status_code == 400
    _field_error(wrong_org.text, "paper_id", "底稿所属单位与问题所属单位不一致")
    whole = await client.post(url, data=_form(seeded, source=""))
    assert whole.status_code == 400 and "<h1>登记问题</h1>" in whole.text
    _field_error(whole.text, "source", "缺少必填字段")
    assert len(await _findings(database, tenant_ids, iid)) == before
    late = await _seed(database, tenant_ids, "问迟", stage="rectifying")
    refused = await client.post(f"/t/{T}/inspections/{late['inspection_id']}/findings",
                                data=_form(late), headers=HTMX)
    assert refused.status_code == 409 and "不能登记问题" in refused.text
    assert "<summary>登记问题</summary>" not in (
        await client.get(f"/t/{T}/inspections/{late['inspection_id']}")).text


async def test_editing_a_finding(client: Client, database: Database,
                                 tenant_ids: dict[str, int]) -> None:
    seeded = await _seed(database, tenant_ids, "问改", stage="rectifying")
    fid = seeded["finding_id"]
    url = f"/t/{T}/findings/{fid}"
    data = {"title": "问改问题（补充）", "category": "work_style", "severity": "grave",
            "description": "补充描述", "shared": "on"}
    edited = await client.post(url, data=data, headers=HTMX)
    assert edited.status_code == 200 and edited.headers["HX-Redirect"] == url
    row = await database.tenant(tenant_ids[T]).get(Finding, fid)
    assert row is not None and row["category"] == "work_style" and row["severity"] == "grave"
    assert row["shared"] and not row["fix_now"] and row["title"] == "问改问题（补充）"
    refused = await client.post(url, data={**data, "title": "", "category": "nonesuch"},
                                headers=HTMX)
    assert refused.status_code == 400 and 'id="finding-edit"' in refused.text
    _field_error(refused.text, "title", "缺少必填字段")
    wrong = await client.post(url, data={**data, "category": "nonesuch"})
    assert wrong.status_code == 400 and "<html" in wrong.text
    _field_error(wrong.text, "category", "未知的问题类别")
    row = await database.tenant(tenant_ids[T]).get(Finding, fid)
    assert row is not None and row["category"] == "work_style"
    await database.tenant(tenant_ids[T]).update(Inspection, {"id": seeded["inspection_id"]},
                                                {"stage": "archived"})
    archived = (await client.get(url)).text
    assert "<summary>修改问题</summary>" not in archived
    closed = await client.post(url, data=data, headers=HTMX)
    assert closed.status_code == 409 and "不能修改问题" in closed.text


async def test_another_tenants_finding_is_unknown_here(
    client: Client, app: Litestar, database: Database, tenant_ids: dict[str, int]
) -> None:
    other = await _seed(database, tenant_ids, "问外", tenant="tb")
    for path in (f"/t/{T}/findings/{other['finding_id']}",
                 f"/t/{T}/inspections/{other['inspection_id']}/findings/new"):
        response = await client.get(path)
        assert response.status_code == 404
        assert not any(s in response.text for s in other["texts"])
    for path, data in ((f"/t/{T}/findings/{other['finding_id']}",
                        {"title": "越权", "category": "political", "severity": "general"}),
                       (f"/t/{T}/inspections/{other['inspection_id']}/findings",
                        _form(other))):
        for headers in (HTMX, {}):
            response = await client.post(path, data=data, headers=headers)
            assert response.status_code == 404, (path, response.text)
            assert not any(s in response.text for s in other["texts"])
    row = await database.tenant(tenant_ids["tb"]).get(Finding, other["finding_id"])
    assert row is not None and row["title"] == "问外问题"


async def test_the_units_liaison_reads_its_finding_only(
    client: Client, app: Litestar, database: Database, tenant_ids: dict[str, int]
) -> None:
    seeded = await _seed(database, tenant_ids, "问联", stage="rectifying")
    liaison, _ = await acting_as(app, client, database, "unit_liaison", T,
                                 scope=f"org:{seeded['org_id']}")
    page = await liaison.get(f"/t/{T}/findings/{seeded['finding_id']}")
    assert page.status_code == 200 and "<h1>问联问题</h1>" in page.text
    assert "已引用底稿 问联-001" in page.text and f"/papers/{seeded['paper_id']}" not in page.text
    assert "<summary>修改问题</summary>" not in page.text
    refused = await liaison.post(f"/t/{T}/findings/{seeded['finding_id']}",
                                 data={"title": "改", "category": "political",
                                       "severity": "general"})
    assert refused.status_code == 403
