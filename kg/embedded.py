"""Lifecycle of the embedded ArcadeDB server: start once, reuse from any process, stop cleanly.

State lives in `<data_dir>/graph/`: `password` (generated, mode 0600), `server.json`
(pid and ports of the running server, written by the server once it is ready) and
`server.lock` (held while one process starts or stops the server, so two commands
started together do not race).
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass

from core.processes import pid_alive
from core.settings import GraphSettings

from .errors import ServerStartError


@dataclass(frozen=True)
class Endpoint:
    uri: str
    user: str
    password: str
    database: str


@dataclass(frozen=True)
class ServerState:
    pid: int
    bolt_port: int
    http_port: int


def _port_open(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.5)
        return sock.connect_ex((host, port)) == 0


class EmbeddedServer:
    """The project's own graph server, used when no external graph URI is configured."""

    def __init__(self, settings: GraphSettings) -> None:
        self.settings = settings
        self.dir = settings.graph_dir
        self.state_file = self.dir / "server.json"
        self.log_file = settings.log_dir / "graph-server.log"

    # -- public -----------------------------------------------------------------
    def ensure_running(self) -> Endpoint:
        """Return the endpoint of a running server, starting one only if none runs yet."""
        self.dir.mkdir(parents=True, exist_ok=True)
        with self._lock():
            if self.state() is None:
                self._start()
        return self.endpoint()

    def stop(self, timeout_s: float = 30.0) -> bool:
        """Stop the server if it runs; return whether one was stopped."""
        if not self.dir.exists():
            return False
        with self._lock():
            state = self.state()
            if state is None:
                return False
            os.kill(state.pid, signal.SIGTERM)
            deadline = time.monotonic() + timeout_s
            while pid_alive(state.pid) and time.monotonic() < deadline:
                time.sleep(0.1)
            if pid_alive(state.pid):
                os.kill(state.pid, signal.SIGKILL)
            self.state_file.unlink(missing_ok=True)
            return True

    def state(self) -> ServerState | None:
        """The running server, or None (a stale state file from a killed server is removed)."""
        try:
            raw = json.loads(self.state_file.read_text())
        except (FileNotFoundError, json.JSONDecodeError):
            return None
        state = ServerState(**raw)
        if pid_alive(state.pid) and _port_open(state.bolt_port):
            return state
        self.state_file.unlink(missing_ok=True)
        return None

    def endpoint(self) -> Endpoint:
        state = self.state()
        port = state.bolt_port if state else self.settings.embedded_bolt_port
        return Endpoint(
            uri=f"bolt://localhost:{port}",
            user="root",
            password=self._password(),
            database=self.settings.database,
        )

    # -- internals --------------------------------------------------------------
    @contextlib.contextmanager
    def _lock(self) -> Iterator[None]:
        with open(self.dir / "server.lock", "w") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def _password(self) -> str:
        path = self.dir / "password"
        if not path.exists():
            path.touch(mode=0o600)
            path.write_text(secrets.token_urlsafe(24))
        return path.read_text().strip()

    def _preflight(self) -> None:
        s = self.settings
        free_mb = shutil.disk_usage(self.dir).free // (1024 * 1024)
        if free_mb < s.min_free_disk_mb:
            raise ServerStartError(
                f"Only {free_mb} MB free under {self.dir}; the graph server needs at least "
                f"{s.min_free_disk_mb} MB. Free some disk or point LLMX_DATA_DIR elsewhere."
            )
        for name, port in (("Bolt", s.embedded_bolt_port), ("HTTP", s.embedded_http_port)):
            if _port_open(port):
                raise ServerStartError(
                    f"Port {port} ({name}) is taken by another program, so the embedded graph server "
                    f"cannot start. Stop that program or choose another port with "
                    f"LLMX_EMBEDDED_{name.upper()}_PORT."
                )

    def _start(self) -> None:
        s = self.settings
        self._preflight()
        s.log_dir.mkdir(parents=True, exist_ok=True)
        env = dict(os.environ, LLMX_EMBEDDED_ROOT_PASSWORD=self._password())
        command = [
            sys.executable, "-m", "kg.embedded_main",
            "--root", str(self.dir.resolve()),
            "--database", s.database,
            "--bolt-port", str(s.embedded_bolt_port),
            "--http-port", str(s.embedded_http_port),
            "--heap", s.embedded_heap,
            f"--jvm-args={s.embedded_jvm_args}",
            "--state-file", str(self.state_file.resolve()),
        ]  # fmt: skip
        with open(self.log_file, "ab") as log:
            # cwd: ArcadeDB writes its own log/ folder into the working directory
            process = subprocess.Popen(
                command, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                env=env, start_new_session=True, cwd=self.dir,
            )  # fmt: skip
        deadline = time.monotonic() + s.embedded_start_timeout_s
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise ServerStartError(
                    f"The embedded graph server exited during start-up (status {process.returncode}): "
                    f"{self._diagnose()} Full log: {self.log_file}"
                )
            if self.state() is not None:
                return
            time.sleep(0.2)
        process.kill()
        raise ServerStartError(
            f"The embedded graph server did not open port {s.embedded_bolt_port} within "
            f"{s.embedded_start_timeout_s:.0f} s. {self._diagnose()} Full log: {self.log_file}"
        )

    def _diagnose(self) -> str:
        """Turn the tail of the server log into one sentence a person can act on."""
        try:
            tail = self.log_file.read_text(errors="replace")[-4000:]
        except FileNotFoundError:
            return "No log was written."
        lowered = tail.lower()
        if "jvm" in lowered and ("not found" in lowered or "no jvm" in lowered or "java_home" in lowered):
            return "No usable Java runtime was found (the arcadedb-embedded wheel bundles one: reinstall it)."
        if "address already in use" in lowered or "bindexception" in lowered:
            return "A port it needs is already in use."
        if "no space left" in lowered:
            return "The disk is full."
        if bad_option := re.search(r"Unrecognized VM option '[^']*'|Unrecognized option: \S+", tail):
            return f"The JVM refused an option of LLMX_EMBEDDED_JVM_ARGS: {bad_option.group(0)}."
        last = [line for line in tail.splitlines() if line.strip()][-3:]
        return "Last log lines: " + " | ".join(last)
