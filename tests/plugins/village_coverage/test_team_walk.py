"""An inspection created from the coverage plan leaves 拟定计划 through the pages alone:
its dates set on the edit form, its team formed on the team page, its team authorised."""

from __future__ import annotations

from datetime import date
from typing import Any

from tests.plugins.village_coverage.helpers import (
    Client,
    api,
    cov_api,
    new_round,
    new_term,
    ok,
)

P = "vc.p"
HTMX = {"HX-Request": "true"}


async def test_a_planned_inspection_of_the_coverage_plan_is_authorised_in_the_browser(
    cov: Client, today: Any
) -> None:
    await today(date(2061, 1, 5))
    term = await new_term(cov, P, "2061-01-01", "2065-12-31", "第九届")
    ok(await cov.post(cov_api(P, f"terms/{term['id']}/plan/propose")))
    round_ = await new_round(cov, P, term["id"], 2061, 1)
    ok(await cov.post(cov_api(P, f"terms/{term['id']}/plan/inspections"),
                      json={"slot": "2061-1"}), 201)
    listed = ok(await cov.get(api(P, "inspections"), params={"round_id": round_["id"]}))
    insp = next(i for i in listed["items"] if len(i["targets"]) > 1)  # a township + villages
    iid, base = insp["id"], f"/t/{P}/inspections/{insp['id']}"
    page = (await cov.get(base)).text
    assert f'href="{base}/team"' in page and f'href="{base}/edit"' in page
    # the planned dates, the targets kept as the planner chose them
    edit = (await cov.get(f"{base}/edit")).text
    picked = [str(t["org_id"]) for t in insp["targets"]]
    assert all(f'value="{org_id}" checked' in edit for org_id in picked)
    saved = await cov.post(f"{base}/edit", data={
        "title": insp["title"], "team_name": "第一巡察组", "onsite_start": "2061-03-01",
        "onsite_end": "2061-04-15", "org_ids": picked}, headers=HTMX)
    assert saved.status_code == 200 and saved.headers["HX-Redirect"] == base
    # the team: a leader and a member, both with their recusal declarations
    for person, name, role in (("zhang.zu", "张组长", "leader"), ("li.zu", "李组员", "member")):
        added = await cov.post(f"{base}/team", data={
            "person": person, "name": name, "role": role, "recusal_declared": "on"},
            headers=HTMX)
        assert added.status_code == 200, added.text
    ready = (await cov.get(f"{base}/team")).text
    assert "授权巡察组，转入“组建授权”" in ready
    moved = await cov.post(f"{base}/stage", data={"to": "authorized", "remark": "领导小组同意"},
                           follow_redirects=False)
    assert moved.status_code == 303
    after = ok(await cov.get(api(P, f"inspections/{iid}")))
    assert after["stage"] == "authorized" and after["notice_due"] is not None
    assert len(after["targets"]) == len(picked)
    team = ok(await cov.get(api(P, f"inspections/{iid}/team")))
    assert all(m["authorized_at"] for m in team) and len(team) == 2
