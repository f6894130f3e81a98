"""Nothing lost, nothing applied twice: real servers and processes, killed and restarted.

A city hub and two county leaf nats-servers (configured by ``xuncha
nats-config``), three deployments each running ``xuncha sync run`` on a
database of its own. Every test ends by counting, for each event, one inbox
row and one effect (an audit entry written by the receiving hook).
"""

from __future__ import annotations

from collections.abc import Iterator
from itertools import count

import pytest

from tests.sync.cluster import Cluster, Deployment, cluster
from tests.sync.fault_plugin import NoteRecorded, NoticeIssued

_ids = count(1)


@pytest.fixture(scope="module")
def net(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    with cluster(tmp_path_factory.mktemp("faults")) as started:
        yield started


@pytest.fixture
def fresh(net: Cluster) -> Cluster:
    """The cluster with everything running and the city knowing both counties."""
    net.ensure_running()
    for code, county in net.counties.items():
        if net.offices.count(net.city, 'SELECT COUNT(*) AS n FROM "sync_inbox" '
                             'WHERE "origin" = {}', code) == 0:
            net.offices.emit(county, code, _notes(1))
    net.wait("both counties heard", lambda: all(
        net.offices.count(net.city, 'SELECT COUNT(*) AS n FROM "sync_inbox" '
                          'WHERE "origin" = {}', code) > 0 for code in net.counties))
    # What was sent before the test has left every outbox (the city may apply an event
    # before its county deletes the row on the acknowledgement), so a test counts its own.
    net.wait("outboxes drained before the test", lambda: all(
        net.offices.outbox(d) == 0 for d in [net.city, *net.counties.values()]))
    return net


def _waiting(net: Cluster, deployment: Deployment) -> int:
    """Notes waiting in the deployment's outbox (the minute tick may add events of its own,
    the org directory or the audit head, at any moment)."""
    return net.offices.count(deployment, 'SELECT COUNT(*) AS n FROM "sync_outbox" '
                             'WHERE "type" = {}', "note.recorded")


def _notes(n: int) -> list[NoteRecorded]:
    return [NoteRecorded(note_id=next(_ids), text=f"问题 {i}") for i in range(n)]


def _notices(n: int) -> list[NoticeIssued]:
    return [NoticeIssued(notice_id=next(_ids), text=f"通知 {i}") for i in range(n)]


def _exactly_once(net: Cluster, deployment: object, event_type: str, expected: int) -> None:
    """Wait until ``expected`` events are applied, then check each took effect once."""
    offices = net.offices
    net.wait(f"{expected} × {event_type}",
             lambda: offices.applied(deployment, event_type)[0] >= expected)  # type: ignore[arg-type]
    inbox, effects = offices.applied(deployment, event_type)  # type: ignore[arg-type]
    assert (inbox, effects) == (expected, expected)


def _totals(net: Cluster) -> dict[str, int]:
    return {"notes": net.offices.applied(net.city, "note.recorded")[0],
            **{code: net.offices.applied(d, "notice.issued")[0]
               for code, d in net.counties.items()}}


def test_hub_down_counties_keep_working_and_catch_up(fresh: Cluster) -> None:
    net, offices = fresh, fresh.offices
    before = _totals(net)
    net.hub.stop()
    a, b = net.counties["sc.a"], net.counties["sc.b"]
    offices.emit(a, "sc.a", _notes(300))
    offices.emit(b, "sc.b", _notes(200))
    # Buffered: the counties committed, nothing could leave.
    assert _waiting(net, a) == 300 and _waiting(net, b) == 200
    net.hub.start()
    _exactly_once(net, net.city, "note.recorded", before["notes"] + 500)
    net.wait("outboxes drained", lambda: offices.outbox(a) == offices.outbox(b) == 0)


def test_a_restarted_leaf_loses_nothing_either_way(fresh: Cluster) -> None:
    net, offices = fresh, fresh.offices
    before = _totals(net)
    leaf = net.leaves["sc.a"]
    leaf.stop()
    a = net.counties["sc.a"]
    offices.emit(a, "sc.a", _notes(150))
    offices.emit(net.city, "sc", _notices(40), to="sc.a")
    offices.emit(net.city, "sc", _notices(10))  # to every county
    leaf.start()
    _exactly_once(net, net.city, "note.recorded", before["notes"] + 150)
    _exactly_once(net, a, "notice.issued", before["sc.a"] + 50)
    _exactly_once(net, net.counties["sc.b"], "notice.issued", before["sc.b"] + 10)


def test_killed_between_commit_and_publish(fresh: Cluster) -> None:
    net, offices = fresh, fresh.offices
    before = _totals(net)
    a = net.counties["sc.a"]
    a.stop()
    a.start(crash_at="relay.before_publish:1")
    offices.emit(a, "sc.a", _notes(120))
    assert a.wait_exit() == -9
    assert _waiting(net, a) == 120
    a.start()
    _exactly_once(net, net.city, "note.recorded", before["notes"] + 120)
    # The relay deletes a row after its PubAck, so the city may apply it first.
    net.wait("outbox drained", lambda: offices.outbox(a) == 0)


def test_killed_after_pub_ack_before_the_outbox_delete(fresh: Cluster) -> None:
    net, offices = fresh, fresh.offices
    before = _totals(net)
    a = net.counties["sc.a"]
    a.stop()
    a.start(crash_at="relay.after_ack:1")
    offices.emit(a, "sc.a", _notes(80))
    assert a.wait_exit() == -9
    # JetStream has them; the outbox still does too, and will publish them again.
    assert _waiting(net, a) == 80
    a.start()
    net.wait("outbox drained", lambda: offices.outbox(a) == 0)
    _exactly_once(net, net.city, "note.recorded", before["notes"] + 80)


def test_killed_between_apply_and_ack(fresh: Cluster) -> None:
    net, offices = fresh, fresh.offices
    before = _totals(net)
    net.city.stop()
    net.city.start(crash_at="pull.before_ack:2")
    a = net.counties["sc.a"]
    offices.emit(a, "sc.a", _notes(400))
    assert net.city.wait_exit() == -9
    applied_before_restart = offices.applied(net.city, "note.recorded")[0]
    assert applied_before_restart > before["notes"]  # applied, never acknowledged
    net.city.start()
    _exactly_once(net, net.city, "note.recorded", before["notes"] + 400)
    # The batch applied before the crash comes again (after ack_wait) and is
    # recognised: the counts stay exact.
    net.wait("the redelivery", lambda: "were applied before; acknowledged again"
             in net.city.log_tail(200))
    assert offices.applied(net.city, "note.recorded") == (before["notes"] + 400,) * 2
