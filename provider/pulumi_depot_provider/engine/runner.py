"""The engine-shaped runner: ``preview``, ``up``, ``refresh`` and ``destroy`` for a Pulumi program whose resources
are dynamic resources, with state in a JSON file.

TEST TOOLING, not a replacement for Pulumi. It exists because the Pulumi CLI cannot be installed everywhere this
project is tested: the tests use it, and so does the quickstart when no Pulumi CLI is installed. It runs the
program unchanged on the SDK's mock monitor (``program.run_program``) and drives the real dynamic provider host
(``python -u -m pulumi.dynamic``, one process per operation) over gRPC the way the engine does (``host``); see
``deployment`` for the step semantics it reproduces and what it leaves out, and ``state`` for the state file and
how its secrets are encrypted.

Configuration: the stack's config (``Pulumi.<stack>.yaml`` in a project directory, merged with ``config``, which
wins) goes to the program and to the provider host's Configure, with secrets marked; the host's environment gets
``PULUMI_CONFIG`` and ``PULUMI_RUNTIME_*`` as the engine sets them (``project.provider_host_env``).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from .deployment import Deployment, RunnerError, describe, host_failure, reporting_failure, step_for
from .diffing import apply_ignore_changes, changed_keys
from .host import DynamicProviderHost
from .program import Program, ProgramError, run_program
from .project import load_project, load_stack_config, provider_host_env, qualify_key, split_config
from .props import PropertyError, Secret, mark_secret_outputs
from .results import HostError, HostStartError
from .state import ResourceState, StackState, StateError, StateFile, deletion_order
from .summary import Operation, Step, Summary

__all__ = ["Runner", "RunnerError"]


class Runner:
    """Runs one stack of one program. ``program`` is a Pulumi project directory (``Pulumi.yaml`` +
    ``__main__.py``; its name is the project) or a callable (``project`` names it, default ``"project"``).

    ``config`` maps keys (``depot:token``, or ``key`` for the project's namespace) to strings or ``Secret``
    strings. ``python_path`` entries go first on the provider host's PYTHONPATH; a project directory is the host's
    working directory, so modules beside ``__main__.py`` are importable there, as under the engine. ``env`` adds
    to the host's environment. Every operation raises ``RunnerError`` on failure, with the steps already taken
    (and saved) in its ``summary``.
    """

    def __init__(
        self,
        program: Program | str | os.PathLike[str],
        *,
        stack: str,
        state: str | os.PathLike[str],
        project: str | None = None,
        config: Mapping[str, str | Secret] | None = None,
        python_path: Sequence[str | os.PathLike[str]] = (),
        env: Mapping[str, str] | None = None,
        host_start_timeout: float = 30.0,
        host_call_timeout: float = 120.0,
    ) -> None:
        if not stack:
            raise ValueError("stack: give the stack's name, e.g. dev")
        self.stack = stack
        self.state_file = StateFile(state)
        runtime_options: dict[str, str] = {}
        stack_config: dict[str, str] = {}
        if callable(program):
            self.project = project or "project"
            self._program: Program | Path = program
            self._host_cwd: Path | None = None
        else:
            info = load_project(program)
            if project is not None and project != info.name:
                raise ValueError(f"project: {project!r} differs from the name in {info.directory}/Pulumi.yaml")
            self.project = info.name
            self._program = info.program
            self._host_cwd = info.program if info.program.is_dir() else info.program.parent
            runtime_options = info.runtime_options
            stack_config = load_stack_config(info, stack)
        merged: dict[str, str | Secret] = {**stack_config}
        for key, value in (config or {}).items():
            merged[qualify_key(key, self.project)] = value
        self._config, self._secret_keys = split_config(merged)
        self._host_env = {**provider_host_env(self._config, runtime_options), **(env or {})}
        # Absolute now: the host starts on first use, inside the program run, in the program's directory.
        self._python_path = [Path(entry).absolute() for entry in python_path]
        self._host_start_timeout = host_start_timeout
        self._host_call_timeout = host_call_timeout

    # -- operations ------------------------------------------------------------------------------------------

    def preview(self) -> Summary:
        """What ``up`` would do: the program runs as a preview; only Check and Diff reach the provider; the state
        file is not written."""
        with self._session() as host:
            return self._deploy(host, self._load(), preview=True)

    def up(self, *, skip_preview: bool = False) -> Summary:
        """Deploy. Like ``pulumi up --yes``, a preview runs first (unless ``skip_preview``), so check failures and
        refusals (protect) stop the run before anything changes."""
        with self._session() as host:
            state = self._load()
            if not skip_preview:
                self._deploy(host, state.model_copy(deep=True), preview=True)
            return self._deploy(host, state, preview=False)

    def refresh(self) -> Summary:
        """Read every custom resource in state (Read(id, props=outputs, inputs=inputs)): outputs, and inputs if the
        provider returns them, are saved; one the provider reports gone (empty id) leaves the state. A step is an
        update when the provider's Diff of the refreshed state against the old inputs finds changes."""
        with self._session() as host:
            state = self._load()
            steps: list[Step] = []
            for entry in list(state.resources):
                try:
                    step, refreshed = self._refresh_one(host, entry)
                except RunnerError as err:
                    raise RunnerError(str(err), self._summary("refresh", steps, state.outputs)) from None
                steps.append(step)
                if refreshed is entry:
                    continue
                if refreshed is None:
                    state.resources = [r for r in state.resources if r is not entry]
                else:
                    state.resources = [refreshed if r is entry else r for r in state.resources]
                self._save(state)
            return self._summary("refresh", steps, state.outputs)

    def destroy(self) -> Summary:
        """Delete every resource in state, dependents first. Refused, before anything is deleted, if any resource
        is protected; ``retain_on_delete`` resources leave the state without Delete."""
        with self._session() as host:
            if not self.state_file.exists():
                return self._summary("destroy", [], {})
            state = self._load()
            order = deletion_order(state.resources)
            protected = [r for r in order if r.protect and not r.pending_delete]
            if protected:
                names = ", ".join(describe(r.type, r.name) for r in protected)
                raise RunnerError(
                    f"refusing to destroy: {names} protected; remove `protect` from the program and run up first"
                )
            going = {r.urn for r in order if not r.pending_delete}
            steps: list[Step] = []
            for entry in order:
                if entry.custom and not entry.retain_on_delete and entry.deleted_with not in going:
                    try:
                        host.get().delete(entry.urn, entry.id, entry.outputs, old_inputs=entry.inputs)
                    except HostError as err:
                        failure = host_failure("deleting", describe(entry.type, entry.name), err)
                        raise RunnerError(str(failure), self._summary("destroy", steps, {})) from None
                state.resources = [r for r in state.resources if r is not entry]
                self._save(state)
                steps.append(step_for(entry, "delete", retained=entry.retain_on_delete))
            state.outputs = {}
            self._save(state)
            return self._summary("destroy", steps, {})

    # -- plumbing --------------------------------------------------------------------------------------------

    def _deploy(self, host: _HostSession, state: StackState, *, preview: bool) -> Summary:
        deployment = Deployment(host.get, state, preview=preview, save=None if preview else self._save)
        operation: Operation = "preview" if preview else "up"
        try:
            run = run_program(
                self._program,
                project=self.project,
                stack=self.stack,
                preview=preview,
                config=self._config,
                secret_keys=self._secret_keys,
                new_resource=deployment.register,
                workers=1,  # one registration at a time, in program order: deterministic steps
            )
        except ProgramError as err:
            # A registration's failure makes the program fail; report that failure, not its consequence.
            message = deployment.failure or f"the Pulumi program failed: {err.__cause__ or err}"
            failure = RunnerError(message, deployment.summary(operation, outputs=False))
        else:
            return deployment.finish(run)
        raise failure

    def _refresh_one(self, host: _HostSession, entry: ResourceState) -> tuple[Step, ResourceState | None]:
        """Read one resource back. As in the engine, the state takes whatever changed, and the step shows what
        an ``up`` of the unchanged program would now see: the provider's Diff of the refreshed inputs and outputs
        against the old inputs, inverted (so a provider whose read fills in defaults shows no change)."""
        if not entry.custom:
            return step_for(entry, "same"), entry
        what = describe(entry.type, entry.name)
        with reporting_failure("reading", what):
            read = host.get().read(entry.urn, entry.id, entry.outputs, entry.inputs)
        if not read.id:
            return step_for(entry, "delete"), None
        outputs = mark_secret_outputs(read.outs, entry.additional_secret_outputs)
        inputs = read.inputs if read.inputs is not None else entry.inputs
        with reporting_failure("diffing", what):
            diff = host.get().diff(
                entry.urn, read.id, outputs, entry.inputs, old_inputs=inputs, ignore_changes=entry.ignore_changes
            )
        diff = diff.resolve(inputs, apply_ignore_changes(entry.inputs, inputs, entry.ignore_changes))
        refreshed = entry.model_copy(update={"id": read.id, "outputs": outputs, "inputs": inputs})
        if (refreshed.id, refreshed.outputs, refreshed.inputs) == (entry.id, entry.outputs, entry.inputs):
            refreshed = entry  # nothing to save
        if diff.changes == "none":
            return step_for(entry, "same"), refreshed
        return step_for(entry, "update", changed=diff.diffs or changed_keys(inputs, entry.inputs)), refreshed

    def _summary(self, operation: Operation, steps: list[Step], outputs: dict[str, Any]) -> Summary:
        return Summary(operation=operation, project=self.project, stack=self.stack, steps=steps, outputs=outputs)

    def _load(self) -> StackState:
        state = self.state_file.load()
        if state is None:
            return StackState(project=self.project, stack=self.stack)
        if (state.project, state.stack) != (self.project, self.stack):
            raise RunnerError(
                f"{self.state_file.path} holds stack {state.stack!r} of project {state.project!r}, "
                f"not stack {self.stack!r} of project {self.project!r}; give another --state file"
            )
        return state

    def _save(self, state: StackState) -> None:
        self.state_file.save(state)

    @contextmanager
    def _session(self) -> Iterator[_HostSession]:
        session = _HostSession(self._start_host)
        try:
            yield session
        except (StateError, HostStartError, HostError, PropertyError) as err:
            raise RunnerError(str(err)) from None
        finally:
            session.close()

    def _start_host(self) -> DynamicProviderHost:
        host = DynamicProviderHost(
            project=self.project,
            env=self._host_env,
            python_path=self._python_path,
            cwd=self._host_cwd,
            start_timeout=self._host_start_timeout,
            call_timeout=self._host_call_timeout,
        )
        host.start()
        try:
            host.configure(self._config, self._secret_keys)
        except BaseException:
            host.close()
            raise
        return host


class _HostSession:
    """The operation's one provider host, started and configured on first use (so an operation that needs no
    provider call starts no process)."""

    def __init__(self, start: Callable[[], DynamicProviderHost]) -> None:
        self._start = start
        self._host: DynamicProviderHost | None = None

    def get(self) -> DynamicProviderHost:
        if self._host is None:
            self._host = self._start()
        return self._host

    def close(self) -> None:
        if self._host is not None:
            self._host.close()
            self._host = None
