"""A throwaway PostgreSQL 15 cluster for the state-database tests: `initdb` in a temporary folder,
`pg_ctl start` on a free localhost port with trust auth, `pg_ctl stop` and the folder removed after.

PostgreSQL refuses to run as root, so as root the cluster belongs to the `postgres` OS user (Debian's
`postgresql` package makes it; `make install` installs the package) and its commands run through
`runuser`. When the binaries or that user are missing, or the server does not start, the fixture
skips with the reason.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

BIN_DIRS = [
    Path("/usr/lib/postgresql/15/bin"),
    *sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True),
]


def _bin_dir() -> Path | None:
    for folder in BIN_DIRS:
        if (folder / "initdb").is_file() and (folder / "pg_ctl").is_file():
            return folder
    found = shutil.which("pg_ctl")
    return Path(found).resolve().parent if found else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def postgres_cluster() -> Iterator[str]:
    """Yields a SQLAlchemy URL (psycopg 3) of an empty database `llmx` on a fresh cluster."""
    bin_dir = _bin_dir()
    if bin_dir is None:
        pytest.skip(
            "PostgreSQL is not installed (no initdb/pg_ctl): run `make install` as root, or apt-get install postgresql"
        )
    prefix: list[str] = []
    owner = None
    if os.geteuid() == 0:
        if shutil.which("runuser") is None:
            pytest.skip("PostgreSQL cannot run as root and runuser is missing")
        try:
            import pwd

            owner = pwd.getpwnam("postgres")
        except KeyError:
            pytest.skip(
                "PostgreSQL cannot run as root and there is no `postgres` OS user (apt-get install postgresql)"
            )
        prefix = ["runuser", "-u", "postgres", "--"]
    folder = Path(tempfile.mkdtemp(prefix="llmx-pg-"))
    if owner is not None:
        os.chown(folder, owner.pw_uid, owner.pw_gid)
    data, log = folder / "data", folder / "server.log"
    port = _free_port()
    env = {**os.environ, "LC_ALL": "C.UTF-8", "LANG": "C.UTF-8"}

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*prefix, *args], capture_output=True, text=True, env=env, timeout=120, check=False
        )

    try:
        init = run(str(bin_dir / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8")
        if init.returncode != 0:
            pytest.skip(f"initdb failed: {(init.stderr or init.stdout).strip()[-400:]}")
        options = f"-p {port} -c listen_addresses=127.0.0.1 -c unix_socket_directories={folder} -c fsync=off"
        start = run(
            str(bin_dir / "pg_ctl"), "-D", str(data), "-l", str(log), "-o", options, "-w", "-t", "60", "start"
        )
        if start.returncode != 0:
            tail = log.read_text()[-400:] if log.is_file() else start.stderr
            pytest.skip(f"PostgreSQL did not start: {tail.strip()}")
        try:
            import psycopg

            deadline = time.monotonic() + 30
            while True:
                try:
                    with psycopg.connect(f"host=127.0.0.1 port={port} user=postgres dbname=postgres",
                                         autocommit=True) as conn:  # fmt: skip
                        conn.execute("CREATE DATABASE llmx")
                    break
                except psycopg.OperationalError:
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.5)
            yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/llmx"
        finally:
            run(str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop")
    finally:
        shutil.rmtree(folder, ignore_errors=True)
