"""The Chinese web pages: layout, tenant home, search, errors; nothing from the internet."""

from __future__ import annotations

import re

from litestar import Litestar
from litestar.testing import AsyncTestClient

Client = AsyncTestClient[Litestar]


async def test_index_opens_the_first_top_level_tenant(client: Client) -> None:
    response = await client.get("/", follow_redirects=False)
    assert response.status_code in (301, 302, 303, 307)
    assert response.headers["location"].endswith("/t/ta/")


async def test_tenant_home_is_a_desk_and_the_org_directory_has_its_page(client: Client) -> None:
    response = await client.get("/t/ta.one/")
    assert response.status_code == 200
    html = response.text
    assert '<html lang="zh-CN">' in html
    assert "甲一县委巡察办" in html and "县级巡察机构" in html and "我的工作台" in html
    assert "上级：" in html and 'href="/t/ta/"' in html
    assert 'href="/t/ta.one/orgs"' in html and "张庄村" not in html
    directory = (await client.get("/t/ta.one/orgs")).text
    assert "东风镇" in directory and "张庄村" in directory
    assert "所辖 2 个村（社区）" in directory
    assert ">首页<" in html  # menu from the core's own menu hook
    # the tenant switcher lists the tree, the current tenant selected
    assert re.search(r'<option value="ta.one"\s+selected', html)
    assert "乙市委巡察办" in html


async def test_city_home_shows_its_counties(client: Client) -> None:
    html = (await client.get("/t/ta/")).text
    assert "下级巡察机构（1 个）" in html and 'href="/t/ta.one/"' in html
    directory = (await client.get("/t/ta/orgs")).text
    assert "甲市财政局" in directory and "国有企业" in directory


async def test_nothing_loads_from_the_internet(client: Client) -> None:
    html = (await client.get("/t/ta/")).text
    assert not re.search(r'(src|href)="(https?:)?//', html)
    css = (await client.get("/static/app.css")).text
    assert "http" not in css


async def test_search_fragment_and_page(client: Client) -> None:
    fragment = await client.get("/t/ta.one/orgs", params={"q": "李"},
                                headers={"HX-Request": "true"})
    assert fragment.status_code == 200
    assert "李庄村" in fragment.text and "<html" not in fragment.text
    assert "东风镇" in fragment.text  # the village's township column
    page = await client.get("/t/ta.one/orgs", params={"q": "李"})
    assert "<html" in page.text and "共找到 1 个" in page.text


async def test_unknown_tenant_page_is_a_chinese_404(client: Client) -> None:
    response = await client.get("/t/nowhere/", headers={"Accept": "text/html"})
    assert response.status_code == 404
    assert "巡察机构 nowhere 不存在" in response.text and "<html" in response.text
    api = await client.get("/t/nowhere/api/orgs")
    assert api.status_code == 404 and api.json()["message"] == "巡察机构 nowhere 不存在"
