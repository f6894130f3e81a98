"""A tenant that disables the plugin (``vc.off``: ``plugins = ["*", "-village_coverage"]``):
its routes refuse, its menu has no entries, and it is no target of anything."""

from __future__ import annotations

from typing import Any

from core.plugins import Plugins
from tests.plugins.village_coverage.helpers import Client, cov_api

OFF = "vc.off"
REFUSAL = "本机构未启用插件 village_coverage"


async def test_the_routes_refuse_a_tenant_that_disabled_the_plugin(cov: Client) -> None:
    requests: list[tuple[str, str, dict[str, Any] | None]] = [
        ("GET", cov_api(OFF, "progress"), None),
        ("GET", cov_api(OFF, "terms/1/plan"), None),
        ("POST", cov_api(OFF, "terms/1/plan/propose"), None),
        ("PATCH", cov_api(OFF, "terms/1/targets/1"), {"note": "x"}),
        ("GET", cov_api(OFF, "directives"), None),
        ("GET", f"/t/{OFF}/coverage", None),
        ("GET", f"/t/{OFF}/coverage/plan", None),
    ]
    for method, url, body in requests:
        response = await cov.request(method, url, json=body)
        assert response.status_code == 403, (method, url, response.text)
        assert response.json()["message"] == REFUSAL
    form = await cov.post(f"/t/{OFF}/coverage/plan/propose", data={"term_id": 1})
    assert form.status_code == 403
    home = await cov.get(f"/t/{OFF}/")
    assert home.status_code == 200 and "/coverage" not in home.text
    # The same routes answer for a tenant that uses the plugin.
    assert (await cov.get(cov_api("vc.w", "directives"))).status_code == 200


async def test_hooks_skip_the_tenant(coverage_app: Any, cov: Client) -> None:
    runtime = coverage_app.state.runtime
    plugins: Plugins = runtime.plugins

    async def populations(code: str) -> list[str]:
        tenant = await runtime.tenants.get(code)
        found = await plugins.gather("xuncha_coverage_targets", tenant.plugins, tenant=tenant)
        return [t.code for t in found]

    assert await populations(OFF) == []
    assert await populations("vc.w") == ["departments", "villages"]
    assert await populations("vc") == ["departments"]
    assert "village_coverage" in plugins.names


def test_xuncha_plugins_lists_it_as_built_in(coverage_app: Any) -> None:
    plugins: Plugins = coverage_app.state.runtime.plugins
    info = {i.name: i for i in plugins.info()}["village_coverage"]
    assert info.source == "内置" and info.version == "0.1.0"
    assert {"xuncha_piccolo_apps", "xuncha_routes", "xuncha_menu_items", "xuncha_permissions",
            "xuncha_default_policies", "xuncha_event_types", "xuncha_sync_subjects",
            "xuncha_sync_outgoing", "xuncha_sync_received", "xuncha_sync_tick",
            "xuncha_coverage_targets", "xuncha_tenant_settings"} <= set(info.hooks)
