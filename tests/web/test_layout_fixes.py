"""The layout everywhere: error pages know who is signed in, labels not field names,
the icon, and one sign-in cookie per deployment."""

from __future__ import annotations

from litestar import Litestar
from litestar.testing import AsyncTestClient

from core.identity.sessions import COOKIE, cookie_name
from core.web.errors import field_label
from tests.identity.helpers import browser, grant, new_account, signed_in

Client = AsyncTestClient[Litestar]
HTML = {"Accept": "text/html"}


async def test_router_level_404_and_405_show_the_account_and_its_tenants(
        app: Litestar, client: Client, database: object) -> None:
    account = await new_account(database, name="错页测试员")  # type: ignore[arg-type]
    await grant(app, client, account.username, "office_staff", "ta")
    async with browser(app, client) as web:
        await signed_in(web, account.username)
        for method, path, status in [("GET", "/no/such/page", 404),
                                     ("GET", "/t/ta/no-such-page", 404),
                                     ("DELETE", "/t/ta/", 405)]:
            page = await web.request(method, path, headers=HTML)
            assert page.status_code == status, (path, page.text)
            assert "错页测试员" in page.text and 'href="/login"' not in page.text
            assert 'value="ta"' in page.text  # the tenant switcher is filled
        inside = await web.get("/t/ta/no-such-page", headers=HTML)
        assert 'href="/t/ta/rounds"' in inside.text  # the tenant's menu
    async with browser(app, client) as anonymous:
        page = await anonymous.get("/no/such/page", headers=HTML)
        assert page.status_code == 404 and 'href="/login"' in page.text
        assert 'value="ta"' not in page.text


async def test_a_400_page_names_fields_in_chinese(client: Client) -> None:
    page = await client.get("/t/ta/ledger?round_id=abc", headers=HTML)
    assert page.status_code == 400, page.text
    assert "轮次：应为正整数编号" in page.text and "round_id" not in page.text
    as_json = await client.get("/t/ta/ledger?round_id=abc")
    assert as_json.json()["errors"][0]["field"] == "round_id"  # programs keep the names


def test_field_labels() -> None:
    assert field_label("round_id") == "轮次"
    assert field_label("persons[1].name") == "涉及人员第 2 项·名称"
    assert field_label("made_up") == "made_up"
    assert field_label(None) == "请求"


async def test_the_icon_is_served_and_linked(client: Client) -> None:
    icon = await client.get("/favicon.ico")
    assert icon.status_code == 200 and icon.headers["content-type"].startswith("image/svg")
    assert (await client.get("/static/favicon.svg")).status_code == 200
    home = await client.get("/t/ta/", headers=HTML)
    assert 'rel="icon" href="/static/favicon.svg"' in home.text


def test_each_port_has_its_own_cookie() -> None:
    assert cookie_name(COOKIE, 8000) == "xuncha_session"
    names = {cookie_name(COOKIE, port) for port in (8000, 8001, 8002)}
    assert len(names) == 3


async def test_sign_in_sets_the_cookie_of_the_port(app: Litestar, client: Client,
                                                   database: object) -> None:
    account = await new_account(database)  # type: ignore[arg-type]
    settings = app.state.runtime.settings
    object.__setattr__(settings, "port", 8001)
    try:
        async with browser(app, client) as web:
            await signed_in(web, account.username)
            assert web.cookies.get("xuncha_session_8001")
            assert web.cookies.get(COOKIE) is None
            me = await web.get("/api/me")
            assert me.status_code == 200
            # A cookie of the deployment on :8000 means nothing here.
            web.cookies.set(COOKIE, web.cookies.get("xuncha_session_8001") or "")
            web.cookies.delete("xuncha_session_8001")
            assert (await web.get("/api/me")).status_code == 401
    finally:
        object.__setattr__(settings, "port", 8000)
