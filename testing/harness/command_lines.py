"""TEST TOOLING: what `ps` shows of a process tree while it runs. /proc/PID/cmdline is readable by every user of the
machine, so a secret there is disclosed: tests collect every command line a tree shows and look for their secrets.

    with stack.running_cli("up", "--yes") as process, command_lines(process.pid) as seen:
        process.wait()
    assert not [line for lines in seen.values() for line in lines if token.encode() in line]

A process that lives only part of the run is seen for sure only if the test keeps it alive (e.g. a GateProxy holds
its call) and then waits for ``seen.wait_for_walk()``: a whole walk of the tree while it was there.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from pathlib import Path

from pulumi_stack import process_tree

SAMPLE_INTERVAL = 0.01  # seconds between two walks of the tree; short against any process that talks to Depot
DEADLINE = 180.0  # a safety net against a stuck sampler, never a synchronisation device


class Seen(dict[int, set[bytes]]):
    """pid -> every command line seen; ``wait_for_walk`` returns once a walk that began after the call is over."""

    def __init__(self) -> None:
        super().__init__()
        self._walks = 0
        self._walked = threading.Condition()

    def wait_for_walk(self) -> None:
        with self._walked:
            whole = self._walks + 2  # the walk under way may have begun before the call
            if not self._walked.wait_for(lambda: self._walks >= whole, timeout=DEADLINE):
                raise AssertionError(f"no walk of the process tree ended within {DEADLINE} s")

    def _walk_ended(self) -> None:
        with self._walked:
            self._walks += 1
            self._walked.notify_all()


@contextlib.contextmanager
def command_lines(root: int) -> Iterator[Seen]:
    """pid -> every command line (NUL-separated arguments, as /proc has them) seen in the tree of ``root`` until the
    block ends. A test proves the sampling covered a process by finding its pid or its command line."""
    seen = Seen()
    done = threading.Event()

    def sample() -> None:
        while True:
            for pid in process_tree(root):
                with contextlib.suppress(OSError):  # gone between the walk and the read
                    seen.setdefault(pid, set()).add(Path(f"/proc/{pid}/cmdline").read_bytes())
            seen._walk_ended()
            if done.wait(SAMPLE_INTERVAL):
                return

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        yield seen
    finally:
        done.set()
        sampler.join()
