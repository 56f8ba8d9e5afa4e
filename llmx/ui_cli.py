"""`llmx ui` (the Streamlit UI against a running API) and `llmx up` (the API and the UI together).

Both run the servers as child processes of this command and stop them when it ends (Ctrl-C).
The UI is a client of the API only: it gets the API's address (`LLMX_UI_API_URL`), never the
graph's or the models'.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Annotated

import httpx
import typer

from core.settings import get_settings

from .console import fail, out

UI_APP = Path(__file__).resolve().parents[1] / "ui" / "app.py"
API_FACTORY = "api.app:create_default_app"  # by name: the CLI never imports the API
API_START_TIMEOUT_S = 300.0  # the first start may open the graph server and the indexes

Host = Annotated[str, typer.Option(help="Interface to listen on (loopback by default).")]
UiPort = Annotated[int, typer.Option(help="Port of the UI.")]


def streamlit_command(host: str, port: int) -> list[str]:
    return [
        sys.executable, "-m", "streamlit", "run", str(UI_APP), "--server.address", host,
        "--server.port", str(port), "--server.headless", "true", "--browser.gatherUsageStats", "false",
        "--server.fileWatcherType", "none", "--client.toolbarMode", "minimal",
    ]  # fmt: skip


def api_command(host: str, port: int) -> list[str]:
    return [sys.executable, "-m", "uvicorn", "--factory", API_FACTORY, "--host", host, "--port", str(port),
            "--no-access-log"]  # fmt: skip


def wait_for_api(url: str, process: subprocess.Popen[bytes], timeout: float = API_START_TIMEOUT_S) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise fail(
                f"The API exited (code {process.returncode}) before it answered; see its output above."
            )
        try:
            if httpx.get(f"{url}/healthz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise fail(f"The API at {url} did not answer within {timeout:.0f} s.")


def _stop(processes: list[subprocess.Popen[bytes]]) -> None:
    for process in processes:
        if process.poll() is None:
            process.terminate()  # both servers shut down cleanly on SIGTERM
    for process in processes:
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def _wait(processes: list[subprocess.Popen[bytes]]) -> None:
    """Until Ctrl-C (or SIGTERM) or until one server exits; then stop the others."""
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        while all(p.poll() is None for p in processes):
            time.sleep(0.5)
    except KeyboardInterrupt:
        out.print("\nStopping…")
    finally:
        _stop(processes)


def ui(
    host: Host = "127.0.0.1",
    port: UiPort = 8501,
    api_url: Annotated[
        str | None,
        typer.Option(help="The API's base URL (default: LLMX_UI_API_URL, else this machine's llmx serve)."),
    ] = None,
) -> None:
    """Start the Streamlit UI (chat, model explorer, news, admin) against a running API."""
    settings = get_settings()
    url = api_url or os.environ.get("LLMX_UI_API_URL") or f"http://{settings.api_host}:{settings.api_port}"
    out.print(f"UI on http://{host}:{port} (API: {url}); Ctrl-C stops it.")
    env = {**os.environ, "LLMX_UI_API_URL": url}
    _wait([subprocess.Popen(streamlit_command(host, port), env=env)])


def up(
    host: Host = "127.0.0.1",
    api_port: Annotated[
        int | None, typer.Option(help="Port of the API (default: LLMX_API_PORT, 8000).")
    ] = None,
    ui_port: UiPort = 8501,
) -> None:
    """Start the API and the UI together; sign in with the key the API prints the place of."""
    settings = get_settings()
    port = api_port or settings.api_port
    url = f"http://{host}:{port}"
    out.print(f"Starting the API on {url} (the graph server and indexes open on the first start)…")
    api = subprocess.Popen(api_command(host, port))
    try:
        wait_for_api(url, api)
    except typer.Exit:
        _stop([api])
        raise
    env = {**os.environ, "LLMX_UI_API_URL": url}
    ui_process = subprocess.Popen(streamlit_command(host, ui_port), env=env)
    key_file = settings.api_dir / "admin.key"
    out.print(
        f"\nAPI: {url}   UI: http://{host}:{ui_port}\n"
        f"Sign in with the bootstrap admin key in {key_file} (cat it); Ctrl-C stops both."
    )
    _wait([api, ui_process])
