"""The roster as .xlsx: export in the offices' columns, import with a row-by-row report of
refused rows and nothing half-imported, the round trip, the page and the CLI."""

from __future__ import annotations

import asyncio
import io
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from openpyxl import Workbook, load_workbook

from tests.conftest import REPO, RunDatabase
from tests.plugins.talent_pool.helpers import Client, ok, talent

B = "tp.b"
XUNCHA = str(Path(sys.executable).parent / "xuncha")
HEADERS = ["序号", "姓名", "人员编号", "性别", "出生年月", "政治面貌", "入党时间", "工作单位",
           "职务", "职级", "专业特长", "入库类别", "联系电话", "状态", "备注"]
EXPORT_HEADERS = [*HEADERS, "考核情况", "上挂下派"]


def workbook(rows: list[list[Any]], headers: list[str] = HEADERS) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def line(name: str, key: str = "", **cells: Any) -> list[Any]:
    values = {"姓名": name, "人员编号": key, "性别": "男", "出生年月": "1982.03",
              "政治面貌": "中共党员", "入党时间": "2006-07-01", "工作单位": "县审计局",
              "职务": "科员", "职级": "一级科员", "专业特长": "审计、财务会计",
              "入库类别": "巡察干部", "联系电话": "13700000000", **cells}
    return [values.get(h, "") for h in HEADERS]


async def upload(tc: Client, content: bytes, tenant: str = B) -> Any:
    return await tc.post(talent(tenant, "roster"), files={"file": ("名册.xlsx", content)})


async def total(tc: Client, tenant: str = B) -> int:
    return int(ok(await tc.get(talent(tenant, "persons")))["total"])


async def test_refused_rows_are_reported_one_by_one_and_nothing_is_imported(tc: Client
                                                                          ) -> None:
    before = await total(tc)
    bad = workbook([
        line("柏良好", "bo.good"),
        line("", "no.name"),
        line("鲁群众", "lu.masses", 政治面貌="群众"),
        line("韦专业", "wei.x", 专业特长="航天"),
        line("昌日期", "chang.d", 出生年月="八十年代"),
        line("马重复", "bo.good"),
    ])
    refused = await upload(tc, bad)
    assert refused.status_code == 400
    messages = [e["message"] for e in refused.json()["errors"]]
    assert all(e["field"] == "file" for e in refused.json()["errors"])
    assert messages == [
        "第 3 行（未填姓名）：姓名不能为空",
        "第 4 行（鲁群众）：政治面貌须为中共正式党员（特约巡察员除外）",
        "第 5 行（韦专业）：专业特长“航天”不在本机构的专业特长目录中",
        "第 6 行（昌日期）：出生年月“八十年代”不是日期（如 1980-05-01）",
        "第 7 行（马重复）：人员编号 bo.good 与第 2 行重复",
    ]
    assert await total(tc) == before  # the good row was not imported either


async def test_import_then_export_round_trip_and_update_by_key(tc: Client) -> None:
    good = workbook([line("花一", "hua.one"),
                     line("方二", "fang.two", 入库类别="巡察组长、专业人才",
                          出生年月="1979-11-02", 工作单位="县财政局")])
    assert ok(await upload(tc, good)) == {"added": 2, "updated": 0}
    roster = ok(await tc.get(talent(B, "persons"), params={"q": "方二"}))["items"][0]
    assert roster["status"] == "active" and roster["nomination_kind"] == "imported"
    assert roster["pool_labels"] == ["巡察组长", "专业人才"]
    record = ok(await tc.get(talent(B, f"persons/{roster['id']}")))
    assert record["home_org_id"] is not None and record["birth_date"] == "1979-11-02"
    exported = await tc.get(talent(B, "roster"))
    assert exported.status_code == 200
    assert exported.headers["content-type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    sheet = load_workbook(io.BytesIO(exported.content)).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == EXPORT_HEADERS and EXPORT_HEADERS[:len(HEADERS)] == HEADERS
    fang = next(r for r in rows if r[1] == "方二")
    assert fang[2] == "fang.two" and fang[10] == "审计、财务会计" and fang[13] == "在库"
    # The export imports back unchanged; an edited row updates its person.
    assert ok(await upload(tc, exported.content)) == {"added": 0, "updated": len(rows) - 1}
    edited = workbook([line("方二", "fang.two", 职务="副科长", 入库类别="巡察组长")])
    assert ok(await upload(tc, edited)) == {"added": 0, "updated": 1}
    assert ok(await tc.get(talent(B, f"persons/{roster['id']}")))["post"] == "副科长"


async def test_unreadable_files_and_missing_columns(tc: Client) -> None:
    junk = await upload(tc, b"not a workbook")
    assert junk.status_code == 400 and "请上传 Excel（.xlsx）格式" in junk.text
    headless = await upload(tc, workbook([["甲"]], headers=["名字"]))
    assert headless.status_code == 400 and "名册缺少列：姓名、入库类别" in headless.text
    empty = await upload(tc, workbook([]))
    assert empty.status_code == 400 and "名册中没有人员" in empty.text
    as_json = await tc.post(talent(B, "roster"), json={"file": "x"})
    assert as_json.status_code == 400


async def test_the_import_page(tc: Client) -> None:
    page = await tc.get(f"/t/{B}/talent/import")
    assert page.status_code == 200 and "导入人才库名册" in page.text and "入库类别" in page.text
    refused = await tc.post(f"/t/{B}/talent/import", files={"file": (
        "名册.xlsx", workbook([line("余页面", "yu.page", 入库类别="贵宾")]))})
    assert refused.status_code == 400
    assert ("第 2 行（余页面）：入库类别“贵宾”应为巡察干部、巡察组长、专业人才、特约巡察员"
            in refused.text)
    assert "名册未导入" in refused.text
    done = await tc.post(f"/t/{B}/talent/import", files={"file": (
        "名册.xlsx", workbook([line("余页面", "yu.page")]))})
    assert done.status_code == 200 and "导入完成：新增入库 1 人，更新 0 人。" in done.text
    assert f'href="/t/{B}/api/talent/roster"' in page.text
    download = await tc.get(f"/t/{B}/api/talent/roster")
    assert download.status_code == 200 and download.content[:2] == b"PK"


async def test_the_cli_imports_and_exports(tmp_path: Path, talent_db: RunDatabase, tc: Client
                                           ) -> None:
    """The commands run while the app's loop goes on (a blocked loop would hold whatever
    SQLite write its background work had begun, and the command would find it locked)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("XUNCHA_")}
    env.update(XUNCHA_HOME=str(tmp_path), XUNCHA_DATABASE_URL=talent_db.app_url,
               XUNCHA_DATABASE_ADMIN_URL=talent_db.admin_url)

    async def xuncha(*args: str) -> subprocess.CompletedProcess[str]:
        return await asyncio.to_thread(subprocess.run, [XUNCHA, *args], env=env,
                                       capture_output=True, text=True, timeout=120, cwd=REPO)

    good, bad = tmp_path / "good.xlsx", tmp_path / "bad.xlsx"
    good.write_bytes(workbook([line("范命令", "fan.cli")]))
    bad.write_bytes(workbook([line("范命令", "fan.cli", 入党时间="明年")]))
    refused = await xuncha("talent", "import", "--tenant", B, str(bad))
    assert refused.returncode == 1 and "第 2 行（范命令）：入党时间“明年”不是日期" in refused.stderr
    imported = await xuncha("talent", "import", "--tenant", B, str(good))
    assert imported.returncode == 0, imported.stderr
    assert "导入完成：新增入库 1 人" in imported.stdout
    out = tmp_path / "out.xlsx"
    exported = await xuncha("talent", "export", "--tenant", B, str(out))
    assert exported.returncode == 0, exported.stderr
    names = [r[1] for r in load_workbook(out).worksheets[0].iter_rows(values_only=True)]
    assert "范命令" in names
    unknown = await xuncha("talent", "export", "--tenant", "no.such", str(out))
    assert unknown.returncode == 2 and "机构 no.such 不存在" in unknown.stderr
