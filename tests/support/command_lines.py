"""TEST TOOLING: what `ps` shows of a process tree while it runs. /proc/PID/cmdline is readable by every user of the
machine, so a secret there is disclosed: tests collect every command line a tree shows and look for their secrets.

    with stack.running_cli("up", "--yes") as process, command_lines(process.pid) as seen:
        process.wait()
    assert not [line for lines in seen.values() for line in lines if token.encode() in line]
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from pathlib import Path

from pulumi_stack import process_tree

SAMPLE_INTERVAL = 0.01  # seconds between two walks of the tree; short against any process that talks to Depot


@contextlib.contextmanager
def command_lines(root: int) -> Iterator[dict[int, set[bytes]]]:
    """pid -> every command line (NUL-separated arguments, as /proc has them) seen in the tree of ``root`` until the
    block ends. A test proves the sampling covered a process by finding its pid or its command line."""
    seen: dict[int, set[bytes]] = {}
    done = threading.Event()

    def sample() -> None:
        while True:
            for pid in process_tree(root):
                with contextlib.suppress(OSError):  # gone between the walk and the read
                    seen.setdefault(pid, set()).add(Path(f"/proc/{pid}/cmdline").read_bytes())
            if done.wait(SAMPLE_INTERVAL):
                return

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        yield seen
    finally:
        done.set()
        sampler.join()
