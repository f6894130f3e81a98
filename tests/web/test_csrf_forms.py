"""Pages signed in on the web: forms carry the CSRF token, htmx sends it, both work."""

from __future__ import annotations

import re

from litestar import Litestar

from core.db import Database
from tests.identity.helpers import browser, grant, new_account, signed_in
from tests.inspection.helpers import Client
from tests.inspection.seed import seed_inspection


async def test_a_signed_in_paper_page_posts_with_its_csrf_token(
    app: Litestar, client: Client, database: Database, tenant_ids: dict[str, int]
) -> None:
    ids = await seed_inspection(database, tenant_ids["ta.one"], "表单", stage="reporting")
    account = await new_account(database, "ta.one")
    grant(app, client, account.username, "office_admin", "ta.one")
    async with browser(app, client) as web:
        csrf = await signed_in(web, account.username)
        page = await web.get(f"/t/ta.one/papers/{ids['paper_id']}")
        assert page.status_code == 200, page.text
        assert f'"X-CSRF-Token": "{csrf}"' in page.text  # htmx sends it from <body>
        fields = re.findall(r'name="_csrf" value="([^"]+)"', page.text)
        assert fields and set(fields) == {csrf}  # plain forms carry it too
        refused = await web.post(f"/t/ta.one/papers/{ids['paper_id']}/review",
                                 data={"remark": ""})
        assert refused.status_code == 403
        plain = await web.post(f"/t/ta.one/papers/{ids['paper_id']}/review",
                               data={"remark": "", "_csrf": csrf})
        assert plain.status_code in (200, 303), plain.text
        htmx = await web.post(f"/t/ta.one/papers/{ids['paper_id']}/sign",
                              data={"remark": "同意", "_csrf": csrf},
                              headers={"X-CSRF-Token": csrf, "HX-Request": "true"})
        assert htmx.status_code == 200, htmx.text
        assert "组长已签字" in htmx.text
