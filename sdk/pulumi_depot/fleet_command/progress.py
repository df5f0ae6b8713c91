"""Progress of a fleet operation: a live table on a terminal (rich), plain lines otherwise (CI logs)."""

from __future__ import annotations

import sys
import threading
import time
from typing import TYPE_CHECKING, TextIO

from pulumi_depot.fleet_command.report import ShardOutcome, printable

if TYPE_CHECKING:
    from rich.progress import TaskID


class Progress:
    """Plain lines: one when a shard starts and one when it ends (with its step count and time)."""

    def __init__(self, operation: str, total: int, stream: TextIO | None = None, *, quiet: bool = False) -> None:
        self.operation = operation
        self.total = total
        self.stream = stream or sys.stderr
        self.quiet = quiet
        self.finished = 0
        self._lock = threading.Lock()

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *_: object) -> None:
        return None

    def _print(self, line: str) -> None:
        if not self.quiet:
            with self._lock:
                print(line, file=self.stream, flush=True)

    def start(self, outcome: ShardOutcome) -> None:
        self._print(f"[{self.operation}] {outcome.shard} (stack {outcome.stack}): started")

    def done(self, outcome: ShardOutcome) -> None:
        with self._lock:
            self.finished += 1
            finished = self.finished
        steps = len(outcome.events.steps) if outcome.events else 0
        self._print(
            f"[{self.operation}] {outcome.shard}: {outcome.status} ({steps} resources, {outcome.seconds:.1f} s) "
            f"[{finished}/{self.total}]"
        )

    def output(self, outcome: ShardOutcome, line: str) -> None:
        """The engine's own output is kept out of the summary; only errors reach the report."""


class RichProgress(Progress):
    """A bar per shard (resources stepped through) and one for the fleet, redrawn in place."""

    def __init__(self, operation: str, total: int, stream: TextIO | None = None, *, quiet: bool = False) -> None:
        super().__init__(operation, total, stream, quiet=quiet)
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, SpinnerColumn, TextColumn, TimeElapsedColumn
        from rich.progress import Progress as Bars

        self._bars = Bars(
            SpinnerColumn(),
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[state]}"),
            TimeElapsedColumn(),
            console=Console(file=self.stream),
            transient=False,
        )
        self._fleet = self._bars.add_task(f"fleet {operation}", total=total, state="")
        self._tasks: dict[str, TaskID] = {}
        self._stop = threading.Event()
        self._poller: threading.Thread | None = None
        self._running: dict[str, ShardOutcome] = {}

    def __enter__(self) -> RichProgress:
        self._bars.start()
        self._poller = threading.Thread(target=self._poll, daemon=True)
        self._poller.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        if self._poller is not None:
            self._poller.join()
        self._bars.stop()

    def _poll(self) -> None:
        while not self._stop.wait(0.25):
            for shard, outcome in list(self._running.items()):
                if outcome.events is not None:
                    done, seen = outcome.events.progress()
                    self._bars.update(self._tasks[shard], completed=done, total=max(seen, 1))

    def start(self, outcome: ShardOutcome) -> None:
        self._tasks[outcome.shard] = self._bars.add_task(f"  {outcome.shard}", total=None, state="running")
        self._running[outcome.shard] = outcome

    def done(self, outcome: ShardOutcome) -> None:
        self._running.pop(outcome.shard, None)
        steps = len(outcome.events.steps) if outcome.events else 0
        self._bars.update(
            self._tasks[outcome.shard], total=max(steps, 1), completed=max(steps, 1), state=outcome.status
        )
        self._bars.advance(self._fleet)
        if outcome.status == "failed":
            self._bars.console.print(f"{outcome.shard}: failed ({printable(outcome.error or 'see the summary', 200)})")


def progress_for(operation: str, total: int, *, quiet: bool, stream: TextIO | None = None) -> Progress:
    stream = stream or sys.stderr
    if not quiet and stream.isatty():
        return RichProgress(operation, total, stream)
    return Progress(operation, total, stream, quiet=quiet)


def elapsed(started: float) -> float:
    return time.monotonic() - started
