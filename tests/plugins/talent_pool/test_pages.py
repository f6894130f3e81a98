"""The pages: roster, nomination, a person's record with its forms, in Chinese, with
refusals beside their fields."""

from __future__ import annotations

from typing import Any

from tests.plugins.talent_pool.helpers import Client, ok, person, talent

A = "tp.a"


def page(response: Any, status: int = 200) -> str:
    assert response.status_code == status, response.text[:2000]
    return str(response.text)


async def post_form(tc: Client, path: str, data: dict[str, Any]) -> Any:
    return await tc.post(path, data=data, follow_redirects=False)


async def test_nominate_through_the_form_then_read_and_complete_the_record(tc: Client) -> None:
    home = page(await tc.get(f"/t/{A}/"))
    assert f'href="/t/{A}/talent"' in home and "巡察人才库" in home
    form = page(await tc.get(f"/t/{A}/talent/new"))
    assert "推荐入库" in form and "个人自荐" in form and "财务会计" in form
    refused = await post_form(tc, f"/t/{A}/talent", {"name": "", "pools": "general"})
    text = page(refused, 400)
    assert "未能保存" in text and 'aria-invalid="true"' in text
    made = await post_form(tc, f"/t/{A}/talent", {
        "kind": "nomination", "name": "蒋表单", "political_status": "cpc",
        "party_joined_on": "2003-07-01", "birth_date": "1979-03-02", "home_unit": "县财政局",
        "pools": ["general", "leader"], "specialties": ["finance", "audit"],
        "reason": "业务骨干"})
    assert made.status_code == 303
    location = made.headers["location"]
    assert location.startswith(f"/t/{A}/talent/") and location.endswith("?done=nominated")
    record = page(await tc.get(location))
    assert "蒋表单" in record and "资格审查已通过，待领导小组审批" in record
    assert "每次查阅均记入审计日志" in record and "领导小组审批" in record
    person_id = int(location.split("/")[-1].split("?")[0])
    base = f"/t/{A}/talent/{person_id}"

    bad_line = await post_form(tc, f"{base}/history", {
        "kind": "work", "unit": "县教育局", "start_date": "2021-01-01",
        "end_date": "2020-01-01"})
    assert "结束日期不能早于开始日期" in page(bad_line, 400)
    for kind, data in (("history", {"kind": "work", "unit": "县教育局", "post": "科员",
                                     "start_date": "2018-01-01", "end_date": "2022-06-30"}),
                       ("relations", {"kind": "spouse", "name": "蒋配偶", "unit": "县住建局"}),
                       ("availability", {"start_date": "2030-01-01",
                                         "end_date": "2030-12-31"})):
        added = await post_form(tc, f"{base}/{kind}", data)
        assert added.status_code == 303, added.text
    decided = await post_form(tc, f"{base}/decision", {"approve": "on", "note": "同意"})
    assert decided.status_code == 303
    shown = page(await tc.get(base))
    assert "在库" in shown and "蒋配偶" in shown and "2030-01-01" in shown
    assert "县教育局 · 科员" in shown and "办理出库" in shown

    edited = await post_form(tc, base, {"name": "蒋表单", "political_status": "cpc",
                                        "pools": ["general"], "post": "副科长",
                                        "party_joined_on": "2003-07-01",
                                        "birth_date": "1979-03-02"})
    assert edited.status_code == 303
    no_pool = await post_form(tc, base, {"name": "蒋表单", "political_status": "cpc"})
    assert "请至少选择一个入库类别" in page(no_pool, 400)
    record = ok(await tc.get(talent(A, f"persons/{person_id}")))
    assert record["post"] == "副科长" and record["pools"] == ["general"]
    line = record["history"][0]["id"]
    removed = await post_form(tc, f"{base}/history/{line}/delete", {})
    assert removed.status_code == 303
    assert ok(await tc.get(talent(A, f"persons/{person_id}")))["history"] == []
    no_reason = await post_form(tc, f"{base}/leave", {"reason": ""})
    assert page(no_reason, 400).count("field-error") >= 1
    left = await post_form(tc, f"{base}/leave", {"reason": "调任乡镇"})
    assert left.status_code == 303
    assert "调任乡镇" in page(await tc.get(base))


async def test_the_roster_filters_and_a_json_post_is_refused(tc: Client) -> None:
    await person(tc, name="沈名册", specialties=["petitions"], pools=["expert"])
    roster = page(await tc.get(f"/t/{A}/talent", params={"specialty": "petitions"}))
    assert "沈名册" in roster and "信访" in roster and "专业人才" in roster
    none = page(await tc.get(f"/t/{A}/talent", params={"q": "不存在的名字"}))
    assert "没有符合条件的人员" in none
    as_json = await tc.post(f"/t/{A}/talent", json={"name": "接口"})
    assert as_json.status_code == 400 and "请通过页面表单提交" in as_json.text
