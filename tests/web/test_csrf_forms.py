"""Pages signed in on the web: forms carry the CSRF token, htmx sends it, both work."""

from __future__ import annotations

import re

from litestar import Litestar

from core.db import Database
from core.inspection.tables import Attachment, TeamMember, WorkingPaper
from tests.identity.helpers import browser, grant, new_account, signed_in
from tests.inspection.helpers import Client
from tests.inspection.seed import seed_inspection


async def test_a_signed_in_paper_page_posts_with_its_csrf_token(
    app: Litestar, client: Client, database: Database, tenant_ids: dict[str, int]
) -> None:
    ids = await seed_inspection(database, tenant_ids["ta.one"], "表单", stage="reporting")
    account = await new_account(database, "ta.one")
    await grant(app, client, account.username, "office_admin", "ta.one")
    # The office head leads this inspection's team: only its leader reviews and signs here.
    await database.tenant(tenant_ids["ta.one"]).update(
        TeamMember, {"inspection_id": ids["inspection_id"], "role": "leader"},
        {"person": account.username, "home_tenant": "ta.one"})
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
        # Who reviewed does not sign (separation of duties): a deputy reviewed it.
        await database.tenant(tenant_ids["ta.one"]).update(
            WorkingPaper, {"id": ids["paper_id"]}, {"reviewed_by": "表单.副组长"})
        htmx = await web.post(f"/t/ta.one/papers/{ids['paper_id']}/sign",
                              data={"remark": "同意", "_csrf": csrf},
                              headers={"X-CSRF-Token": csrf, "HX-Request": "true"})
        assert htmx.status_code == 200, htmx.text
        assert "组长已签字" in htmx.text


async def test_a_plain_multipart_upload_carries_its_token_in_the_action(
    app: Litestar, client: Client, database: Database, tenant_ids: dict[str, int]
) -> None:
    """Without JavaScript the upload form posts multipart with the token in its action's
    query: accepted with it, refused without it or with another, never read from the body."""
    ids = await seed_inspection(database, tenant_ids["ta.one"], "传件", stage="reporting")
    account = await new_account(database, "ta.one")
    await grant(app, client, account.username, "office_admin", "ta.one")
    pid = ids["paper_id"]
    session = database.tenant(tenant_ids["ta.one"])
    async with browser(app, client) as web:
        csrf = await signed_in(web, account.username)
        page = (await web.get(f"/t/ta.one/papers/{pid}")).text
        actions = re.findall(r'enctype="multipart/form-data" action="([^"]+)"', page)
        assert actions == [f"/t/ta.one/papers/{pid}/attachments?_csrf={csrf}"]
        url = f"/t/ta.one/papers/{pid}/attachments"
        before = await session.count(Attachment, {"owner_type": "working_paper",
                                                  "owner_id": pid})
        for refused_url, data in ((url, {}), (f"{url}?_csrf=forged", {}),
                                  (url, {"_csrf": csrf})):
            refused = await web.post(refused_url, data=data, files={
                "file": ("说明.txt", "说明".encode(), "text/plain")})
            assert refused.status_code == 403, (refused_url, refused.text)
            assert "请求校验失败" in refused.text
        assert await session.count(Attachment, {"owner_type": "working_paper",
                                                "owner_id": pid}) == before
        plain = await web.post(actions[0], files={
            "file": ("说明.txt", "走访记录".encode(), "text/plain")}, follow_redirects=False)
        assert plain.status_code == 303, plain.text
        assert plain.headers["location"] == f"/t/ta.one/papers/{pid}#attachments"
        assert await session.count(Attachment, {"owner_type": "working_paper",
                                                "owner_id": pid}) == before + 1
        # A refusal of a plain upload answers the whole page, its form still carrying the
        # token (an empty file field).
        empty = await web.post(actions[0], files={"file": ("", b"", "text/plain")})
        assert empty.status_code == 400 and "请选择要上传的文件" in empty.text
        assert f'attachments?_csrf={csrf}"' in empty.text
