"""People of the pool: entry flow, eligibility rules as settings, leaving, the record's
audited reads and what a list shows."""

from __future__ import annotations

from typing import Any

from litestar import Litestar

from core.db import Database
from tests.conftest import acting_as
from tests.plugins.talent_pool.helpers import Client, ok, person, talent


async def test_a_nomination_passes_the_check_and_waits_for_the_leading_group(tc: Client
                                                                             ) -> None:
    made = await person(tc, approve=False, name="王审批")
    assert made["status"] == "pending" and made["eligibility"] == []
    assert made["status_label"] == "待领导小组审批"
    decided = ok(await tc.post(talent("tp.a", f"persons/{made['id']}/decision"),
                               json={"approve": True, "note": "经领导小组会议研究同意"}))
    assert decided["status"] == "active" and decided["status_label"] == "在库"
    again = await tc.post(talent("tp.a", f"persons/{made['id']}/decision"),
                          json={"approve": True})
    assert again.status_code == 409 and "不在待审批状态" in again.text


async def test_the_eligibility_rules_refuse_with_their_reasons(tc: Client,
                                                               settings_of: Any) -> None:
    masses = await person(tc, approve=False, name="李群众", political_status="masses")
    assert masses["status"] == "ineligible"
    assert "政治面貌须为中共正式党员（特约巡察员除外）" in masses["eligibility"]
    special = await person(tc, approve=False, name="赵特约", political_status="masses",
                           pools=["special"])
    assert special["status"] == "pending"
    young = await person(tc, approve=False, name="钱新党员", party_joined_on="2025-06-01")
    assert young["eligibility"] == ["党龄不足 2 年"]
    old = await person(tc, approve=False, name="孙年长", birth_date="1950-01-01")
    assert old["eligibility"] == ["年龄超过 58 周岁"]
    refused = await tc.post(talent("tp.a", f"persons/{old['id']}/decision"),
                            json={"approve": True})
    assert refused.status_code == 409 and "资格审查未通过" in refused.text
    # The rules are the tenant's: lifting the age limit makes the nomination eligible.
    await settings_of("tp.a", {"talent_max_age": 0})
    checked = ok(await tc.post(talent("tp.a", f"persons/{old['id']}/eligibility")))
    assert checked["status"] == "pending" and checked["eligibility"] == []


async def test_refusing_needs_a_reason_and_leaving_needs_one(tc: Client) -> None:
    made = await person(tc, approve=False, name="周否决")
    no_reason = await tc.post(talent("tp.a", f"persons/{made['id']}/decision"),
                              json={"approve": False})
    assert no_reason.status_code == 400 and "请写明理由" in no_reason.text
    refused = ok(await tc.post(talent("tp.a", f"persons/{made['id']}/decision"),
                               json={"approve": False, "note": "近期工作任务重"}))
    assert refused["status"] == "rejected"
    active = await person(tc, name="吴出库")
    short = await tc.post(talent("tp.a", f"persons/{active['id']}/leave"), json={"reason": "x"})
    assert short.status_code == 400
    left = ok(await tc.post(talent("tp.a", f"persons/{active['id']}/leave"),
                            json={"reason": "调离本县"}))
    assert left["status"] == "left"
    record = ok(await tc.get(talent("tp.a", f"persons/{active['id']}")))
    assert record["leave_reason"] == "调离本县" and record["left_on"]
    changed = await tc.patch(talent("tp.a", f"persons/{active['id']}"), json={"post": "科长"})
    assert changed.status_code == 409


async def test_self_nomination_puts_forward_the_account_itself(
        talent_app: Litestar, tc: Client, talent_database: Database) -> None:
    staff, username = await acting_as(talent_app, tc, talent_database, "office_staff", "tp.a")
    made = ok(await staff.post(talent("tp.a", "persons"), json={
        "name": "自荐人", "kind": "self", "person_key": "someone.else",
        "party_joined_on": "2001-01-01", "birth_date": "1985-01-01", "pools": ["general"]}),
        201)
    assert made["person_key"] == username and made["nomination_kind"] == "self"
    twice = await staff.post(talent("tp.a", "persons"), json={
        "name": "自荐人", "kind": "self", "pools": ["general"]})
    assert twice.status_code == 409 and "已在人才库中或正在审批" in twice.text
    # Office staff nominate; only the leading group (or the head) decides.
    refused = await staff.post(talent("tp.a", f"persons/{made['id']}/decision"),
                               json={"approve": True})
    assert refused.status_code == 403
    leading, _ = await acting_as(talent_app, tc, talent_database, "leading_group", "tp.a")
    ok(await leading.post(talent("tp.a", f"persons/{made['id']}/decision"),
                          json={"approve": True}))


async def test_specialties_are_the_base_list_and_the_offices_own(tc: Client,
                                                                 settings_of: Any) -> None:
    unknown = await tc.post(talent("tp.a", "persons"), json={
        "name": "郑生态", "pools": ["expert"], "specialties": ["生态环保"]})
    assert unknown.status_code == 400
    assert unknown.json()["errors"][0]["field"] == "specialties"
    assert "不在本机构的专业特长目录中" in unknown.text
    await settings_of("tp.a", {"talent_extra_specialties": "生态环保、教育医疗"})
    made = await person(tc, name="郑生态", pools=["expert"], specialties=["生态环保", "law"])
    assert made["specialty_labels"] == ["生态环保", "法律"]
    no_pool = await tc.post(talent("tp.a", "persons"), json={"name": "无类别", "pools": []})
    assert no_pool.status_code == 400 and "入库类别" in no_pool.text


async def test_lists_show_only_the_roster_and_reading_a_record_is_audited(
        talent_app: Litestar, tc: Client, talent_database: Database) -> None:
    made = await person(tc, name="冯保密", phone="13800001111", specialties=["audit"],
                        pools=["general", "expert"],
                        relations=[{"kind": "spouse", "name": "冯配偶", "unit": "县教育局"}])
    roster = ok(await tc.get(talent("tp.a", "persons"), params={"q": "冯保密"}))
    line = roster["items"][0]
    assert line["name"] == "冯保密" and line["pool_labels"] == ["巡察干部", "专业人才"]
    assert "phone" not in line and "birth_date" not in line and "relations" not in line
    assert "13800001111" not in str(roster)
    by_specialty = ok(await tc.get(talent("tp.a", "persons"),
                                   params={"specialty": "audit", "pool": "expert"}))
    assert [r["id"] for r in by_specialty["items"]] == [made["id"]]
    leading, username = await acting_as(talent_app, tc, talent_database, "leading_group",
                                        "tp.a")
    record = ok(await leading.get(talent("tp.a", f"persons/{made['id']}")))
    assert record["phone"] == "13800001111"
    assert record["relations"][0]["name"] == "冯配偶"
    assert record["relations"][0]["org_id"] is not None  # matched to the org 县教育局
    rows = await talent_database.fetch(
        'SELECT "actor", "action", "object_id" FROM "audit_entry" WHERE "action" = '
        f"{talent_database.dialect.mark(1)}", ["talent.record.read"])
    assert any(r["actor"] == username and str(r["object_id"]) == str(made["id"])
               for r in rows)


async def test_the_citys_supervisor_and_an_account_without_a_role_see_nothing(
        talent_app: Litestar, tc: Client, talent_database: Database) -> None:
    made = await person(tc, name="陈不可见")
    for role in ("city_supervisor", None):
        other, _ = await acting_as(talent_app, tc, talent_database, role, "tp.a")
        assert (await other.get(talent("tp.a", "persons"))).status_code == 403
        assert (await other.get(talent("tp.a", f"persons/{made['id']}"))).status_code == 403


async def test_another_tenants_person_is_unknown_and_a_disabled_tenant_is_refused(
        tc: Client) -> None:
    made = await person(tc, "tp.b", name="褚乙县")
    assert (await tc.get(talent("tp.a", f"persons/{made['id']}"))).status_code == 404
    assert "褚乙县" not in (await tc.get(talent("tp.a", "persons"))).text
    off = await tc.get(talent("tp.off", "persons"))
    assert off.status_code == 403 and "本机构未启用插件 talent_pool" in off.text


async def test_bad_input_is_refused_in_chinese_naming_the_field(tc: Client) -> None:
    made = await person(tc, name="卫校验")
    bad = await tc.post(talent("tp.a", f"persons/{made['id']}/history"), json={
        "kind": "work", "unit": "县财政局", "start_date": "2020-01-01",
        "end_date": "2019-01-01"})
    assert bad.status_code == 400 and bad.json()["errors"][0]["field"] == "end_date"
    future = await tc.post(talent("tp.a", "persons"), json={
        "name": "未来人", "pools": ["general"], "birth_date": "2999-01-01"})
    assert future.status_code == 400 and "出生日期不能晚于今天" in future.text
    wrong = await tc.post(talent("tp.a", "persons"), json={"name": "类别错", "pools": ["vip"]})
    assert wrong.status_code == 400 and "pools" in wrong.text
    missing = await tc.delete(talent("tp.a", f"persons/{made['id']}/relations/999999"))
    assert missing.status_code == 404 and "没有这条社会关系" in missing.text
