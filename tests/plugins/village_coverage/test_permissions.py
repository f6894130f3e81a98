"""Default policies: office staff plan and schedule, the leading group and a city supervisor
only read, nobody else gets in."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from typing import Any

from litestar import Litestar

from core.db import Database
from tests.plugins.village_coverage.helpers import Client, cov_api


async def as_role(coverage_app: Litestar, cov: Client, database: Database, role: str | None,
                  tenant: str) -> dict[str, str]:
    """Headers of a new account holding ``role`` in ``tenant`` (a token scoped to it)."""
    from core.identity.accounts import create_account
    from core.identity.tokens import create_token

    now = datetime.now(UTC)
    name = f"cov.{(role or 'none').replace('_', '')}.{secrets.token_hex(3)}"
    account = await create_account(database, name, "测试人员", tenant, "Coverage2026role",
                                   now=now, actor="test")
    if role:
        await coverage_app.state.runtime.authz.grant(name, role, tenant)
    tenant_id = (await database.fetch(
        f'SELECT "id" FROM "tenant" WHERE "code" = {database.dialect.mark(1)}', [tenant]))[0]["id"]
    made = await create_token(database, account_id=account.id, actor="test",
                              tenant_id=tenant_id, tenant_code=tenant, name="测试", days=30,
                              now=now)
    return {"Authorization": f"Bearer {made.token}"}


async def status(cov: Client, method: str, url: str, headers: dict[str, str],
                 body: Any = None) -> int:
    return (await cov.request(method, url, json=body, headers=headers)).status_code


async def test_who_may_read_plan_and_roll_up(coverage_app: Litestar, cov: Client,
                                             coverage_database: Database) -> None:
    county, city = "vc.t", "vc"
    staff = await as_role(coverage_app, cov, coverage_database, "office_staff", county)
    group = await as_role(coverage_app, cov, coverage_database, "leading_group", county)
    nobody = await as_role(coverage_app, cov, coverage_database, None, county)
    supervisor = await as_role(coverage_app, cov, coverage_database, "city_supervisor", city)
    directives = cov_api(county, "directives")
    assert await status(cov, "GET", directives, staff) == 200
    assert await status(cov, "GET", directives, group) == 200
    assert await status(cov, "GET", directives, nobody) == 403
    # Planning: staff reach the handler (404: no such term), the leading group does not.
    propose = cov_api(county, "terms/999999/plan/propose")
    assert await status(cov, "POST", propose, staff) == 404
    assert await status(cov, "POST", propose, group) == 403
    create = cov_api(county, "terms/999999/plan/inspections")
    assert await status(cov, "POST", create, staff, {"slot": "2026-1"}) == 404
    assert await status(cov, "POST", create, group, {"slot": "2026-1"}) == 403
    assert await status(cov, "GET", cov_api(city, "counties"), supervisor) == 200
    assert await status(cov, "POST", cov_api(city, "directives"), supervisor,
                        {"county": county, "kind": "elevated", "title": "x",
                         "village_codes": ["T01V001"]}) == 403
