"""Progress as plain log lines (what a pipe or a log file gets instead of terminal bars)."""

from __future__ import annotations

import re
import subprocess
import sys

from core.progress import LogProgress


def test_a_line_every_few_seconds_with_rate_and_time_left() -> None:
    now = [0.0]
    lines: list[str] = []
    progress = LogProgress(lines.append, interval_s=5, clock=lambda: now[0])
    task = progress.start("articles", total=1000)
    for _ in range(20):  # 50 items per second, one advance a second
        now[0] += 1
        progress.advance(task, 50)
    progress.finish(task)
    progress.finish(task)  # twice is harmless
    assert lines[0] == "articles: started, 1000 to do"
    assert lines[1:-1] == [
        "articles: 250/1000 (25.0%), 50.0/s, 15s left",
        "articles: 500/1000 (50.0%), 50.0/s, 10s left",
        "articles: 750/1000 (75.0%), 50.0/s, 5s left",
        "articles: 1000/1000 (100.0%), 50.0/s, 0s left",
    ]
    assert lines[-1] == "articles: done, 1000 in 20s (50.0/s)"


def test_unknown_totals_and_long_runs_read_well() -> None:
    now = [0.0]
    lines: list[str] = []
    progress = LogProgress(lines.append, interval_s=5, clock=lambda: now[0])
    task = progress.start("read feed")
    now[0] = 6
    progress.advance(task, 12)
    slow = progress.start("chunks", total=100_000)
    now[0] = 100
    progress.advance(slow, 1000)
    assert lines[1] == "read feed: 12, 2.0/s"
    assert re.fullmatch(r"chunks: 1000/100000 \(1\.0%\), 10\.6/s, 2h3\dm left", lines[-1]), lines[-1]


def test_default_writes_to_stderr_not_stdout() -> None:
    code = (
        "from core.progress import LogProgress\n"
        "p = LogProgress(interval_s=0)\n"
        "t = p.start('x', total=2); p.advance(t); p.finish(t)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout == ""
    assert "x: started, 2 to do" in result.stderr and "x: 1/2 (50.0%)" in result.stderr
