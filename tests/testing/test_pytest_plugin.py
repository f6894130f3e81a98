"""The pytest plugin shipped with xuncha (``core.testing.pytest_plugin``), used in this run.

It is loaded here through its ``pytest11`` entry point like in a plugin
author's run; its fixtures build an app of their own (own database, own
nats-server) beside the project's ``app``.
"""

from __future__ import annotations

import subprocess
import sys
from datetime import timedelta
from importlib.metadata import entry_points

import nats
import pytest

from core.clock import Clock
from core.messaging.embedded import EmbeddedNats
from core.testing import pytest_plugin
from core.testing.clients import ActingClient, Client, Team
from core.testing.events import EventRecorder

MOVED = timedelta(days=40)


def test_the_plugin_is_registered_and_names_only_xuncha_fixtures(
        pytestconfig: pytest.Config) -> None:
    (found,) = [ep for ep in entry_points(group="pytest11") if ep.name == "xuncha"]
    assert found.value == "core.testing.pytest_plugin"
    assert pytestconfig.pluginmanager.get_plugin("xuncha") is pytest_plugin
    fixtures = [name for name in pytest_plugin.__all__ if not name[0].isupper()
                and not name.startswith("pytest_")]
    assert fixtures and all(name.startswith("xuncha_") for name in fixtures)


def _core_modules_after(statement: str) -> set[str]:
    probe = (f"import sys; {statement}; "
             "print(*(m for m in sys.modules if m == 'core' or m.startswith('core.')))")
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                            timeout=60, check=True)
    return set(result.stdout.split())


def test_loading_the_plugin_imports_no_more_of_the_core_than_the_package() -> None:
    # Fixtures import what they use when they first run: loading the plugin into any
    # pytest run has no side effect beyond ``import core``.
    loaded = _core_modules_after("import core.testing.pytest_plugin")
    assert loaded - _core_modules_after("import core") == {
        "core.testing", "core.testing.pytest_plugin"}


async def test_a_real_nats_server_with_jetstream(xuncha_nats: EmbeddedNats) -> None:
    nc = await nats.connect(xuncha_nats.url, connect_timeout=3)
    try:
        info = await nc.jetstream().account_info()
        assert info.limits is not None
    finally:
        await nc.close()


async def test_the_clients_act_per_role(xuncha_client: Client, xuncha_office_staff: ActingClient,
                                        xuncha_unit_liaison: ActingClient, xuncha_team: Team,
                                        xuncha_county: str) -> None:
    inspection = f"/t/{xuncha_county}/api/inspections/{xuncha_team.inspection_id}"
    assert (await xuncha_client.get(f"/t/{xuncha_county}/api/role-grants")).status_code == 200
    assert (await xuncha_office_staff.get(inspection)).status_code == 200
    assert (await xuncha_office_staff.get(f"/t/{xuncha_county}/api/role-grants")
            ).status_code == 403
    assert xuncha_team.inspection["stage"] == "authorized"
    assert (await xuncha_team.member.get(inspection)).status_code == 200
    assert (await xuncha_team.leader.get(inspection)).status_code == 200
    assert (await xuncha_team.member.get(f"/t/{xuncha_county}/api/inspections")
            ).status_code == 403
    assert (await xuncha_unit_liaison.get(f"/t/{xuncha_county}/api/orgs")).status_code == 403


async def test_the_event_recorder_sees_emitted_and_committed_events(
        xuncha_client: Client, xuncha_events: EventRecorder, xuncha_team: Team) -> None:
    # The recorder started first (it comes first in the arguments): it saw the team's
    # inspection being planned, before and after the commit, in the county.
    (planned,) = xuncha_events.committed("inspection.planned", xuncha_team.tenant)
    assert planned.payload.inspection_id == xuncha_team.inspection_id  # type: ignore[attr-defined]
    assert [e.id for e in xuncha_events.emitted("inspection.planned")] == [planned.id]
    assert xuncha_events.committed("inspection.planned", "tb") == []
    api = f"/t/{xuncha_team.tenant}/api/inspections/{xuncha_team.inspection_id}"
    changed = await xuncha_client.post(f"{api}/stage", json={"to": "briefing"})
    assert changed.status_code == 200, changed.text
    await xuncha_events.wait_for("inspection.stage_changed", xuncha_team.tenant)
    moves = xuncha_events.committed("inspection.stage_changed", xuncha_team.tenant)
    assert [e.payload.to_stage for e in moves] == ["authorized", "briefing"]  # type: ignore[attr-defined]
    assert [e.id for e in xuncha_events.emitted("inspection.stage_changed")] == [
        e.id for e in moves]
    xuncha_events.stop()
    sent_on = xuncha_client.app.state.runtime.clock.today() - timedelta(days=10)
    noticed = await xuncha_client.post(f"{api}/notice", json={"sent_on": sent_on.isoformat()})
    assert noticed.status_code == 200, noticed.text
    moved = await xuncha_client.post(f"{api}/stage", json={"to": "onsite"})
    assert moved.status_code == 200, moved.text
    assert len(xuncha_events.committed("inspection.stage_changed")) == 2
    with pytest.raises(TimeoutError, match=r"inspection\.finished"):
        await xuncha_events.wait_for("inspection.finished", timeout=0.1)


def test_the_clock_moves(xuncha_clock: Clock) -> None:
    today = xuncha_clock.today()
    xuncha_clock.advance(MOVED)
    assert xuncha_clock.today() == today + MOVED


def test_the_clock_is_back_after_the_test_that_moved_it(xuncha_clock: Clock) -> None:
    assert abs(xuncha_clock.now() - Clock().now()) < timedelta(minutes=1)
