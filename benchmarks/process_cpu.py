"""CPU seconds by kind of process, for the processes this benchmark starts (Linux /proc, sampled).

A thread reads /proc/<pid>/stat of every descendant of this process every `interval` seconds and keeps each one's
latest user + system time, so a process that exits loses at most its last interval. The kinds: the engine
(`pulumi`), the language host, the Python program, the dynamic provider host, the native plugin, depot-local, and
the rest (this process's own threads are not counted: the benchmark driver and the fleet command run in it). Processes
already running when it starts (depot-local) count from then on.
There is no library here for this: psutil is not installed, and reading /proc is twenty lines.
"""

from __future__ import annotations

import os
import threading
from collections import defaultdict
from pathlib import Path
from types import TracebackType

TICKS = os.sysconf("SC_CLK_TCK")
KINDS = (
    ("pulumi-language-python", "language host"),
    ("pulumi-language-python-exec", "program"),
    ("pulumi.dynamic", "dynamic provider host"),
    ("pulumi-resource-depot", "native plugin"),
    ("depot_local", "depot-local"),
    ("depot-local", "depot-local"),
)


def kind_of(command_line: list[str]) -> str:
    text = " ".join(command_line)
    for needle, kind in reversed(KINDS):  # the exec script's name contains the language host's
        if needle in text:
            return kind
    if command_line and Path(command_line[0]).name == "pulumi":
        return "engine (pulumi)"
    return "other"


def _children() -> dict[int, int]:
    """Every process's parent pid."""
    parents = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            parents[int(entry.name)] = int(fields[1])
    return parents


class ProcessCpu:
    """`with ProcessCpu() as cpu: ...`, then `cpu.seconds`: {kind: CPU seconds} of the descendants started inside."""

    def __init__(self, interval: float = 0.2) -> None:
        self.interval = interval
        self.seconds: dict[str, float] = {}
        self._latest: dict[int, tuple[str, float]] = {}
        self._baseline: dict[int, float] = {}  # processes already running (depot-local): what they had used
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> ProcessCpu:
        self._sample()
        self._baseline = {pid: used for pid, (_, used) in self._latest.items()}
        self._thread.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self._stop.set()
        self._thread.join()
        totals: dict[str, float] = defaultdict(float)
        for pid, (name, seconds) in self._latest.items():
            totals[name] += seconds - self._baseline.get(pid, 0.0)
        self.seconds = dict(sorted(totals.items(), key=lambda item: -item[1]))

    def _descendants(self) -> list[int]:
        parents = _children()
        found, frontier = [], [os.getpid()]
        while frontier:
            parent = frontier.pop()
            for pid, ppid in parents.items():
                if ppid == parent:
                    found.append(pid)
                    frontier.append(pid)
        return found

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self._sample()
        self._sample()

    def _sample(self) -> None:
        for pid in self._descendants():
            try:
                stat = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
                command_line = Path(f"/proc/{pid}/cmdline").read_text().split("\0")
            except OSError:
                continue
            used = (int(stat[11]) + int(stat[12])) / TICKS
            name = self._latest[pid][0] if pid in self._latest else kind_of(command_line)
            self._latest[pid] = (name, used)
