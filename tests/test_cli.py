"""The ``xuncha`` command, run as a real process against the run's database."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from core.messaging.embedded import free_port
from tests.conftest import BACKEND, REPO, RunDatabase

pytestmark = pytest.mark.once_on("postgres")

XUNCHA = str(Path(sys.executable).parent / "xuncha")


@pytest.fixture(scope="module")
def cli_env(tmp_path_factory: pytest.TempPathFactory, test_database: RunDatabase) -> dict[str, str]:
    home = tmp_path_factory.mktemp("cli")
    env = {k: v for k, v in os.environ.items() if not k.startswith("XUNCHA_")}
    env["XUNCHA_HOME"] = str(home)
    if BACKEND == "postgres":
        env["XUNCHA_DATABASE_URL"] = test_database.app_url
        env["XUNCHA_DATABASE_ADMIN_URL"] = test_database.admin_url
    return env


def xuncha(env: dict[str, str], *args: str, input: str | None = None,
           **extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([XUNCHA, *args], env={**env, **extra}, capture_output=True, text=True,
                          timeout=120, cwd=REPO, input=input)


def test_help_and_version(cli_env: dict[str, str]) -> None:
    result = xuncha(cli_env, "--help")
    assert result.returncode == 0
    for command in ("serve", "migrate", "tenants", "orgs", "plugins", "version"):
        assert command in result.stdout
    assert "巡察工作平台" in result.stdout
    assert xuncha(cli_env, "version").stdout.startswith("xuncha ")
    assert "sync" in xuncha(cli_env, "tenants", "--help").stdout


def test_demo_tree_sync_list_tree_orgs(cli_env: dict[str, str]) -> None:
    first = xuncha(cli_env, "tenants", "sync", "tenants/demo")
    assert first.returncode == 0, first.stderr
    assert "已加载 7 个机构" in first.stdout
    second = xuncha(cli_env, "tenants", "sync", "tenants/demo")
    assert "无变化" in second.stdout
    listing = xuncha(cli_env, "tenants", "list").stdout
    assert "zz.zhongmu" in listing and "中牟县委巡察办" in listing
    tree = xuncha(cli_env, "tenants", "tree").stdout.splitlines()
    zz = next(i for i, line in enumerate(tree) if line.startswith("郑州市委巡察办"))
    assert tree[zz + 1].startswith("  ")  # counties indented under the city
    orgs = xuncha(cli_env, "orgs", "list", "--tenant", "zz.zhongmu", "--kind", "township")
    assert orgs.returncode == 0 and "乡镇（街道）" in orgs.stdout
    missing = xuncha(cli_env, "orgs", "list", "--tenant", "zz.nowhere")
    assert missing.returncode == 2 and "不存在" in missing.stderr


def test_tenants_sync_only_loads_the_named_tenants(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("XUNCHA_")}
    env["XUNCHA_HOME"] = str(tmp_path)  # a county deployment of its own (SQLite)
    county = xuncha(env, "tenants", "sync", "tenants/demo", "--only", "zz.zhongmu")
    assert county.returncode == 0, county.stderr
    assert "已加载 1 个机构" in county.stdout
    listing = xuncha(env, "tenants", "list").stdout.splitlines()
    assert [line.split()[0] for line in listing] == ["zz.zhongmu"]
    # Its city is served elsewhere: known by code only (tree shows the county at the top).
    assert xuncha(env, "tenants", "tree").stdout.startswith("中牟县委巡察办（zz.zhongmu")
    again = xuncha(env, "tenants", "sync", "tenants/demo", "--only", "zz.zhongmu",
                   "--only", "zz.gongyi")
    assert "已加载 2 个机构" in again.stdout and "新增机构 1 个" in again.stdout
    unknown = xuncha(env, "tenants", "sync", "tenants/demo", "--only", "zz.nowhere",
                     "--only", "zz")
    assert unknown.returncode == 2
    assert unknown.stderr.strip() == (
        "错误：--only：机构 zz.nowhere 不在 tenants/demo 的机构定义文件中")
    codes = [line.split()[0] for line in xuncha(env, "tenants", "list").stdout.splitlines()]
    assert codes == ["zz.zhongmu", "zz.gongyi"], "nothing is loaded when a code is unknown"


def test_plugins_lists_core_and_where_enabled(cli_env: dict[str, str]) -> None:
    result = xuncha(cli_env, "plugins")
    assert result.returncode == 0, result.stderr
    assert "core" in result.stdout and "xuncha_routes" in result.stdout
    assert "启用机构：全部机构" in result.stdout


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        ({"XUNCHA_PORT": "abc"}, "XUNCHA_PORT"),
        ({"XUNCHA_DATABASE_URL": "postgresql://postgres@127.0.0.1:1/nowhere"}, "无法连接数据库"),
        ({"XUNCHA_DATABASE_URL": "mysql://x"}, "XUNCHA_DATABASE_URL"),
        ({"XUNCHA_PLUGINS": "no_such_plugin_module"}, "no_such_plugin_module"),
    ],
)
def test_clear_one_line_errors(cli_env: dict[str, str], extra: dict[str, str],
                               expected: str) -> None:
    env = {k: v for k, v in cli_env.items() if not k.startswith("XUNCHA_DATABASE")}
    result = xuncha(env, "migrate", **extra)
    assert result.returncode == 2
    assert expected in result.stderr
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_serve_refuses_unreachable_nats(cli_env: dict[str, str]) -> None:
    result = xuncha(cli_env, "serve", "--port", str(free_port()),
                    XUNCHA_NATS_URL=f"nats://127.0.0.1:{free_port()}")
    assert result.returncode == 2
    assert "无法连接 NATS" in result.stderr and "Traceback" not in result.stderr


def test_serve_refuses_workers_without_postgres_and_external_nats(
        cli_env: dict[str, str]) -> None:
    # Without XUNCHA_NATS_URL (and on SQLite) the processes could share neither.
    result = xuncha(cli_env, "serve", "--port", str(free_port()), "--workers", "2")
    assert result.returncode == 2
    assert "--workers 大于 1 时须使用 PostgreSQL" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.fixture()
def served(cli_env: dict[str, str]) -> Iterator[tuple[subprocess.Popen[str], str]]:
    port = free_port()
    # A session of its own, as at a terminal: Ctrl-C reaches the whole group.
    process = subprocess.Popen([XUNCHA, "serve", "--port", str(port)], env=cli_env, cwd=REPO,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                               start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(url + "/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        yield process, url
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def test_serve_runs_the_demo_and_stops_cleanly(
    cli_env: dict[str, str], served: tuple[subprocess.Popen[str], str]
) -> None:
    xuncha(cli_env, "tenants", "sync", "tenants/demo")
    process, url = served
    health = httpx.get(url + "/healthz", timeout=5)
    assert health.status_code == 200 and health.json()["nats"] == "正常"
    anonymous = httpx.get(url + "/t/zz/", headers={"Accept": "text/html"}, timeout=5)
    assert anonymous.status_code in (302, 303)
    assert anonymous.headers["location"].startswith("/login?next=")
    assert httpx.get(url + "/schema", timeout=5).status_code == 401
    user = f"admin{os.getpid()}"
    made = xuncha(cli_env, "users", "create", user, "--name", "演示管理员", "--tenant", "zz",
                  "--password-stdin", input="Demo-pass-2026\n")
    assert made.returncode == 0, made.stderr
    granted = xuncha(cli_env, "roles", "grant", user, "office_admin", "--tenant", "zz")
    assert granted.returncode == 0, granted.stderr
    with httpx.Client(base_url=url, timeout=5) as web:
        page = web.get("/login")
        csrf = re.search(r'name="_csrf" value="([^"]+)"', page.text)
        assert csrf, page.text
        signed = web.post("/login", data={"username": user, "password": "Demo-pass-2026",
                                          "next": "/t/zz/", "_csrf": csrf[1]})
        assert signed.status_code == 303, signed.text
        assert web.get("/schema").json()["info"]["title"] == "巡察工作平台 API"
        home = web.get("/t/zz/")  # the grant came from another process: picked up
        assert home.status_code == 200 and "郑州市委巡察办" in home.text
        assert "中牟县委巡察办" in home.text
    nats_pids = _children(process.pid)
    assert nats_pids, "the embedded nats-server runs as a child of serve"
    os.killpg(process.pid, signal.SIGINT)  # Ctrl-C at the terminal
    output, _ = process.communicate(timeout=30)
    assert process.returncode == 0, output
    assert "请在浏览器中打开 http://127.0.0.1:" in output
    # The app drains its NATS connection before the server it started stops.
    assert "WARNING" not in output and "Traceback" not in output, output
    for pid in nats_pids:
        assert not Path(f"/proc/{pid}").exists() or "zombie" in _state(pid)


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid and "nats-server" in stat:
                found.append(int(entry.name))
    return found


def _state(pid: int) -> str:
    try:
        return "zombie" if " Z " in Path(f"/proc/{pid}/stat").read_text() else "running"
    except OSError:
        return "gone"


def test_audit_verify_passes_then_catches_tampering(cli_env: dict[str, str]) -> None:
    import asyncio

    from core.db import Database
    from core.settings import load_settings

    assert xuncha(cli_env, "tenants", "sync", "tenants/demo").returncode == 0
    ok = xuncha(cli_env, "audit", "verify", "--tenant", "zz.gongyi")
    assert ok.returncode == 0, ok.stderr
    # Other tests (the demo seed, the overdue scan) may have added entries: any head will do.
    assert "通过  zz.gongyi" in ok.stdout and "链头 #" in ok.stdout

    async def tamper() -> None:
        db = Database(load_settings(cli_env).database_admin_url)
        await db.start()
        try:
            mark = db.dialect.mark(1)
            async with db.transaction():
                await db.fetch(
                    f'UPDATE "audit_entry" SET "actor" = {mark} WHERE "tenant_id" = '
                    f'(SELECT "id" FROM "tenant" WHERE "code" = {db.dialect.mark(2)})',
                    ["篡改者", "zz.gongyi"],
                )
        finally:
            await db.stop()

    asyncio.run(tamper())
    bad = xuncha(cli_env, "audit", "verify", "--tenant", "zz.gongyi")
    assert bad.returncode == 2
    assert "失败  zz.gongyi" in bad.stdout and "第 1 条内容与其哈希不符（记录被篡改）" in bad.stdout
    assert "审计链校验未通过" in bad.stderr
