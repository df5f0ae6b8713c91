"""Drive the real Pulumi dynamic provider host over gRPC as the engine does (TEST TOOLING, not a Pulumi replacement).

The Pulumi CLI cannot run here, so this stands in for the part of the engine that talks to a provider plugin
(pkg/resource/plugin/provider_plugin.go): it starts ``python -u -m pulumi.dynamic``, handshakes, configures, and
makes Check / Diff / Create / Read / Update / Delete calls with properties marshalled the engine's way:

- unknowns (``UNKNOWN``) are sent only in preview; outside preview the engine drops them, and so does this;
- secrets (``Secret``) are sent bare when the host answered Configure with acceptSecrets=False (the Python host
  does), and outputs whose input of the same name was secret come back as ``Secret`` (the engine's annotateSecrets);
- during preview, Create and Update are not sent to a host that does not support preview (the Python host does
  not): the inputs stand in for the outputs, as in the engine.

Engine ordering to reproduce in callers: ``check(olds=old inputs, news=new inputs)``;
``diff(id, olds=old OUTPUTS, news=checked new inputs)``; ``update(id, olds=old outputs, news=checked new inputs)``;
``delete(id, props=outputs)``. A dynamic resource's inputs must carry ``__provider`` (see ``provider_input``).
``additional_secret_outputs`` is applied by the engine's step executor, not here: use ``props.mark_secret_outputs``.
"""

from __future__ import annotations

import os
import time
from collections.abc import Collection, Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import Any, Final, Self, TypeVar

import grpc
from google.protobuf import empty_pb2, message, struct_pb2
from pulumi.dynamic import ResourceProvider, dynamic
from pulumi.runtime.proto import provider_pb2
from pulumi.runtime.proto.provider_pb2_grpc import ResourceProviderStub
from pulumi_depot import _serialization

from .process import HostProcess, host_environment
from .props import PropertyError, Secret, annotate_secrets, from_struct, to_struct
from .results import (
    CheckFailure,
    CheckResult,
    CreateResult,
    DiffChanges,
    DiffResult,
    HostError,
    HostStartError,
    ReadResult,
)
from .urn import parse_urn

PROVIDER_TYPE: Final = "pulumi:providers:pulumi-python"
PROVIDER_KEY: Final = "__provider"
_DIFF_CHANGES: Final[dict[int, DiffChanges]] = {
    provider_pb2.DiffResponse.DIFF_UNKNOWN: "unknown",
    provider_pb2.DiffResponse.DIFF_NONE: "none",
    provider_pb2.DiffResponse.DIFF_SOME: "some",
}
# Same limits the Pulumi SDK puts on its own channels (pulumi.runtime._grpc_settings).
_CHANNEL_OPTIONS: Final = [("grpc.max_receive_message_length", 400 * 1024 * 1024)]

_Response = TypeVar("_Response", bound=message.Message)


def provider_input(provider: ResourceProvider) -> Secret | str:
    """The ``__provider`` input a ``pulumi.dynamic.Resource`` would send for ``provider``: dill-pickled, base64,
    and a secret unless the provider sets ``serialize_as_secret_always = False``."""
    # Looked up on each call, as pulumi.dynamic.Resource does: a program that imports pulumi_depot gets the wrapper
    # that undoes the SDK's pickle patch (sdk/pulumi_depot/_serialization.py). Bound once at import, this harness
    # would keep the unwrapped function and pile one pickle wrapper per test until pickling hits the recursion limit.
    _serialization.install()
    serialized = dynamic.serialize_provider(provider)
    return Secret(serialized) if getattr(provider, "serialize_as_secret_always", True) else serialized


class DynamicProviderHost:
    """A running ``python -u -m pulumi.dynamic`` and an engine-shaped client for it. Use as a context manager.

    ``env`` overrides the host's environment (it starts from ours, plus PULUMI_PROJECT=``project``);
    ``python_path`` entries go first on PYTHONPATH so the host can import the provider's module. Call ``configure``
    before anything else, as the engine does. Calls raise ``HostError``; startup raises ``HostStartError``.
    """

    def __init__(
        self,
        *,
        project: str = "project",
        env: Mapping[str, str] | None = None,
        python_path: Sequence[str | os.PathLike[str]] = (),
        cwd: str | os.PathLike[str] | None = None,
        start_timeout: float = 30.0,
        call_timeout: float = 60.0,
    ) -> None:
        self.project = project
        self._process = HostProcess(host_environment(project, env, python_path), Path(cwd) if cwd else None)
        self._start_timeout = start_timeout
        self._call_timeout = call_timeout
        self._channel: grpc.Channel | None = None
        self._stub: ResourceProviderStub | None = None
        self._handshake: provider_pb2.ProviderHandshakeResponse | None = None
        self.accept_secrets: bool | None = None
        """Whether the host takes secrets, from its Handshake or Configure answer (None before configure)."""
        self.supports_preview = False
        """Whether Create/Update are sent to the host in preview (False for the Python host)."""

    # -- lifecycle -------------------------------------------------------------------------------------------

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def start(self) -> None:
        deadline = time.monotonic() + self._start_timeout
        try:
            port = self._process.start(self._start_timeout)
            self._channel = grpc.insecure_channel(f"127.0.0.1:{port}", options=_CHANNEL_OPTIONS)
            try:
                grpc.channel_ready_future(self._channel).result(timeout=max(deadline - time.monotonic(), 0.1))
            except grpc.FutureTimeoutError:
                raise HostStartError(f"no gRPC connection to the host on port {port}:\n{self.output()}") from None
            self._stub = ResourceProviderStub(self._channel)
            self._handshake = self._try_handshake()
        except BaseException:
            self.close()
            raise

    def close(self) -> None:
        """Close the channel and kill the host's process group. Safe to call more than once."""
        if self._channel is not None:
            self._channel.close()
            self._channel = None
        self._stub = None
        self._process.close()

    @property
    def pid(self) -> int:
        return self._process.pid

    @property
    def running(self) -> bool:
        return self._process.running

    def output(self) -> str:
        """The host's stderr, then anything it printed on stdout after its port (for diagnostics)."""
        return self._process.stderr() + self._process.stdout()

    # -- engine calls ----------------------------------------------------------------------------------------

    def configure(self, variables: Mapping[str, str], secret_keys: Collection[str] = ()) -> bool:
        """Send the stack's configuration (keys keep their namespace, e.g. ``depot:token``, as the engine does for
        dynamic providers) and return the host's acceptSecrets. Keys in ``secret_keys`` are sent as secrets."""
        for key, value in variables.items():
            if not isinstance(value, str):
                raise TypeError(f"configure: config value {key!r} must be a string, got {type(value).__name__}")
        unknown_secret_keys = set(secret_keys) - set(variables)
        if unknown_secret_keys:
            raise ValueError(f"configure: secret_keys {sorted(unknown_secret_keys)} are not in variables")
        args = {key: Secret(value) if key in secret_keys else value for key, value in variables.items()}
        provider_urn = f"urn:pulumi:stack::{self.project}::{PROVIDER_TYPE}::default"
        response = self._call(
            "Configure",
            provider_pb2.ConfigureRequest(
                variables={f"pulumi-python:config:{key}": value for key, value in variables.items()},
                args=to_struct(args, keep_unknowns=True, keep_secrets=True),
                acceptSecrets=True,
                acceptResources=True,
                sends_old_inputs=True,
                sends_old_inputs_to_delete=True,
                urn=provider_urn,
                name="default",
                type=PROVIDER_TYPE,
            ),
            provider_pb2.ConfigureResponse,
        )
        if self._handshake is not None:
            # A provider that handshakes is taken to support preview (as the engine does).
            self.accept_secrets = self._handshake.accept_secrets
            self.supports_preview = True
        else:
            self.accept_secrets = response.acceptSecrets
            self.supports_preview = response.supportsPreview
        return self.accept_secrets

    def check(
        self, urn: str, olds: Mapping[str, Any], news: Mapping[str, Any], *, preview: bool = False
    ) -> CheckResult:
        """Check(olds=old inputs or {} on create, news=new inputs) -> (checked inputs, failures)."""
        parsed = parse_urn(urn)
        response = self._call(
            "Check",
            provider_pb2.CheckRequest(
                urn=urn,
                name=parsed.name,
                type=parsed.type,
                olds=self._marshal("Check", olds, preview),
                news=self._marshal("Check", news, preview),
            ),
            provider_pb2.CheckResponse,
        )
        inputs = self._receive("Check", response.inputs, news, preview) if response.HasField("inputs") else {}
        failures = [CheckFailure(f.property, f.reason) for f in response.failures]
        return CheckResult(inputs, failures)

    def diff(
        self,
        urn: str,
        id_: str,
        olds: Mapping[str, Any],
        news: Mapping[str, Any],
        *,
        old_inputs: Mapping[str, Any] | None = None,
        preview: bool = False,
        ignore_changes: Sequence[str] = (),
    ) -> DiffResult:
        """Diff(id, olds=old OUTPUTS, news=checked new inputs). The engine also sends ``old_inputs``."""
        parsed = parse_urn(urn)
        request = provider_pb2.DiffRequest(
            id=id_,
            urn=urn,
            name=parsed.name,
            type=parsed.type,
            olds=self._marshal("Diff", olds, preview),
            news=self._marshal("Diff", news, preview),
            old_inputs=self._marshal("Diff", old_inputs, preview),
            ignoreChanges=list(ignore_changes),
        )
        response = self._call("Diff", request, provider_pb2.DiffResponse)
        return DiffResult(
            changes=_DIFF_CHANGES[response.changes],
            replaces=list(response.replaces),
            stables=list(response.stables),
            diffs=list(response.diffs),
            delete_before_replace=response.deleteBeforeReplace,
        )

    def create(self, urn: str, props: Mapping[str, Any], *, preview: bool = False) -> CreateResult:
        """Create(checked inputs) -> (id, outputs). In preview, a host without preview support is not called and the
        inputs stand in for the outputs with an empty id, as in the engine."""
        self._require_configured("Create")
        if preview and not self.supports_preview:
            return CreateResult("", dict(props))
        parsed = parse_urn(urn)
        response = self._call(
            "Create",
            provider_pb2.CreateRequest(
                urn=urn,
                name=parsed.name,
                type=parsed.type,
                properties=self._marshal("Create", props, preview),
                preview=preview,
            ),
            provider_pb2.CreateResponse,
        )
        if not response.id and not preview:
            raise HostError("Create", None, f"the provider returned an empty ID for {urn}")
        return CreateResult(response.id, self._receive("Create", response.properties, props, preview))

    def read(self, urn: str, id_: str, props: Mapping[str, Any], inputs: Mapping[str, Any] | None = None) -> ReadResult:
        """Read(id, props=current outputs, inputs=current inputs) -> (id, outputs, inputs or None).
        An empty id in the result means the resource is gone."""
        parsed = parse_urn(urn)
        request = provider_pb2.ReadRequest(
            id=id_,
            urn=urn,
            name=parsed.name,
            type=parsed.type,
            properties=self._marshal("Read", props, False),
            inputs=self._marshal("Read", inputs, False),
        )
        response = self._call("Read", request, provider_pb2.ReadResponse)
        outs = self._receive("Read", response.properties, props, False)
        new_inputs = (
            self._receive("Read", response.inputs, inputs or {}, False) if response.HasField("inputs") else None
        )
        return ReadResult(response.id, outs, new_inputs)

    def update(
        self,
        urn: str,
        id_: str,
        olds: Mapping[str, Any],
        news: Mapping[str, Any],
        *,
        old_inputs: Mapping[str, Any] | None = None,
        preview: bool = False,
        ignore_changes: Sequence[str] = (),
    ) -> dict[str, Any]:
        """Update(id, olds=old outputs, news=checked new inputs) -> new outputs. In preview, a host without preview
        support is not called and the new inputs stand in for the outputs, as in the engine."""
        self._require_configured("Update")
        if preview and not self.supports_preview:
            return dict(news)
        parsed = parse_urn(urn)
        request = provider_pb2.UpdateRequest(
            id=id_,
            urn=urn,
            name=parsed.name,
            type=parsed.type,
            olds=self._marshal("Update", olds, False),
            news=self._marshal("Update", news, preview),
            old_inputs=self._marshal("Update", old_inputs, False),
            ignoreChanges=list(ignore_changes),
            preview=preview,
        )
        response = self._call("Update", request, provider_pb2.UpdateResponse)
        return self._receive("Update", response.properties, news, preview)

    def delete(
        self, urn: str, id_: str, props: Mapping[str, Any], *, old_inputs: Mapping[str, Any] | None = None
    ) -> None:
        """Delete(id, props=outputs). The engine also sends ``old_inputs``."""
        parsed = parse_urn(urn)
        request = provider_pb2.DeleteRequest(
            id=id_,
            urn=urn,
            name=parsed.name,
            type=parsed.type,
            properties=self._marshal("Delete", props, False),
            old_inputs=self._marshal("Delete", old_inputs, False),
        )
        self._call("Delete", request, empty_pb2.Empty)

    # -- plumbing --------------------------------------------------------------------------------------------

    def _try_handshake(self) -> provider_pb2.ProviderHandshakeResponse | None:
        """The engine's first call. A host that does not implement it (the Python host) is configured by Configure's
        answer instead."""
        try:
            return self._call(
                "Handshake",
                provider_pb2.ProviderHandshakeRequest(configure_with_urn=True),
                provider_pb2.ProviderHandshakeResponse,
            )
        except HostError as err:
            if err.status == grpc.StatusCode.UNIMPLEMENTED:
                return None
            raise

    def _require_configured(self, method: str) -> None:
        if self.accept_secrets is None:
            raise RuntimeError(f"{method}: call configure() first; the engine configures a provider before using it")

    def _marshal(self, method: str, props: Mapping[str, Any] | None, keep_unknowns: bool) -> struct_pb2.Struct | None:
        """A property map for a request; None (the field left unset) for None."""
        self._require_configured(method)
        if props is None:
            return None
        try:
            return to_struct(props, keep_unknowns=keep_unknowns, keep_secrets=bool(self.accept_secrets))
        except PropertyError as err:
            raise PropertyError(f"{method}: {err}") from None

    def _receive(self, method: str, struct: struct_pb2.Struct, ins: Mapping[str, Any], preview: bool) -> dict[str, Any]:
        """A property map from a response, unknowns rejected outside preview, and (for a host that does not take
        secrets) re-marked secret where the input of the same name was."""
        try:
            outs = from_struct(struct, reject_unknowns=not preview)
        except PropertyError as err:
            raise HostError(method, None, str(err)) from None
        return outs if self.accept_secrets else annotate_secrets(outs, ins)

    def _call(self, method: str, request: message.Message, response_type: type[_Response]) -> _Response:
        if self._stub is None:
            raise RuntimeError(f"{method}: the provider host is not running (use it as a context manager)")
        try:
            response = getattr(self._stub, method)(request, timeout=self._call_timeout)
        except grpc.RpcError as err:
            assert isinstance(err, grpc.Call)
            raise HostError(method, err.code(), err.details() or "") from None
        if not isinstance(response, response_type):
            raise HostError(method, None, f"expected {response_type.__name__}, got {type(response).__name__}")
        return response
