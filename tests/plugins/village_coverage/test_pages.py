"""The pages: the county's progress and planner (``vc.w``: 2 departments, township T01 with
4 villages), the city's roll-up with its charts, and their forms."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from tests.plugins.village_coverage.helpers import (
    Client,
    cov_api,
    eventually,
    new_term,
    ok,
    org_ids,
)

W, CITY = "vc.w", "vc"


def page(response: Any, status: int = 200) -> str:
    assert response.status_code == status, response.text[:2000]
    return str(response.text)


async def post_form(cov: Client, path: str, data: dict[str, Any]) -> Any:
    return await cov.post(path, data=data, follow_redirects=False)


async def test_county_pages_propose_adjust_and_classify(cov: Client, today: Any) -> None:
    await today(date(2027, 3, 1))
    empty = page(await cov.get(f"/t/{W}/coverage"))
    assert "尚未设立届" in empty and "村（居）巡察全覆盖" in empty
    assert "尚未设立届" in page(await cov.get(f"/t/{W}/coverage/plan"))
    term = await new_term(cov, W, "2026-01-01", "2030-12-31")
    progress = page(await cov.get(f"/t/{W}/coverage"))
    assert "0/4 = 0.0%" in progress and "0/3 = 0.0%" in progress
    assert "可能无法在本届内覆盖的对象（7）" in progress and "未列入剩余轮次计划" in progress
    home = page(await cov.get(f"/t/{W}/"))
    assert 'href="/t/vc.w/coverage"' in home and "全覆盖规划" in home

    planner = page(await cov.get(f"/t/{W}/coverage/plan", params={"term_id": term["id"]}))
    assert "按规则生成建议方案" in planner and "2027年第1轮" in planner
    done = await post_form(cov, f"/t/{W}/coverage/plan/propose", {"term_id": term["id"]})
    assert done.status_code == 303
    assert done.headers["location"] == f"/t/{W}/coverage/plan?term_id={term['id']}&done=propose"
    shown = page(await cov.get(done.headers["location"]))
    assert "已按规则生成建议方案" in shown and "尚未新建该轮次" in shown

    # Grouped by township and collapsed; one round select per group, not one per row.
    groups = re.findall(r'<details class="township">\s*<summary>([^<]*)<', shown)
    names = [g.strip() for g in groups]
    assert "T01镇" in names and "县直部门和单位" in names
    ticks = len(re.findall(r'<input type="checkbox" name="org_id"', shown))
    slot_selects = len(re.findall(r'<select name="slot"', shown))
    assert ticks >= 7 and 0 < slot_selects <= len(groups) < ticks

    (village,) = await org_ids(cov, W, "T01V002")
    moved = await post_form(cov, f"/t/{W}/coverage/plan/entries",
                            {"term_id": term["id"], "org_id": village, "slot": "2028-2"})
    assert moved.status_code == 303
    # A township's ticked rows move together (巡镇带村).
    together = await org_ids(cov, W, "T01", "T01V001", "T01V003")
    bulk = await post_form(cov, f"/t/{W}/coverage/plan/entries",
                           {"term_id": term["id"], "org_id": together, "slot": "2029-1"})
    assert bulk.status_code == 303, bulk.text
    plan = ok(await cov.get(cov_api(W, f"terms/{term['id']}/plan")))
    slots = {o["code"]: s["code"] for s in plan["slots"] for o in s["orgs"]}
    assert [slots[c] for c in ("T01", "T01V001", "T01V003")] == ["2029-1"] * 3
    none = await post_form(cov, f"/t/{W}/coverage/plan/entries",
                           {"term_id": term["id"], "slot": "2029-1"})
    assert "缺少必填字段" in page(none, 400)
    plan = ok(await cov.get(cov_api(W, f"terms/{term['id']}/plan")))
    assert {o["code"]: s["code"] for s in plan["slots"] for o in s["orgs"]}["T01V002"] == "2028-2"
    refused = await post_form(cov, f"/t/{W}/coverage/plan/entries",
                              {"term_id": term["id"], "org_id": village, "slot": "2026-1"})
    assert "2026年第1轮已结束，不能再安排" in page(refused, 400)

    classified = await post_form(cov, f"/t/{W}/coverage/targets", {
        "term_id": term["id"], "org_id": village, "classification": "watch", "mode": ""})
    assert classified.status_code == 303
    targets = ok(await cov.get(cov_api(W, f"terms/{term['id']}/targets")))
    assert {t["code"]: t["mode"] for t in targets}["T01V002"] == "township_discipline"
    wrong = await post_form(cov, f"/t/{W}/coverage/targets", {
        "term_id": term["id"], "org_id": village, "classification": "vip"})
    assert "分类应为重点村、关注村或一般村" in page(wrong, 400)
    create = await post_form(cov, f"/t/{W}/coverage/plan/inspections",
                             {"term_id": term["id"], "slot": "2027-1"})
    assert "请先在“巡察轮次”中新建2027年第1轮" in page(create, 409)
    assert (await post_form(cov, f"/t/{W}/coverage/plan/propose",
                            {"term_id": 999999})).status_code == 404


async def test_the_city_sees_a_table_and_charts_and_directs_a_county(cov: Client,
                                                                     today: Any) -> None:
    await today(date(2027, 3, 1))

    async def reported() -> str | None:
        text = page(await cov.get(f"/t/{CITY}/coverage/counties"))
        return text if "覆盖丙县委巡察办" in text and "0/4 = 0.0%" in text else None

    text = await eventually(reported, what="vc.w's report at the city")
    assert text is not None
    assert '<svg class="chart"' in text and "各县（市、区）巡察覆盖率" in text
    assert '<svg class="spark"' in text and "全市巡察全覆盖汇总" in text
    assert "/coverage/counties/vc.off" not in text  # it does not use the plugin
    assert re.search(r"<tfoot><tr><th>合计</th>", text)
    home = page(await cov.get(f"/t/{CITY}/"))
    assert 'href="/t/vc/coverage/counties"' in home and "全覆盖规划" not in home

    detail = page(await cov.get(f"/t/{CITY}/coverage/counties/{W}"))
    assert "T01V001" in detail and "下发全覆盖工作指示" in detail
    assert (await cov.get(f"/t/{CITY}/coverage/counties/vs.a")).status_code == 404
    bad = await post_form(cov, f"/t/{CITY}/coverage/directives", {
        "county": W, "kind": "elevated", "title": "提级", "village_codes": "NOPE"})
    assert "不是该县（市、区）报送的村（社区）" in page(bad, 400)
    # A blank title is refused in Chinese beside its field, never in msgspec's English.
    blank = page(await post_form(cov, f"/t/{CITY}/coverage/directives", {
        "county": W, "kind": "elevated", "title": "  ", "village_codes": "T01V001"}), 400)
    assert re.search(r'<div class="field wide invalid">\s*<label for="f-title">标题', blank)
    assert 'id="e-title">缺少必填字段</small>' in blank
    assert "Expected" not in blank and "$." not in blank and "填写有误" not in blank
    assert "T01V001</textarea>" in blank  # what was typed stays
    long_code = page(await post_form(cov, f"/t/{CITY}/coverage/directives", {
        "county": W, "kind": "elevated", "title": "提级", "village_codes": "X" * 65}), 400)
    assert 'id="e-village_codes">长度不能超过 64 个字符</small>' in long_code
    fragment = await cov.post(f"/t/{CITY}/coverage/directives", data={
        "county": W, "kind": "elevated", "village_codes": "T01V001"},
        headers={"HX-Request": "true"})
    assert fragment.status_code == 400 and "<html" not in fragment.text
    assert fragment.text.lstrip().startswith('<form class="form" id="directive-form"')
    assert 'id="e-title">缺少必填字段</small>' in fragment.text
    sent = await post_form(cov, f"/t/{CITY}/coverage/directives", {
        "county": W, "kind": "priority", "title": "优先巡察的村", "village_codes":
        "T01V003，T01V004", "body": "群众反映集中"})
    assert sent.status_code == 303, sent.text
    listed = page(await cov.get(sent.headers["location"]))
    assert "已下发全覆盖工作指示" in listed and "优先巡察的村" in listed

    async def arrived() -> str | None:
        text = page(await cov.get(f"/t/{W}/coverage"))
        return text if "优先巡察的村" in text else None

    county_page = await eventually(arrived, what="the directive in the county")
    assert county_page is not None
    directive_id = re.search(r"/coverage/directives/(\d+)/apply", county_page)
    assert directive_id is not None
    applied = await post_form(cov, f"/t/{W}/coverage/directives/{directive_id[1]}/apply", {})
    assert applied.status_code == 303
    assert "已应用上级指示" in page(await cov.get(applied.headers["location"]))
    progress = ok(await cov.get(cov_api(W, "progress")))
    villages = next(p for p in progress["populations"] if p["code"] == "villages")
    assert {c["code"]: c["total"] for c in villages["by_class"]}["key"] == 2
    assert (await cov.get(f"/t/{W}/coverage/counties")).status_code == 403
