"""Run a Pulumi program in-process and record what it registers (TEST TOOLING, not a Pulumi replacement).

The program runs on the Pulumi SDK's mock runtime (a ``MockMonitor`` subclass stands in for the engine's resource
monitor), the way the Python language host runs one: ``run_in_stack`` on a fresh event loop, with the stack's
configuration set. Every ``RegisterResourceRequest`` is recorded whole -- type, name, parent, inputs (secrets kept
as ``Secret`` markers, unknowns as ``UNKNOWN``, a dynamic resource's ``__provider`` included), dependencies and
options -- and so are the root stack's outputs.

What a custom resource "becomes" is the caller's ``new_resource(record) -> (id, state)``: by default
``(name + "_id", inputs)``; a runner can plug in the real provider host instead. It is called on a worker thread,
once per custom resource. Component resources are not passed to it (the engine calls no provider for them): they
get an empty id and no state.

Programs run one at a time per process: the runtime's settings live in context variables (each run gets a copy of
the caller's context, so nothing leaks out of a run), but ``sys.modules['__main__']`` and the working directory
that a program file runs with are process-wide. A second concurrent ``run_program`` raises instead of interfering.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import functools
import logging
import runpy
import threading
from collections.abc import Awaitable, Callable, Collection, Mapping
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Final

from google.protobuf import empty_pb2
from pulumi.runtime import rpc, run_in_stack, set_all_config
from pulumi.runtime import settings as runtime_settings
from pulumi.runtime.mocks import MockEngine, MockMonitor, Mocks
from pulumi.runtime.proto import resource_pb2
from pydantic import BaseModel, ConfigDict

from .props import PropertyError, contains_unknowns, from_struct, to_struct
from .urn import ROOT_STACK_TYPE, make_urn

_LOG: Final = logging.getLogger(__name__)
_RUN_LOCK: Final = threading.Lock()
_WORKERS: Final = 8


class RegisteredResource(BaseModel):
    """One RegisterResourceRequest as the engine received it, plus what ``new_resource`` answered."""

    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)

    urn: str
    type: str
    name: str
    parent: str
    custom: bool
    inputs: dict[str, Any]
    provider: str
    version: str
    dependencies: list[str]
    property_dependencies: dict[str, list[str]]
    protect: bool | None
    delete_before_replace: bool | None
    """None when the program did not set the option."""
    additional_secret_outputs: list[str]
    ignore_changes: list[str]
    replace_on_changes: list[str]
    retain_on_delete: bool | None
    import_id: str
    deleted_with: str
    custom_timeouts: dict[str, str]
    id: str = ""
    outputs: dict[str, Any] = {}


NewResource = Callable[[RegisteredResource], tuple[str, Mapping[str, Any]]]
Program = Callable[[], Awaitable[None] | None]


def default_new_resource(record: RegisteredResource) -> tuple[str, Mapping[str, Any]]:
    """``(name + "_id", inputs)``: a resource whose outputs are its inputs."""
    return f"{record.name}_id", record.inputs


class ProgramRun(BaseModel):
    """What a program registered, in registration order, and its stack outputs."""

    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)

    project: str
    stack: str
    preview: bool
    stack_urn: str
    resources: list[RegisteredResource]
    outputs: dict[str, Any]

    def get(self, name: str, type_: str | None = None) -> RegisteredResource:
        """The one resource named ``name`` (and of ``type_`` if given); KeyError if none or several match."""
        found = [r for r in self.resources if r.name == name and (type_ is None or r.type == type_)]
        if len(found) != 1:
            raise KeyError(f"{len(found)} registered resources named {name!r}" + (f" of type {type_}" if type_ else ""))
        return found[0]

    def of_type(self, type_: str) -> list[RegisteredResource]:
        return [r for r in self.resources if r.type == type_]


class ProgramError(Exception):
    """The program raised. ``run`` holds what it registered before failing; the cause is the original error."""

    def __init__(self, message: str, run: ProgramRun) -> None:
        super().__init__(message)
        self.run = run


def run_program(
    program: Program | str | Path,
    *,
    project: str = "project",
    stack: str = "stack",
    preview: bool = False,
    config: Mapping[str, str] | None = None,
    secret_keys: Collection[str] = (),
    new_resource: NewResource = default_new_resource,
    workers: int = _WORKERS,
) -> ProgramRun:
    """Run ``program`` -- a callable, a project directory holding ``__main__.py``, or a program file (run with
    ``runpy`` as ``__main__``, in its directory) -- and return what it registered.

    ``config`` is the stack configuration with namespaced keys (``{"depot:token": "..."}``), ``secret_keys`` the
    keys that are secrets. ``preview`` runs it as ``pulumi preview`` would (``pulumi.runtime.is_dry_run()``).
    Raises ``ProgramError`` if the program fails, including when ``new_resource`` raises (a ``HostError`` from a
    plugged-in provider host, say): the original exception is its ``__cause__``. ``workers`` sizes the thread pool
    that the SDK's monitor calls run on: with 1, registrations reach ``new_resource`` in the order the program
    makes them, deterministically.
    """
    if workers < 1:
        raise ValueError(f"workers must be at least 1, got {workers}")
    entry, directory = _entry_point(program)
    for key, value in (config or {}).items():
        if not isinstance(value, str) or ":" not in key:
            raise ValueError(f"config {key!r}: keys must be namespaced ('depot:token') and values strings")
    if not _RUN_LOCK.acquire(blocking=False):
        raise RuntimeError("run_program: another program is running in this process; programs run one at a time")
    try:
        monitor = _RecordingMonitor(new_resource, preview)
        runtime = _Runtime(project, stack, preview, dict(config or {}), list(secret_keys), monitor, workers)
        with contextlib.chdir(directory) if directory else contextlib.nullcontext():
            error = contextvars.copy_context().run(runtime.run, entry)
    finally:
        _RUN_LOCK.release()
    run = monitor.result(project, stack, preview)
    if error is not None:
        raise ProgramError(f"the Pulumi program failed: {error}", run) from error
    return run


def _entry_point(program: Program | str | Path) -> tuple[Program, Path | None]:
    if callable(program):
        return program, None
    path = Path(program).resolve()
    if path.is_dir():
        path = path / "__main__.py"
    if not path.is_file():
        raise FileNotFoundError(f"no Pulumi program at {path}: give a project directory with __main__.py or a .py file")
    # runpy on the directory puts it first on sys.path for the run, as running a project does.
    target = str(path.parent if path.name == "__main__.py" else path)

    def run_file() -> None:
        runpy.run_path(target, run_name="__main__")

    return run_file, path.parent


class _Runtime:
    """Sets up the Pulumi runtime and runs a program on a fresh event loop. ``run`` must be called in a copied
    context: the SDK's settings are context variables, shared by every ``Settings`` object, so even building one
    sets them in the current context."""

    def __init__(
        self,
        project: str,
        stack: str,
        preview: bool,
        config: dict[str, str],
        secret_keys: list[str],
        monitor: _RecordingMonitor,
        workers: int,
    ) -> None:
        self._project = project
        self._stack = stack
        self._preview = preview
        self._config = config
        self._secret_keys = secret_keys
        self._monitor = monitor
        self._workers = workers

    def run(self, program: Program) -> BaseException | None:
        runtime_settings.ROOT.set(None)
        runtime_settings.configure(
            runtime_settings.Settings(
                project=self._project,
                stack=self._stack,
                monitor=self._monitor,
                engine=MockEngine(_LOG),
                dry_run=self._preview,
                organization="organization",
            )
        )
        set_all_config(self._config, self._secret_keys)
        loop = asyncio.new_event_loop()
        failed = threading.Event()
        loop.set_exception_handler(functools.partial(_quiet_after_failure, failed))
        executor = ThreadPoolExecutor(max_workers=self._workers, thread_name_prefix="pulumi-program")
        loop.set_default_executor(executor)
        try:
            loop.run_until_complete(run_in_stack(program))
            return None
        except Exception as err:  # reported to the caller as ProgramError
            failed.set()
            return err
        finally:
            pending = asyncio.all_tasks(loop)
            for task in pending:
                task.cancel()
            if pending:
                loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
            executor.shutdown(wait=True)
            loop.close()


def _quiet_after_failure(failed: threading.Event, loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
    """Once the program has failed, the SDK's output futures that nobody awaits any more all hold its error. Their
    finalizers would each log it ("Future exception was never retrieved", with a traceback) whenever the garbage
    collector gets to them, long after the run; the failure is reported once, as ProgramError, instead. (Such a
    finalizer formatting a traceback inside another ``ast.parse`` also trips CPython 3.11.7's spurious "AST
    constructor recursion depth mismatch" SystemError, fixed in 3.11.8.)"""
    if failed.is_set() and str(context.get("message", "")).endswith("exception was never retrieved"):
        return
    loop.default_exception_handler(context)


class _NoMocks(Mocks):
    def call(self, args: Any) -> tuple[dict[Any, Any], None]:
        raise NotImplementedError(f"the engine harness does not support invokes ({args.token})")

    def new_resource(self, args: Any) -> tuple[str, dict[Any, Any]]:
        raise NotImplementedError("the engine harness records registrations itself")


class _RecordingMonitor(MockMonitor):
    def __init__(self, new_resource: NewResource, preview: bool) -> None:
        super().__init__(_NoMocks())
        self._new_resource = new_resource
        self._preview = preview
        self._lock = threading.Lock()
        self._records: list[RegisteredResource] = []
        self._stack_urn = ""
        self._stack_outputs: dict[str, Any] = {}

    def make_urn(self, parent: str, type_: str, name: str) -> str:
        return make_urn(
            type_, name, project=runtime_settings.get_project(), stack=runtime_settings.get_stack(), parent=parent
        )

    def RegisterResource(self, request: resource_pb2.RegisterResourceRequest) -> resource_pb2.RegisterResourceResponse:
        urn = self.make_urn(request.parent, request.type, request.name)
        if request.type == ROOT_STACK_TYPE:
            self._stack_urn = urn
            return resource_pb2.RegisterResourceResponse(urn=urn)
        record = _record(request, urn)
        resource_id, state = self._new_resource(record) if record.custom else ("", {})
        if contains_unknowns(state) and not self._preview:
            raise PropertyError(f"new_resource returned unknown outputs for {urn} outside preview")
        record = record.model_copy(update={"id": resource_id, "outputs": dict(state)})
        state_struct = to_struct(state, keep_unknowns=True, keep_secrets=request.acceptSecrets)
        with self._lock:
            self._records.append(record)
            # The base class answers ExistsResource from this registry.
            self.resources[urn] = MockMonitor.ResourceRegistration(
                urn, resource_id, rpc.deserialize_properties(state_struct, keep_unknowns=True)
            )
        return resource_pb2.RegisterResourceResponse(urn=urn, id=resource_id, object=state_struct)

    def RegisterResourceOutputs(self, request: resource_pb2.RegisterResourceOutputsRequest) -> empty_pb2.Empty:
        if request.urn == self._stack_urn:
            self._stack_outputs = from_struct(request.outputs)
        return empty_pb2.Empty()

    def ReadResource(self, request: resource_pb2.ReadResourceRequest) -> resource_pb2.ReadResourceResponse:
        raise NotImplementedError(f"the engine harness does not support reading existing resources ({request.type})")

    def Invoke(self, request: resource_pb2.ResourceInvokeRequest) -> resource_pb2.ResourceInvokeResponse:
        raise NotImplementedError(f"the engine harness does not support invokes ({request.tok})")

    def result(self, project: str, stack: str, preview: bool) -> ProgramRun:
        with self._lock:
            return ProgramRun(
                project=project,
                stack=stack,
                preview=preview,
                stack_urn=self._stack_urn,
                resources=list(self._records),
                outputs=dict(self._stack_outputs),
            )


def _record(request: resource_pb2.RegisterResourceRequest, urn: str) -> RegisteredResource:
    timeouts = request.customTimeouts
    return RegisteredResource(
        urn=urn,
        type=request.type,
        name=request.name,
        parent=request.parent,
        custom=request.custom,
        inputs=from_struct(request.object),
        provider=request.provider,
        version=request.version,
        dependencies=list(request.dependencies),
        property_dependencies={key: list(deps.urns) for key, deps in request.propertyDependencies.items()},
        protect=request.protect if request.HasField("protect") else None,
        delete_before_replace=request.deleteBeforeReplace if request.deleteBeforeReplaceDefined else None,
        additional_secret_outputs=list(request.additionalSecretOutputs),
        ignore_changes=list(request.ignoreChanges),
        replace_on_changes=list(request.replaceOnChanges),
        retain_on_delete=request.retainOnDelete if request.HasField("retainOnDelete") else None,
        import_id=request.importId,
        deleted_with=request.deletedWith,
        custom_timeouts={
            name: value
            for name, value in (
                ("create", timeouts.create),
                ("update", timeouts.update),
                ("delete", timeouts.delete),
            )
            if value
        },
    )
