"""One run of a program against the provider host and the state: the engine's step generation and execution for
``preview`` and ``up`` (TEST TOOLING; pkg/resource/deploy/step_generator.go and step.go, simplified).

Per registered custom resource, in registration order (registrations are handled one at a time):
Check(olds=old inputs, news=inputs with ``ignore_changes`` reset) -> failures abort; no old state -> Create;
else Diff(id, old outputs, checked inputs) -> same / Update / replace. A replacement re-checks the inputs without
olds, then deletes the old resource first when the diff or the ``delete_before_replace`` option asks for it
(the option wins), else creates the new one now and deletes the old one after the program, with the other deletes.
After the program: components are recorded, and what is no longer declared is deleted, dependents first.
``protect`` refuses deletion and replacement; ``retain_on_delete`` drops from state without calling Delete; a
resource ``deleted_with`` another being deleted is dropped without Delete. In preview only Check and Diff reach the
host and nothing is saved. Not reproduced: the cascade of replacements that a delete-before-replace forces on
dependents, aliases, import (the engine's import cannot reach a dynamic provider: pulumi/pulumi#16175), targets.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from .diffing import apply_ignore_changes, apply_replace_on_changes, changed_keys
from .host import DynamicProviderHost
from .program import ProgramRun, RegisteredResource
from .props import mark_secret_outputs
from .results import DiffResult, HostError
from .state import ResourceState, StackState, deletion_order, live_resource
from .summary import Op, Step, Summary

DYNAMIC_TYPE_PREFIX = "pulumi-python:dynamic"


class RunnerError(Exception):
    """An operation failed or was refused. ``summary`` holds the steps taken before (already saved in state)."""

    def __init__(self, message: str, summary: Summary | None = None) -> None:
        super().__init__(message)
        self.summary = summary


def host_failure(action: str, resource: str, err: HostError) -> RunnerError:
    """A provider call's failure in one line: the provider's exception (the last line of the host's traceback)."""
    lines = [line.strip() for line in err.details.splitlines() if line.strip()]
    reason = lines[-1] if lines else (err.status.name if err.status else "no details")
    return RunnerError(f"{action} {resource} failed: {reason}")


@contextmanager
def reporting_failure(action: str, resource: str) -> Iterator[None]:
    """Around a provider call: its ``HostError`` is raised as the one-line ``RunnerError`` of ``host_failure``."""
    try:
        yield
    except HostError as err:
        raise host_failure(action, resource, err) from None


def describe(urn_type: str, name: str) -> str:
    return f"{urn_type} '{name}'"


class Deployment:
    """Steps for one program run. ``register`` is the program's ``new_resource`` hook; ``finish`` runs after the
    program succeeded. ``save`` persists the working state after every step (None in preview)."""

    def __init__(
        self,
        host: Callable[[], DynamicProviderHost],
        state: StackState,
        *,
        preview: bool,
        save: Callable[[StackState], None] | None,
    ) -> None:
        self._host = host
        self._preview = preview
        self._save_state = save
        self._project, self._stack = state.project, state.stack
        self._outputs = dict(state.outputs)
        self._done: list[ResourceState] = []
        self._remaining: list[ResourceState] = list(state.resources)
        self._replaced: list[ResourceState] = []
        self._seen: set[str] = set()
        self._steps: dict[str, Step] = {}
        self._delete_steps: list[Step] = []
        self._problems: list[str] = []
        self._lock = threading.Lock()
        # Only the message: the SDK keeps the last monitor (and so this object) alive after a run, and the
        # exception's traceback would keep the failed program's frames and futures with it.
        self._failure: str | None = None

    @property
    def failure(self) -> str | None:
        """The first error a registration raised (the program then fails with it, or with a consequence of it)."""
        return self._failure

    def summary(self, operation: str, order: list[str] | None = None, *, outputs: bool = True) -> Summary:
        """The steps so far (in ``order`` of URNs if given, then deletions); ``outputs=False`` leaves out the stack
        outputs (a failed run has none of its own)."""
        steps = list(self._steps.values())
        if order is not None:
            position = {urn: index for index, urn in enumerate(order)}
            steps.sort(key=lambda step: position.get(step.urn, len(position)))
        return Summary.model_validate(
            {
                "operation": operation,
                "project": self._project,
                "stack": self._stack,
                "steps": [*steps, *self._delete_steps],
                "outputs": self._outputs if outputs else {},
            }
        )

    # -- registrations ---------------------------------------------------------------------------------------

    def register(self, record: RegisteredResource) -> tuple[str, Mapping[str, Any]]:
        with self._lock:
            if self._failure is not None:
                raise RunnerError(f"{describe(record.type, record.name)} was not processed: an earlier step failed")
            try:
                return self._register(record)
            except BaseException as err:
                self._failure = str(err) or type(err).__name__
                raise

    def _register(self, record: RegisteredResource) -> tuple[str, Mapping[str, Any]]:
        what = describe(record.type, record.name)
        if not record.type.startswith((f"{DYNAMIC_TYPE_PREFIX}:", f"{DYNAMIC_TYPE_PREFIX}/")):
            raise RunnerError(f"{what}: the runner drives only dynamic resources (pulumi.dynamic.Resource)")
        self._claim(record.urn)
        old = self._live(record.urn)
        if record.import_id and (old is None or old.id != record.import_id):
            raise RunnerError(
                f"{what}: the `import_` option cannot work for a dynamic resource (the engine's import step calls "
                "Read without the resource's inputs, so the host cannot find __provider: pulumi/pulumi#16175); "
                "adopt existing objects through the resource's own inputs instead"
            )
        news = record.inputs if old is None else apply_ignore_changes(record.inputs, old.inputs, record.ignore_changes)
        checked = self._check(record, old.inputs if old else {}, news)
        if old is None:
            resource_id, outputs = self._create(record, checked)
            self._step(record, "create")
            return resource_id, outputs
        diff = self._diff(record, old, checked)
        if diff.changes == "none":
            return self._same(record, old, checked)
        changed = diff.diffs or changed_keys(old.inputs, checked)
        if diff.replaces:
            return self._replace(record, old, diff, changed)
        return self._update(record, old, checked, changed)

    def _claim(self, urn: str) -> None:
        if urn in self._seen:
            raise RunnerError(f"duplicate resource URN {urn}: two resources of one type share a name and parent")
        self._seen.add(urn)

    def _live(self, urn: str) -> ResourceState | None:
        return live_resource(self._remaining, urn)

    def _check(self, record: RegisteredResource, olds: Mapping[str, Any], news: Mapping[str, Any]) -> dict[str, Any]:
        what = describe(record.type, record.name)
        with reporting_failure("checking", what):
            checked, failures = self._host().check(record.urn, olds, news, preview=self._preview)
        if failures:
            problems = "; ".join(
                f"{failure.reason} (examine values at '{record.name}.{failure.property}')"
                if failure.property
                else failure.reason
                for failure in failures
            )
            raise RunnerError(f"{what} has a problem: {problems}")
        return checked

    def _diff(self, record: RegisteredResource, old: ResourceState, checked: dict[str, Any]) -> DiffResult:
        with reporting_failure("diffing", describe(record.type, record.name)):
            diff = self._host().diff(
                record.urn,
                old.id,
                old.outputs,
                checked,
                old_inputs=old.inputs,
                preview=self._preview,
                ignore_changes=record.ignore_changes,
            )
        # DIFF_UNKNOWN: the engine compares the inputs itself, with ignore_changes applied once more.
        diff = diff.resolve(old.inputs, apply_ignore_changes(checked, old.inputs, record.ignore_changes))
        return apply_replace_on_changes(diff, record.replace_on_changes)

    def _create(self, record: RegisteredResource, checked: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        with reporting_failure("creating", describe(record.type, record.name)):
            created = self._host().create(record.urn, checked, preview=self._preview)
        outputs = mark_secret_outputs(created.outs, record.additional_secret_outputs)
        self._done.append(_entry(record, created.id, checked, outputs))
        self._save()
        return created.id, outputs

    def _same(
        self, record: RegisteredResource, old: ResourceState, checked: dict[str, Any]
    ) -> tuple[str, dict[str, Any]]:
        outputs = mark_secret_outputs(old.outputs, record.additional_secret_outputs)
        self._supersede(old, _entry(record, old.id, checked, outputs))
        self._step(record, "same")
        return old.id, outputs

    def _update(
        self, record: RegisteredResource, old: ResourceState, checked: dict[str, Any], changed: list[str]
    ) -> tuple[str, dict[str, Any]]:
        with reporting_failure("updating", describe(record.type, record.name)):
            outs = self._host().update(
                record.urn,
                old.id,
                old.outputs,
                checked,
                old_inputs=old.inputs,
                preview=self._preview,
                ignore_changes=record.ignore_changes,
            )
        outputs = mark_secret_outputs(outs, record.additional_secret_outputs)
        self._supersede(old, _entry(record, old.id, checked, outputs))
        self._step(record, "update", changed=changed)
        return old.id, outputs

    def _replace(
        self, record: RegisteredResource, old: ResourceState, diff: DiffResult, changed: list[str]
    ) -> tuple[str, dict[str, Any]]:
        what = describe(record.type, record.name)
        if record.protect and old.protect:
            self._refuse(
                f"cannot replace {what} (replace: {', '.join(diff.replaces)}): it is protected; remove `protect` "
                "from the resource and run up, then change it"
            )
        if record.import_id:
            self._refuse(f"cannot replace {what}: it still specifies `import_`; remove the import option first")
        delete_first = diff.delete_before_replace
        if record.delete_before_replace is not None:
            delete_first = record.delete_before_replace
        # The engine re-checks without olds: defaults carried over from the old resource no longer apply.
        checked = self._check(record, {}, record.inputs)
        if delete_first:
            self._delete(old, replacing=True)
        else:
            self._mark_replaced(old)
        resource_id, outputs = self._create(record, checked)
        self._step(
            record,
            "replace",
            changed=changed,
            replace_keys=list(diff.replaces),
            delete_before_replace=delete_first,
        )
        return resource_id, outputs

    # -- after the program -----------------------------------------------------------------------------------

    def finish(self, run: ProgramRun) -> Summary:
        """Record components, delete what is no longer declared (and replaced resources' old halves), record the
        stack outputs. Raises RunnerError for what preview found refused (protect) or a failed delete, with the
        steps taken before it."""
        operation = "preview" if self._preview else "up"
        order = [record.urn for record in run.resources]
        with self._lock:
            try:
                for record in run.resources:
                    if not record.custom:
                        self._component(record)
                self._delete_undeclared()
            except RunnerError as err:
                raise RunnerError(str(err), self.summary(operation, order, outputs=False)) from None
            position = {urn: index for index, urn in enumerate(order)}
            self._done.sort(key=lambda entry: position.get(entry.urn, len(position)))
            self._outputs = dict(run.outputs)
            self._save()
            summary = self.summary(operation, order)
            if self._problems:
                raise RunnerError("; ".join(self._problems), summary)
            return summary

    def _component(self, record: RegisteredResource) -> None:
        self._claim(record.urn)
        old = self._live(record.urn)
        entry = _entry(record, "", record.inputs, {})
        if old is None:
            self._done.append(entry)
            self._save()
            self._step(record, "create")
            return
        self._supersede(old, entry)
        changed = changed_keys(old.inputs, record.inputs)
        self._step(record, "update" if changed else "same", changed=changed)

    def _delete_undeclared(self) -> None:
        doomed = [r for r in self._remaining if r.pending_delete or r.urn not in self._seen]
        protected = [r for r in doomed if r.protect and not r.pending_delete]
        if protected:
            names = ", ".join(describe(r.type, r.name) for r in protected)
            self._refuse(
                f"refusing to delete {names}: protected, and no longer declared by the program; to delete, "
                "declare it again without `protect`, run up, then remove it"
            )
        going = {r.urn for r in doomed if not r.pending_delete}
        for entry in deletion_order(doomed):
            if entry.protect and not entry.pending_delete:  # only in preview: up was refused above
                self._delete_steps.append(step_for(entry, "delete"))
                continue
            skipped = entry.retain_on_delete or entry.deleted_with in going
            self._delete(entry, replacing=entry.pending_delete, skip_provider=skipped)
            if not any(entry is replaced for replaced in self._replaced):
                self._delete_steps.append(step_for(entry, "delete", retained=entry.retain_on_delete))

    # -- state -----------------------------------------------------------------------------------------------

    def _delete(self, entry: ResourceState, *, replacing: bool, skip_provider: bool = False) -> None:
        if not replacing and entry.protect:
            raise RunnerError(f"cannot delete {describe(entry.type, entry.name)}: it is protected")
        if self._preview:
            return
        if entry.custom and not skip_provider and not entry.retain_on_delete:
            with reporting_failure("deleting", describe(entry.type, entry.name)):
                self._host().delete(entry.urn, entry.id, entry.outputs, old_inputs=entry.inputs)
        self._remaining = [r for r in self._remaining if r is not entry]
        self._save()

    def _mark_replaced(self, old: ResourceState) -> None:
        marked = old.model_copy(update={"pending_delete": True})
        self._remaining = [marked if r is old else r for r in self._remaining]
        self._replaced.append(marked)
        self._save()

    def _supersede(self, old: ResourceState, new: ResourceState) -> None:
        self._remaining = [r for r in self._remaining if r is not old]
        self._done.append(new)
        self._save()

    def _save(self) -> None:
        if self._save_state is not None:
            self._save_state(self.current_state())

    def current_state(self) -> StackState:
        return StackState(
            project=self._project,
            stack=self._stack,
            resources=[*self._done, *self._remaining],
            outputs=self._outputs,
        )

    def _refuse(self, message: str) -> None:
        """In preview, refusals are collected and reported after the plan (as the engine does); else they stop."""
        if not self._preview:
            raise RunnerError(message)
        self._problems.append(message)

    def _step(self, record: RegisteredResource, op: Op, **details: Any) -> None:
        self._steps[record.urn] = Step(
            op=op, urn=record.urn, type=record.type, name=record.name, custom=record.custom, **details
        )


def _entry(
    record: RegisteredResource, resource_id: str, inputs: dict[str, Any], outputs: dict[str, Any]
) -> ResourceState:
    return ResourceState(
        urn=record.urn,
        type=record.type,
        custom=record.custom,
        id=resource_id,
        parent=record.parent,
        inputs=inputs,
        outputs=outputs,
        dependencies=record.dependencies,
        property_dependencies=record.property_dependencies,
        protect=bool(record.protect),
        retain_on_delete=bool(record.retain_on_delete),
        deleted_with=record.deleted_with,
        additional_secret_outputs=record.additional_secret_outputs,
        ignore_changes=record.ignore_changes,
    )


def step_for(entry: ResourceState, op: Op, **details: Any) -> Step:
    return Step(op=op, urn=entry.urn, type=entry.type, name=entry.name, custom=entry.custom, **details)
