"""Whether a process still runs: the graph server's supervisor and the job sweep both ask."""

from __future__ import annotations

import os


def pid_alive(pid: int) -> bool:
    """True while `pid` runs. Our own finished child is reaped first, or it would linger as a zombie
    that `kill(pid, 0)` still reports as alive."""
    try:
        if os.waitpid(pid, os.WNOHANG)[0] == pid:
            return False
    except ChildProcessError:
        pass
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, but someone else's
        return True
    return True
