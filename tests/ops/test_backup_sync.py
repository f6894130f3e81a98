"""A county restored from its backup resumes sync with the city: nothing lost, nothing doubled.

Real processes: a city hub and county leaf nats-servers, one ``xuncha sync run``
per deployment (:mod:`tests.sync.cluster`); ``xuncha backup``, ``restore`` and
``redeliver`` run as the operator would run them.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.conftest import REPO
from tests.sync.cluster import XUNCHA, Cluster, Deployment, cluster
from tests.sync.fault_plugin import NoteRecorded, NoticeIssued

pytestmark = pytest.mark.slow


def xuncha(deployment: Deployment, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(XUNCHA), *args], env=deployment.env, cwd=REPO,
                          capture_output=True, text=True, timeout=300)


def notes(start: int, stop: int) -> list[NoteRecorded]:
    return [NoteRecorded(note_id=i, text=f"县里的记录 {i}") for i in range(start, stop)]


def notices(start: int, stop: int) -> list[NoticeIssued]:
    return [NoticeIssued(notice_id=i, text=f"市里的通知 {i}") for i in range(start, stop)]


def settled(c: Cluster, city_notes: int, county_notices: int) -> bool:
    """Each event applied exactly once on its receiving side (inbox rows and effects)."""
    county = c.counties["sc.a"]
    return (c.offices.applied(c.city, "note.recorded") == (city_notes, city_notes)
            and c.offices.applied(county, "notice.issued") == (county_notices, county_notices)
            and c.offices.outbox(county) == 0 and c.offices.outbox(c.city) == 0)


def test_restored_county_resumes_sync_losing_and_doubling_nothing(tmp_path: Path) -> None:
    archive = tmp_path / "county-a.tar.gz"
    with cluster(tmp_path) as c:
        city, county, offices = c.city, c.counties["sc.a"], c.offices
        offices.emit(county, "sc.a", notes(0, 5))
        offices.emit(city, "sc", notices(0, 5), to="sc.a")
        c.wait("the first events both ways", lambda: settled(c, 5, 5))

        # The county goes offline: its notes 5-9 wait in its outbox, the city's
        # notices 5-9 in the stream. Then the county is backed up.
        county.stop()
        offices.emit(county, "sc.a", notes(5, 10))
        offices.emit(city, "sc", notices(5, 10), to="sc.a")
        backup = xuncha(county, "backup", "--out", str(archive))
        assert backup.returncode == 0, backup.stderr
        assert "已备份整个部署" in backup.stdout
        assert offices.outbox(county) == 5

        # Life goes on after the backup: the county catches up, the city sends more.
        county.start()
        offices.emit(city, "sc", notices(10, 15), to="sc.a")
        c.wait("the catch-up after the backup", lambda: settled(c, 10, 15))

        # The county's database is restored from the backup.
        county.stop()
        damaged = tmp_path / "damaged.tar.gz"
        damaged.write_bytes(archive.read_bytes()[:-200])
        refused = xuncha(county, "restore", str(damaged))
        assert refused.returncode != 0 and "已损坏" in refused.stderr, refused.stderr
        refused = xuncha(county, "restore", str(archive))
        assert refused.returncode != 0 and "已有数据" in refused.stderr, refused.stderr
        restored = xuncha(county, "restore", str(archive), "--replace")
        assert restored.returncode == 0, restored.stderr
        assert "审计链校验通过：sc.a" in restored.stdout
        assert "xuncha redeliver --county sc.a" in restored.stdout
        assert "链被截断" in restored.stdout
        assert offices.outbox(county) == 5  # notes 5-9, as at the backup
        assert offices.applied(county, "notice.issued") == (5, 5)  # notices 10-14 not yet

        # As the restore says: the city delivers the county's events again.
        again = xuncha(city, "redeliver", "--county", "sc.a")
        assert again.returncode == 0, again.stderr
        county.start()
        offices.emit(county, "sc.a", notes(10, 15))
        offices.emit(city, "sc", notices(15, 20), to="sc.a")
        c.wait("the resumed sync", lambda: settled(c, 15, 20))

        # Nothing doubled: one inbox row and one effect per event, on each side.
        for deployment, kind in ((city, "note.recorded"), (county, "notice.issued")):
            distinct = offices.count(deployment, 'SELECT COUNT(DISTINCT "event_id") AS n '
                                     'FROM "sync_inbox" WHERE "type" = {}', kind)
            rows = offices.count(deployment, 'SELECT COUNT(*) AS n FROM "sync_inbox" '
                                 'WHERE "type" = {}', kind)
            assert distinct == rows
        texts = offices.rows(county, 'SELECT "data" FROM "replica" WHERE "kind" = {}', "notice")
        assert len(texts) == 20
        verified = xuncha(county, "audit", "verify")
        assert verified.returncode == 0, verified.stdout + verified.stderr

        # The doctor sees each side's link through its own permissions.
        for deployment, line in ((county, "正常  NATS 同步链路：sc.a → sc：链路正常"),
                                 (city, "正常  NATS 同步链路：sc：上报流")):
            doctor = xuncha(deployment, "doctor", "--min-free-mb", "0")
            assert line in doctor.stdout, doctor.stdout + doctor.stderr
