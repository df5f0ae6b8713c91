"""TEST TOOLING: one stack of a Pulumi program directory under the real `pulumi` CLI, through the Automation API.

The CLI is the one scripts/install-pulumi.sh builds into .tools/bin (with the Python language host and the
dynamic-provider plugin beside it). Every stack gets its own PULUMI_HOME and local file backend under its work
directory and the passphrase secrets provider; nothing reaches beyond 127.0.0.1. `depot:apiUrl` and `depot:token`
(a secret) are stack config, and DEPOT_TOKEN / DEPOT_API_URL are removed from the CLI's environment, so the
provider is configured the way users configure it.

    stack = PulumiStack(program_dir, work_dir, api_url=org.url, token=org.token)
    stack.up()                    -> Ops: logical name -> what the update did (create, update, replace, ...)
    stack.preview(expect_no_changes=True)
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import select
import signal
import subprocess
import sys
import tarfile
import textwrap
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Final

import pytest
from pulumi import automation as auto

ROOT: Final = Path(__file__).resolve().parents[2]
SCHEMA_FILE: Final = ROOT / "provider" / "pulumi_depot_provider" / "native" / "schema.json"
"""The package schema (scripts/gen_schema.py writes it; the plugin serves it)."""
TOOLS: Final = Path(os.environ.get("PULUMI_DEPOT_TOOLS", ROOT / ".tools"))
PULUMI: Final = TOOLS / "bin" / "pulumi"
PASSPHRASE: Final = "pulumi-depot-tests"
DYNAMIC_TYPE_PREFIX: Final = "pulumi-python:dynamic/"
NATIVE_TYPES: Final = frozenset(
    token
    for token, resource in json.loads(SCHEMA_FILE.read_text())["resources"].items()
    if not resource.get("isComponent")
)
"""The native plugin's resource types (depot:index:Project, ...); not the TenantProject component's (its children's
ops are the Depot resources' ops, under the component's own logical name)."""


def is_depot_resource(type_token: str) -> bool:
    """A Depot resource of either front end: the dynamic SDK's or the native plugin's (the examples' native twins)."""
    return type_token.startswith(DYNAMIC_TYPE_PREFIX) or type_token in NATIVE_TYPES


Ops = dict[str, str]
"""Logical name -> step op, Depot resources only (dynamic or native); a replacement's steps are one ``replace``."""

_REPLACEMENT_OPS: Final = {"replace", "create-replacement", "delete-replaced", "discard-replaced"}
# Variables of the test process that must not reach the CLI, the program or the provider host.
# PULUMI_DEPOT_JOURNAL_DIR: each stack's create journal lives in its own PULUMI_HOME, as on a user's machine.
_SCRUBBED: Final = (
    "DEPOT_TOKEN",
    "DEPOT_API_URL",
    "PULUMI_ACCESS_TOKEN",
    "PULUMI_BACKEND_URL",
    "PULUMI_HOME",
    "PULUMI_DEPOT_JOURNAL_DIR",
)


def pulumi_available() -> str | None:
    """None when the built CLI is there, else why not (for a skip on a developer machine; CI never skips)."""
    if PULUMI.exists():
        return None
    return f"{PULUMI} is missing: run scripts/install-pulumi.sh"


def cli_environment(home: Path, backend: Path, extra: Mapping[str, str] | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in _SCRUBBED}
    env.update(
        {
            # The built CLI and its plugins first, then this interpreter's virtualenv (the program's and the
            # provider host's Python).
            "PATH": os.pathsep.join([str(PULUMI.parent), str(Path(sys.executable).parent), env.get("PATH", "")]),
            "PULUMI_HOME": str(home),
            # Explicit, not only scrubbed: the Automation API adds os.environ under env_vars, so a variable the
            # test process has would otherwise reach `up` but not `running_cli`.
            "PULUMI_DEPOT_JOURNAL_DIR": str(home / "depot" / "journal"),
            "PULUMI_BACKEND_URL": f"file://{backend}",
            "PULUMI_CONFIG_PASSPHRASE": PASSPHRASE,
            "PULUMI_SKIP_UPDATE_CHECK": "true",
            "PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION": "true",
            "PULUMI_PYTHON_CMD": sys.executable,
        }
    )
    env.update(extra or {})
    return env


def ops_of(events: list[auto.EngineEvent]) -> Ops:
    ops: Ops = {}
    for event in events:
        pre = event.resource_pre_event
        if pre is None or not is_depot_resource(pre.metadata.type):
            continue
        name = pre.metadata.urn.rsplit("::", 1)[1]
        op = pre.metadata.op.value
        ops[name] = "replace" if op in _REPLACEMENT_OPS or ops.get(name) == "replace" else op
    return ops


class PulumiStack:
    """Stack ``stack`` of the program in ``program_dir``, with PULUMI_HOME and the backend under ``work_dir``."""

    def __init__(
        self,
        program_dir: Path,
        work_dir: Path,
        *,
        api_url: str,
        token: str,
        stack: str = "dev",
        env: Mapping[str, str] | None = None,
    ) -> None:
        self.program_dir = program_dir
        self.work_dir = work_dir
        home, backend = work_dir / "pulumi-home", work_dir / "pulumi-backend"
        home.mkdir(parents=True, exist_ok=True)
        backend.mkdir(parents=True, exist_ok=True)
        self.env = cli_environment(home, backend, env)
        workspace = auto.LocalWorkspace(
            work_dir=str(program_dir),
            pulumi_home=str(home),
            env_vars=self.env,
            secrets_provider="passphrase",
            pulumi_command=auto.PulumiCommand(root=str(TOOLS)),
        )
        self.stack = auto.Stack.create_or_select(stack, workspace)
        self.set_config("depot:apiUrl", api_url)
        self.set_config("depot:token", token, secret=True)
        self.log: list[str] = []
        self.depot_types: set[str] = set()
        """The types of the Depot resources every up, preview and refresh so far stepped through."""

    @property
    def name(self) -> str:
        return self.stack.name

    def set_config(self, key: str, value: str, *, secret: bool = False) -> None:
        """Stack config in the project's namespace (``keepGb``) or another (``depot:apiUrl``)."""
        self.stack.set_config(key, auto.ConfigValue(value=value, secret=secret))

    def remove_config(self, key: str) -> None:
        self.stack.remove_config(key)

    def _output(self, line: str) -> None:
        self.log.append(line)

    def _ops(self, events: list[auto.EngineEvent]) -> Ops:
        self.depot_types |= {
            e.resource_pre_event.metadata.type
            for e in events
            if e.resource_pre_event is not None and is_depot_resource(e.resource_pre_event.metadata.type)
        }
        return ops_of(events)

    def up(self, **options: Any) -> Ops:
        events: list[auto.EngineEvent] = []
        self.stack.up(on_output=self._output, on_event=events.append, **options)
        return self._ops(events)

    def preview(self, **options: Any) -> Ops:
        events: list[auto.EngineEvent] = []
        self.stack.preview(on_output=self._output, on_event=events.append, **options)
        return self._ops(events)

    def preview_text(self, *args: str) -> str:
        """`pulumi preview` as a user reads it (``--diff`` and the like), plain text."""
        return self.cli("preview", "--color", "never", *args)

    def refresh(self, **options: Any) -> Ops:
        events: list[auto.EngineEvent] = []
        self.stack.refresh(on_output=self._output, on_event=events.append, **options)
        return self._ops(events)

    def destroy(self, **options: Any) -> None:
        self.stack.destroy(on_output=self._output, **options)

    def outputs(self) -> dict[str, Any]:
        """Stack outputs with secrets revealed."""
        return {key: value.value for key, value in self.stack.outputs().items()}

    def secret_outputs(self) -> set[str]:
        return {key for key, value in self.stack.outputs().items() if value.secret}

    def export(self) -> dict[str, Any]:
        """The stack's state as `pulumi stack export` writes it (secrets encrypted)."""
        return json.loads(self.cli("stack", "export"))  # type: ignore[no-any-return]

    def resources(self) -> dict[str, dict[str, Any]]:
        """The state's Depot resources by logical name (``id``, ``inputs``, ``outputs``, ``protect``, ...)."""
        deployment = self.export()["deployment"]
        return {r["urn"].rsplit("::", 1)[1]: r for r in deployment.get("resources", []) if is_depot_resource(r["type"])}

    def cli(self, *args: str, check: bool = True) -> str:
        """The CLI itself, for what the Automation API does not wrap; returns stdout."""
        completed = subprocess.run(
            [str(PULUMI), *args, "--stack", self.name, "--non-interactive"],
            cwd=self.program_dir,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        if check and completed.returncode != 0:
            raise auto.CommandError(
                auto._cmd.CommandResult(  # the Automation API's own error shape
                    stdout=completed.stdout, stderr=completed.stderr, code=completed.returncode
                )
            )
        return completed.stdout

    def repair_after_kill(self) -> list[Path]:
        """After a kill, what a user does when `pulumi cancel` answers "failed to load checkpoint: EOF": delete the
        local backend's torn metadata files. Returns those it deleted (none, most of the time).

        The diy backend writes through gocloud's fileblob: each file (the stack's checkpoint, its ``.bak``, a lock)
        is written beside its place and renamed into it, so a kill never tears one. Its metadata sidecar,
        ``<file>.attrs``, is truncated and rewritten in place just before that rename: a kill in between leaves it
        empty, and every command that opens the file then fails with EOF. A missing sidecar reads as default
        metadata, and the file's next write makes a new one."""
        backend = self.work_dir / "pulumi-backend"
        torn = [sidecar for sidecar in sorted(backend.rglob("*.attrs")) if not _json_object(sidecar)]
        for sidecar in torn:
            sidecar.unlink()
        for checkpoint in (backend / ".pulumi" / "stacks").rglob(f"{self.name}.json"):
            assert _json_object(checkpoint), f"{checkpoint} is torn, which its atomic replacement should rule out"
        return torn

    @contextmanager
    def running_cli(self, *args: str) -> Iterator[subprocess.Popen[str]]:
        """`pulumi ARGS` started in the background (for interrupting it); output goes to ``self.log``."""
        process = subprocess.Popen(
            [str(PULUMI), *args, "--stack", self.name, "--non-interactive"],
            cwd=self.program_dir,
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )
        assert process.stdout is not None
        reader = threading.Thread(target=lambda: self.log.extend(process.stdout), daemon=True)  # type: ignore[arg-type]
        reader.start()
        try:
            yield process
        finally:
            if process.poll() is None:
                kill_process_tree(process.pid)
            process.wait()
            reader.join(timeout=10)


def process_tree(root: int) -> list[int]:
    """``root`` and every process descended from it (Linux /proc; a process gone mid-walk is left out)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(parent, []).append(int(entry.name))
    tree, pending = [], [root]
    while pending:
        pid = pending.pop()
        tree.append(pid)
        pending += children.get(pid, [])
    return tree


def kill_process_tree(root: int, deadline: float = 180.0) -> set[int]:
    """SIGKILL ``root`` and all its descendants at once, as a machine losing power would stop them; returns once
    every one of them has exited (a zombie has), so nothing of the tree still runs when the caller goes on.

    The engine starts each plugin (language host, provider hosts) in a process group of its own, so a kill of the
    CLI's group leaves them running, still calling Depot. The tree is frozen first (SIGSTOP, repeated until no new
    process appears, since a stopped process cannot fork), then killed through pidfds opened while it is frozen (a
    stopped process cannot exit, so no pid is reused in between), whose readiness is the event waited for.
    ``deadline`` (seconds) is a safety net against a process that never dies, not a synchronisation device.
    Returns the pids it killed."""
    frozen: set[int] = set()
    while new := [pid for pid in process_tree(root) if pid not in frozen]:
        for pid in new:
            _signal(pid, signal.SIGSTOP)
        frozen.update(new)
    handles = {}
    for pid in frozen:
        with contextlib.suppress(ProcessLookupError):  # gone already
            handles[pid] = os.pidfd_open(pid)
    try:
        poller = select.poll()
        for handle in handles.values():
            with contextlib.suppress(ProcessLookupError):
                signal.pidfd_send_signal(handle, signal.SIGKILL)
            poller.register(handle, select.POLLIN)
        waiting, ends = set(handles.values()), time.monotonic() + deadline
        while waiting and (left := ends - time.monotonic()) > 0:
            for handle, _ in poller.poll(left * 1000):
                poller.unregister(handle)
                waiting.discard(handle)
        assert not waiting, f"processes {sorted(p for p, h in handles.items() if h in waiting)} survived SIGKILL"
    finally:
        for handle in handles.values():
            os.close(handle)
    return frozen


def _signal(pid: int, sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError):  # already gone
        os.kill(pid, sig)


def _json_object(path: Path) -> bool:
    try:
        return isinstance(json.loads(path.read_bytes()), dict)
    except ValueError:
        return False


def fails(action: Callable[..., Any], *args: Any, **kwargs: Any) -> str:
    """Runs a stack action that must fail; returns what the CLI printed (stdout and stderr) in one string."""
    with pytest.raises(auto.CommandError) as failure:
        action(*args, **kwargs)
    return str(failure.value)


# When an update fails, the engine cancels the program's registrations still in flight. Pulumi's Python runtime
# raises each as Exception("context canceled") and its exec script (Pulumi's, unchanged) reports "Program failed
# with an unhandled exception" with the traceback. Whether a registration is in flight then is timing (it shows on a
# loaded machine), and the report is Pulumi's, as under Pulumi's released host: tests leave it out with
# `without_cancelled_program` before asserting that no traceback of ours was printed.
_CANCELLED_PROGRAM: Final = re.compile(
    r"Program failed with an unhandled exception:\n.*?\bException: context canceled\n", re.DOTALL
)


def without_cancelled_program(printed: str) -> str:
    """What the CLI printed, without Pulumi's report of the program's registrations cancelled by a failed update."""
    return _CANCELLED_PROGRAM.sub("", printed)


def code_at(commit: str, paths: tuple[str, ...], into: Path) -> Path:
    """The repository's `paths` as they were at `commit`, under `into` (git archive), for upgrade tests that run a
    stack with the previous code first; the test fails naming the fix when the commit is not in the history."""
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", "--format=tar", commit, *paths], capture_output=True, check=False
    )
    if archive.returncode != 0:
        pytest.fail(f"commit {commit} is not in {ROOT}'s history (a shallow clone?): run `git fetch --unshallow`")
    with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
        tar.extractall(into, filter="data")
    return into


def write_program(directory: Path, source: str, *, project: str = "depot-test") -> Path:
    """A program directory (Pulumi.yaml, ``__main__.py`` holding ``source``) for a test's own program."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "Pulumi.yaml").write_text(f"name: {project}\nruntime: python\n", encoding="utf-8")
    (directory / "__main__.py").write_text(textwrap.dedent(source), encoding="utf-8")
    return directory


def plaintext_in(path: Path, *needles: str) -> list[str]:
    """Files under ``path`` (a backend, a PULUMI_HOME, a program copy) that contain any needle, with the needle."""
    found = []
    for file in sorted(p for p in path.rglob("*") if p.is_file()):
        data = file.read_bytes()
        found += [f"{file}: {needle!r}" for needle in needles if needle and needle.encode() in data]
    return found
