"""deploy/: the systemd units, the compose file, the nginx configuration and the runbook.

Each file is parsed, and what it runs is checked against the real thing: the
``nats-server`` command lines against files ``xuncha nats-config --cluster``
writes (``nats-server -t``), the ``xuncha`` command lines against the CLI's
own options, the environment files against the settings loader, the runbook's
``xuncha nats-config`` commands by running them, and the proxy headers nginx
sets by sending them through uvicorn configured as ``xuncha serve`` does to the
app's sign-in, whose throttle must count the browser's address.
"""

from __future__ import annotations

import configparser
import re
import shlex
import subprocess
import tomllib
from dataclasses import replace
from pathlib import Path
from typing import Any

import click
import pytest
import yaml
from click.testing import CliRunner
from litestar import Litestar
from litestar.testing import AsyncTestClient

from core.cli import cli
from core.db import Database
from core.identity.throttle import PAIR_LIMIT
from core.messaging.embedded import nats_server_binary
from core.settings import Settings, load_settings
from core.sync.natsconfig import generate
from core.tenancy.loader import load_tree
from core.testing.clients import AppClient
from core.web.proxies import server_config
from tests.conftest import REPO
from tests.identity.helpers import login, new_account

DEPLOY = REPO / "deploy"
DEMO = REPO / "tenants" / "demo"
ETC_NATS = "/etc/xuncha/nats"
"""Where the units and the compose file expect the generated NATS files."""


def _unit(name: str) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read(DEPLOY / "systemd" / name, encoding="utf-8")
    assert parser.sections() == ["Unit", "Service", "Install"], name
    return parser


def _env_file(path: Path) -> dict[str, str]:
    pairs = (line.split("=", 1) for line in path.read_text(encoding="utf-8").splitlines()
             if line.strip() and not line.lstrip().startswith("#"))
    return {key.strip(): value.strip() for key, value in pairs}


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo city's cluster files, as the runbook generates them."""
    out = tmp_path_factory.mktemp("deploy") / "nats"
    generate(load_tree(DEMO), out, nodes=3, store_dir=Path("/var/lib/xuncha/nats"),
             tls_dir=out / "tls")
    return out


def _nats_server_accepts(args: list[str], out: Path) -> None:
    """``args`` (a unit's or the compose file's), run by the real nats-server on the
    generated files as a configuration test."""
    assert "-c" in args
    conf = args[args.index("-c") + 1]
    assert conf.startswith(ETC_NATS + "/"), conf
    path = out / conf.removeprefix(ETC_NATS + "/")
    assert path.is_file(), f"{conf}: not a file `xuncha nats-config` writes"
    check = subprocess.run([str(nats_server_binary()), "-t", "-c", str(path)],
                           capture_output=True, text=True, timeout=30)
    assert check.returncode == 0, check.stderr


def _xuncha_accepts(args: list[str]) -> None:
    """``args`` (``xuncha …``) parse as the CLI's own command and options."""
    assert Path(args[0]).name == "xuncha"
    command: click.Command = cli
    rest = list(args[1:])
    while isinstance(command, click.Group):
        name, rest = rest[0], rest[1:]
        assert name in command.commands, args
        command = command.commands[name]
    with command.make_context(name, rest) as ctx:
        assert ctx.params is not None


# -- systemd ---------------------------------------------------------------------------------------


def test_nats_unit_is_a_template_per_generated_file(generated: Path) -> None:
    unit = _unit("xuncha-nats@.service")
    service = unit["Service"]
    start = shlex.split(service["ExecStart"])
    assert start[0] == "/opt/xuncha/.venv/bin/nats-server"
    assert shlex.split(service["ExecStartPre"])[1:] == ["-t", *start[1:]]
    assert start[1:] == ["-c", f"{ETC_NATS}/%i.conf"]
    assert service["Restart"] == "always" and service["User"] == "xuncha"
    assert service["ReadWritePaths"] == "/var/lib/xuncha/nats"
    # The instances the runbook enables are the files the command writes.
    runbook = (DEPLOY / "README.md").read_text(encoding="utf-8")
    named = set(re.findall(r"xuncha-nats@(hub-\d|leaf-[a-z][\w-]*)", runbook))
    assert "hub-1" in named, named
    for instance in named | {"hub-2", "hub-3", "leaf-zz-gongyi"}:
        _nats_server_accepts([arg.replace("%i", instance) for arg in start], generated)


def test_app_unit_runs_serve_with_workers_and_the_generated_environment() -> None:
    unit = _unit("xuncha.service")
    service = unit["Service"]
    start = shlex.split(service["ExecStart"])
    workers = re.search(r"SERVE_WORKERS=(\d+)", service["Environment"])
    assert workers, service["Environment"]
    _xuncha_accepts([arg.replace("${SERVE_WORKERS}", workers[1]) for arg in start])
    assert start[2:] == ["--no-migrate", "--workers", "${SERVE_WORKERS}"]
    assert "EnvironmentFile" in service and "/etc/xuncha/sync.env" in service["EnvironmentFile"]
    assert "xuncha-nats@hub-1.service" in unit["Unit"]["After"]
    assert service["KillSignal"] == "SIGINT"


# -- docker compose --------------------------------------------------------------------------------


def _compose() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(
        (DEPLOY / "compose" / "compose.yaml").read_text(encoding="utf-8"))
    return data


def _interpolate(value: str, env: dict[str, str]) -> str:
    """Compose's ``${NAME}``, ``${NAME:-default}`` and ``${NAME:?message}``."""
    def one(match: re.Match[str]) -> str:
        name, op, rest = match[1], match[2], match[3]
        if name in env:
            return env[name]
        assert op == ":-", f"{name} is required: {rest}"
        return str(rest)

    return re.sub(r"\$\{(\w+)(?:(:[-?])([^}]*))?\}", one, value)


def test_compose_runs_postgres_a_three_node_cluster_the_app_and_nginx(generated: Path) -> None:
    compose = _compose()
    services = compose["services"]
    assert set(services) == {"postgres", "nats-1", "nats-2", "nats-3", "xuncha", "nginx"}
    # Host networking: the files generated for one host (127.0.0.1) are used as they are.
    assert {s["network_mode"] for s in services.values()} == {"host"}
    env = _env_file(DEPLOY / "compose" / "env.example")
    stores = set()
    for i in (1, 2, 3):
        node = services[f"nats-{i}"]
        assert node["command"] == ["-c", f"{ETC_NATS}/hub-{i}.conf"]
        _nats_server_accepts(node["command"], generated)
        volumes = dict(v.rsplit(":", 1)[0].split(":", 1) if v.endswith(":ro") else v.split(":")
                       for v in node["volumes"])
        assert volumes[ETC_NATS] == ETC_NATS
        stores.add(volumes[f"nats-{i}"])
        assert f"nats-{i}" in compose["volumes"]
        hub = (generated / f"hub-{i}.conf").read_text(encoding="utf-8")
        assert f'store_dir: "/var/lib/xuncha/nats/zz-{i}"' in hub  # inside its own volume
    assert stores == {"/var/lib/xuncha/nats"}

    app = services["xuncha"]
    _xuncha_accepts([_interpolate(arg, env) for arg in app["command"]])
    env_files = [_interpolate(f, env) for f in app["env_file"]]
    assert env_files[1] == f"{ETC_NATS}/zz.env"
    city_env = _env_file(generated / "zz.env")
    app_env = _env_file(DEPLOY / "compose" / "xuncha.env.example")
    settings = load_settings({**app_env, **city_env, **app["environment"]})
    assert settings.is_postgres and settings.sync_replicas == 3
    assert settings.nats_url is not None and settings.nats_url.count("nats://") == 3
    assert settings.trusted_proxies == ("127.0.0.1",)
    assert app["depends_on"]["postgres"]["condition"] == "service_healthy"
    pg = services["postgres"]
    assert "../postgres/roles.sql:/docker-entrypoint-initdb.d/10-roles.sql:ro" in pg["volumes"]
    assert (DEPLOY / "postgres" / "roles.sql").is_file()
    # The database URLs name the roles roles.sql creates.
    roles = (DEPLOY / "postgres" / "roles.sql").read_text(encoding="utf-8")
    for url in (settings.database_url, settings.database_admin_url):
        user = re.match(r"postgresql://(\w+):", url)
        assert user and f"CREATE ROLE {user[1]} " in roles
    nginx = services["nginx"]
    assert "../nginx/xuncha.conf:/etc/nginx/conf.d/default.conf:ro" in nginx["volumes"]
    assert (DEPLOY / "compose" / app["build"]["context"] / app["build"]["dockerfile"]).is_file()


# -- nginx -----------------------------------------------------------------------------------------


def _nginx() -> str:
    text = (DEPLOY / "nginx" / "xuncha.conf").read_text(encoding="utf-8")
    return "\n".join(line.split("#", 1)[0] for line in text.splitlines())


def test_nginx_terminates_tls_and_sets_the_forwarded_headers() -> None:
    conf = _nginx()
    assert conf.count("{") == conf.count("}")
    directives = {" ".join(line.split()).rstrip(";") for line in conf.splitlines()
                  if line.strip().endswith(";")}
    for wanted in ("listen 443 ssl", "ssl_certificate /etc/xuncha/web-tls/site.pem",
                   "ssl_certificate_key /etc/xuncha/web-tls/site-key.pem",
                   "ssl_protocols TLSv1.2 TLSv1.3", "return 301 https://$host$request_uri",
                   "proxy_pass http://xuncha", "proxy_set_header Host $host",
                   "proxy_set_header X-Forwarded-For $remote_addr",
                   "proxy_set_header X-Forwarded-Proto $scheme"):
        assert wanted in directives, wanted
    # The upstream is where the compose file's app listens.
    app = _compose()["services"]["xuncha"]["environment"]
    assert f"server {app['XUNCHA_HOST']}:{app['XUNCHA_PORT']} " in conf


def _forwarded(conf: str, header: str) -> str:
    found = re.search(rf"proxy_set_header\s+{header}\s+(\S+);", conf)
    assert found, header
    return found[1]


async def test_behind_nginx_the_sign_in_throttle_counts_the_browser_s_address(
        app: Litestar, client: AsyncTestClient[Litestar], settings: Settings,
        database: Database) -> None:
    """nginx on 127.0.0.1 sends each browser's address as its own ``$remote_addr``;
    uvicorn configured from XUNCHA_TRUSTED_PROXIES=127.0.0.1 (the compose example)
    hands it to the app, so one browser's failures refuse that browser only."""
    assert _forwarded(_nginx(), "X-Forwarded-For") == "$remote_addr"
    proxies = _env_file(DEPLOY / "compose" / "xuncha.env.example")["XUNCHA_TRUSTED_PROXIES"]
    behind = replace(settings, trusted_proxies=load_settings(
        {"XUNCHA_TRUSTED_PROXIES": proxies}).trusted_proxies)
    config = server_config(app, behind)
    config.load()
    uvicorn_app = config.loaded_app

    async def via_nginx(scope: Any, receive: Any, send: Any) -> None:
        scope["client"] = ("127.0.0.1", 50000)  # every request comes from nginx
        await uvicorn_app(scope, receive, send)

    account = await new_account(database)

    async def attempts(remote_addr: str, password: str, times: int) -> list[int]:
        browser = AppClient(via_nginx, base_url="https://xuncha.example", lifespan=False)
        browser.follow_redirects = False
        browser.headers["X-Forwarded-For"] = remote_addr
        browser.headers["X-Forwarded-Proto"] = "https"
        async with browser:
            return [(await login(browser, account.username, password)).status_code
                    for _ in range(times)]

    guesses = await attempts("198.51.100.7", "Wrong-pass-2026", PAIR_LIMIT + 1)
    assert 429 not in guesses[:PAIR_LIMIT] and guesses[PAIR_LIMIT] == 429, guesses
    # The owner, from their own address through the same nginx, signs in.
    [owner] = await attempts("198.51.100.8", "Xuncha2026pass", 1)
    assert owner in (302, 303), owner


# -- the runbook -----------------------------------------------------------------------------------


def _commands(markdown: str, program: str) -> list[list[str]]:
    """The ``program …`` command lines in the fenced shell blocks of ``markdown``."""
    found = []
    for block in re.findall(r"```sh\n(.*?)```", markdown, re.S):
        for line in block.replace("\\\n", " ").splitlines():
            line = line.split("#", 1)[0].strip()
            if line.startswith(program + " "):
                found.append(shlex.split(line))
    return found


def test_runbook_nats_config_commands_write_the_files_it_names(tmp_path: Path) -> None:
    runbook = (DEPLOY / "README.md").read_text(encoding="utf-8")
    commands = _commands(runbook, "xuncha nats-config")
    assert len(commands) == 2
    for n, args in enumerate(commands):
        out = tmp_path / f"out{n}"
        mapped = [{"/etc/xuncha/tenants": str(DEMO), ETC_NATS: str(out)}.get(a, a)
                  for a in args[1:]]
        mapped = [re.sub(r"^<[^>]+>$", "10.1.0.11", a) for a in mapped]
        result = CliRunner().invoke(cli, mapped)
        assert result.exit_code == 0, (args, result.output)
        for name in ("hub-1.conf", "hub-2.conf", "hub-3.conf", "zz.env",
                     "leaf-zz-gongyi.conf", "zz-gongyi.env"):
            assert (out / name).is_file(), name
        for i in (1, 2, 3):
            hub = (out / f"hub-{i}.conf").read_text(encoding="utf-8")
            assert f'store_dir: "/var/lib/xuncha/nats/zz-{i}"' in hub
        assert "XUNCHA_SYNC_REPLICAS=3" in (out / "zz.env").read_text(encoding="utf-8")
    hosts = (tmp_path / "out0" / "hub-2.conf").read_text(encoding="utf-8")
    assert 'listen: "10.1.0.12:7422"' in hosts and 'listen: "10.1.0.12:6222"' in hosts
    assert "tls {" in hosts


def test_runbook_settings_file_is_accepted(tmp_path: Path) -> None:
    runbook = (DEPLOY / "README.md").read_text(encoding="utf-8")
    [block] = re.findall(r"```toml\n(.*?)```", runbook, re.S)
    text = block.replace("<密码>", "secret")
    assert tomllib.loads(text)["xuncha"]
    path = tmp_path / "xuncha.toml"
    path.write_text(text, encoding="utf-8")
    settings = load_settings({"XUNCHA_CONFIG": str(path)})
    assert settings.is_postgres and settings.trusted_proxies == ("10.1.0.10",)
    commands = _commands(runbook, "sudo -u xuncha")
    assert len(commands) == 2
    for args in commands:
        xuncha = next(i for i, a in enumerate(args) if a.endswith("/bin/xuncha"))
        _xuncha_accepts(args[xuncha:])
