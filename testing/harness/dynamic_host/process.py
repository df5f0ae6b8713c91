"""The ``python -u -m pulumi.dynamic`` process, started and stopped the way the engine does (TEST TOOLING).

The host prints its gRPC port as the first line on stdout. The rest of its stdout is drained by a thread (so a
chatty provider cannot fill the pipe and stall the host) and its stderr goes to an unlinked temporary file; both
are kept for diagnostics. The process runs in its own session, and stopping kills the whole process group.
"""

from __future__ import annotations

import contextlib
import os
import selectors
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

from .results import HostStartError

_STOP_GRACE_SECONDS = 5.0


class HostProcess:
    """One provider host process. ``start`` returns once the port is known; ``stop`` is idempotent."""

    def __init__(self, env: Mapping[str, str], cwd: Path | None) -> None:
        self._env = dict(env)
        self._cwd = cwd
        self._popen: subprocess.Popen[bytes] | None = None
        # Lives as long as this object (closed in close()): the host writes to it for its whole life.
        self._stderr_file = tempfile.TemporaryFile()  # noqa: SIM115
        self._stderr_after_close = ""
        self._stdout = bytearray()
        self._stdout_lock = threading.Lock()
        self._drain: threading.Thread | None = None

    @property
    def pid(self) -> int:
        if self._popen is None:
            raise RuntimeError("the provider host has not been started")
        return self._popen.pid

    @property
    def running(self) -> bool:
        return self._popen is not None and self._popen.poll() is None

    def start(self, timeout: float) -> int:
        """Start the host and return its port, or raise HostStartError within ``timeout`` seconds."""
        if self._popen is not None:
            raise RuntimeError("the provider host was already started")
        self._popen = subprocess.Popen(
            [sys.executable, "-u", "-m", "pulumi.dynamic"],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=self._stderr_file,
            env=self._env,
            cwd=self._cwd,
            start_new_session=True,
        )
        port = self._read_port(time.monotonic() + timeout)
        self._drain = threading.Thread(target=self._drain_stdout, name=f"drain-host-{self.pid}", daemon=True)
        self._drain.start()
        return port

    def _read_port(self, deadline: float) -> int:
        assert self._popen is not None and self._popen.stdout is not None
        fd = self._popen.stdout.fileno()
        received = bytearray()
        with selectors.DefaultSelector() as selector:
            selector.register(fd, selectors.EVENT_READ)
            while b"\n" not in received:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise HostStartError(self._start_failure("did not print its port in time"))
                if not selector.select(remaining):
                    continue
                chunk = os.read(fd, 4096)
                if not chunk:
                    raise HostStartError(self._start_failure("exited before printing its port"))
                received += chunk
        line, _, rest = bytes(received).partition(b"\n")
        self._stdout += rest
        try:
            return int(line.strip())
        except ValueError:
            raise HostStartError(self._start_failure(f"printed {line[:200]!r} instead of a port")) from None

    def _start_failure(self, what: str) -> str:
        self.stop()
        return f"the dynamic provider host ({sys.executable} -m pulumi.dynamic) {what}; stderr:\n{self.stderr()}"

    def _drain_stdout(self) -> None:
        assert self._popen is not None and self._popen.stdout is not None
        fd = self._popen.stdout.fileno()
        while chunk := os.read(fd, 65536):
            with self._stdout_lock:
                self._stdout += chunk

    def stdout(self) -> str:
        """What the host printed on stdout after its port line."""
        with self._stdout_lock:
            return self._stdout.decode(errors="replace")

    def stderr(self) -> str:
        if self._stderr_file.closed:
            return self._stderr_after_close
        return os.pread(self._stderr_file.fileno(), os.fstat(self._stderr_file.fileno()).st_size, 0).decode(
            errors="replace"
        )

    def stop(self) -> None:
        """Kill the host's process group (SIGTERM, then SIGKILL after a grace period) and reap it."""
        popen = self._popen
        if popen is None:
            return
        # start_new_session made the host a session and group leader: its group id is its pid.
        self._signal_group(popen.pid, signal.SIGTERM)
        try:
            popen.wait(timeout=_STOP_GRACE_SECONDS)
        except subprocess.TimeoutExpired:
            self._signal_group(popen.pid, signal.SIGKILL)
            popen.wait()
        # Anything the host forked shares its group: make sure it is gone too.
        self._signal_group(popen.pid, signal.SIGKILL)
        if self._drain is not None and self._drain is not threading.current_thread():
            self._drain.join(timeout=_STOP_GRACE_SECONDS)
        if popen.stdout is not None and (self._drain is None or not self._drain.is_alive()):
            popen.stdout.close()

    @staticmethod
    def _signal_group(pgid: int, sig: signal.Signals) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pgid, sig)

    def close(self) -> None:
        """Stop the host and release its stderr file; its output stays readable."""
        self.stop()
        if not self._stderr_file.closed:
            self._stderr_after_close = self.stderr()
            self._stderr_file.close()


def host_environment(
    project: str, overrides: Mapping[str, str] | None, python_path: Sequence[str | os.PathLike[str]]
) -> dict[str, str]:
    """The host's environment: ours, PULUMI_PROJECT (which the engine sets), the caller's overrides, and
    ``python_path`` entries put first on PYTHONPATH so the host can import provider modules."""
    env = {**os.environ, "PULUMI_PROJECT": project, **(overrides or {})}
    if python_path:
        entries = [os.fspath(Path(p).resolve()) for p in python_path]
        if env.get("PYTHONPATH"):
            entries.append(env["PYTHONPATH"])
        env["PYTHONPATH"] = os.pathsep.join(entries)
    return env
