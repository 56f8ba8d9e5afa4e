"""The embedded server: one per machine, reused by a second process, clear start-up failures."""

from __future__ import annotations

import json
import socket
import subprocess
import sys

import pytest

from core.settings import Settings
from kg.embedded import EmbeddedServer
from kg.errors import ServerStartError
from tests.conftest import free_port


def test_second_process_reuses_running_server(graph_settings: Settings, graph_server: EmbeddedServer) -> None:
    state = graph_server.state()
    assert state is not None
    code = (
        "import json; from core.settings import Settings; from kg.embedded import EmbeddedServer;"
        f"s = Settings(**json.loads({graph_settings.model_dump_json()!r}));"
        "e = EmbeddedServer(s); e.ensure_running(); print(e.state().pid)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True
    )
    assert int(result.stdout.strip().splitlines()[-1]) == state.pid


def test_password_is_generated_private_and_stable(
    graph_settings: Settings, graph_server: EmbeddedServer
) -> None:
    path = graph_settings.graph_dir / "password"
    assert path.stat().st_mode & 0o077 == 0
    assert len(path.read_text().strip()) >= 24
    assert graph_server.endpoint().password == path.read_text().strip()
    state = json.loads((graph_settings.graph_dir / "server.json").read_text())
    assert "password" not in json.dumps(state).lower()


def test_port_taken_is_a_clear_error(tmp_path) -> None:
    with socket.socket() as blocker:
        blocker.bind(("127.0.0.1", 0))
        blocker.listen()
        taken = blocker.getsockname()[1]
        settings = Settings(data_dir=tmp_path, embedded_bolt_port=taken, embedded_http_port=free_port())
        with pytest.raises(ServerStartError, match=rf"Port {taken} \(Bolt\) is taken"):
            EmbeddedServer(settings).ensure_running()


def test_no_disk_space_is_a_clear_error(tmp_path) -> None:
    settings = Settings(
        data_dir=tmp_path,
        embedded_bolt_port=free_port(),
        embedded_http_port=free_port(),
        min_free_disk_mb=10**12,
    )
    with pytest.raises(ServerStartError, match="MB free"):
        EmbeddedServer(settings).ensure_running()


def test_stale_state_file_is_ignored(tmp_path) -> None:
    settings = Settings(data_dir=tmp_path, embedded_bolt_port=free_port(), embedded_http_port=free_port())
    server = EmbeddedServer(settings)
    settings.graph_dir.mkdir(parents=True)
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True
    )
    server.state_file.write_text(json.dumps({"pid": int(dead.stdout), "bolt_port": 1, "http_port": 2}))
    assert server.state() is None
    assert not server.state_file.exists()
    assert server.stop() is False


def test_start_failure_reports_the_log(tmp_path) -> None:
    settings = Settings(data_dir=tmp_path, embedded_bolt_port=free_port(), embedded_http_port=free_port())
    server = EmbeddedServer(settings)
    settings.log_dir.mkdir(parents=True)
    server.log_file.write_text("boot\njava.net.BindException: Address already in use\n")
    assert "port it needs is already in use" in server._diagnose()
    server.log_file.write_text("boot\nIOException: No space left on device\n")
    assert "disk is full" in server._diagnose()


def test_jvm_options_reach_the_server(tmp_path) -> None:
    """`embedded_jvm_args` is passed to the server's JVM: an option it does not know stops the start,
    and the error quotes the JVM's complaint."""
    settings = Settings(
        data_dir=tmp_path, embedded_bolt_port=free_port(), embedded_http_port=free_port(),
        embedded_jvm_args="-XX:TieredStopAtLevel=1 -XX:+LlmxNoSuchOption", _env_file=None,  # type: ignore[call-arg]
    )  # fmt: skip
    with pytest.raises(ServerStartError, match="LlmxNoSuchOption"):
        EmbeddedServer(settings).ensure_running()
