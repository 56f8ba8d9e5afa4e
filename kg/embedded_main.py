"""Process entry point of the embedded ArcadeDB server (run as `python -m kg.embedded_main`).

It runs in its own process so that every CLI command, test session, API worker and UI
talks to one server over Bolt, exactly as they would to a real Neo4j.
The root password arrives through the LLMX_EMBEDDED_ROOT_PASSWORD variable, never argv.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import signal
import sys
import threading
from pathlib import Path


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--root", required=True, type=Path)
    parser.add_argument("--database", required=True)
    parser.add_argument("--bolt-port", required=True, type=int)
    parser.add_argument("--http-port", required=True, type=int)
    parser.add_argument("--heap", default="2g")
    parser.add_argument("--jvm-args", default="", help="Extra JVM options, space-separated.")
    parser.add_argument("--state-file", required=True, type=Path)
    args = parser.parse_args()
    password = os.environ.pop("LLMX_EMBEDDED_ROOT_PASSWORD", "")

    import arcadedb_embedded  # heavy: starts a JVM

    server = arcadedb_embedded.ArcadeDBServer(
        root_path=str(args.root / "databases"),
        root_password=password,
        config={
            "server_plugins": "Bolt:com.arcadedb.bolt.BoltProtocolPlugin",
            "bolt_port": args.bolt_port,
            "http_port": args.http_port,
            "host": "localhost",
        },
        # -Xrs: the JVM leaves SIGTERM/SIGINT to Python, whose handler below stops the server cleanly.
        jvm_kwargs={"heap_size": args.heap, "jvm_args": ["-Xrs", *shlex.split(args.jvm_args)]},
    )
    server.start()
    server.create_database(args.database)

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    state = {"pid": os.getpid(), "bolt_port": args.bolt_port, "http_port": args.http_port}
    tmp = args.state_file.with_suffix(".tmp")
    tmp.write_text(json.dumps(state))
    tmp.replace(args.state_file)
    print("llmx-embedded-ready", flush=True)
    try:
        stop.wait()
    finally:
        args.state_file.unlink(missing_ok=True)
        server.stop()
    # The server has closed its databases; leftover JVM threads would keep the process alive for
    # tens of seconds, so end it now.
    os._exit(0)


if __name__ == "__main__":
    sys.exit(main())
