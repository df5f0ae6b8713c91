"""The dynamic front end: `python -m pulumi.dynamic` serving the resource core.

The host hands every ResourceProvider method plain property dicts: `__provider` included, unknown values (preview)
as `pulumi.output.Unknown`, secrets possibly wrapped. `DynamicProvider` turns them into the core's plain values
(resources/values.py), calls the resource's core class (resources/core.py) and turns its answers into the host's
CheckResult, DiffResult, CreateResult, ReadResult and UpdateResult.

The classes users' state names (`pulumi_depot_provider.resources.project.ProjectProvider`, ...) are built here,
one per registered resource (resources/registry.py), and reached through their module's `__getattr__`: what the
SDK pickles into `__provider` is a reference to that class plus `owner` (and a trust resource's
`stack_allowed_trust`).

Sessions: the host unpickles each distinct `__provider` once and calls its `configure` with the stack's config, so
every resource of a deployment gets its own provider object; they must still share one session (the adoption set,
the client pool, the project index, the create journal). This front end therefore keeps one Session per
configuration: the values of the config keys and environment variables a session reads.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Mapping
from typing import Any, ClassVar

from pulumi.dynamic import (
    CheckFailure,
    CheckResult,
    Config,
    ConfigureRequest,
    CreateResult,
    DiffResult,
    ReadResult,
    ResourceProvider,
    UpdateResult,
)
from pulumi.output import Unknown
from pulumi.runtime import rpc
from pulumi.runtime.config import is_config_secret

from pulumi_depot_provider.allowlist import (
    ALLOWED_TRUST_ENV,
    ALLOWED_TRUST_FILE_ENV,
    ALLOWED_TRUST_KEY,
    program_stack_allowed_trust,
)
from pulumi_depot_provider.client.config import INSECURE_HTTP_ENV, TOKEN_ENV, URL_ENV
from pulumi_depot_provider.config import ALLOW_INSECURE_HTTP_KEY, API_URL_KEY, TOKEN_KEY, ConfigSource
from pulumi_depot_provider.resources.aws_store import ENDPOINT_KEY
from pulumi_depot_provider.resources.core import DYNAMIC, ResourceCore
from pulumi_depot_provider.resources.registry import Registered, by_stored_path
from pulumi_depot_provider.resources.session import Session
from pulumi_depot_provider.resources.values import UNKNOWN

PROVIDER_KEY = "__provider"
SESSION_KEYS = (TOKEN_KEY, API_URL_KEY, ALLOW_INSECURE_HTTP_KEY, ENDPOINT_KEY, ALLOWED_TRUST_KEY)
SESSION_ENV = (TOKEN_ENV, URL_ENV, INSECURE_HTTP_ENV, ALLOWED_TRUST_ENV, ALLOWED_TRUST_FILE_ENV)


def plain(value: Any) -> Any:
    """A host value as the core's: secrets unwrapped (the host does not accept secrets, so the engine strips
    them; this is a safety net), `Unknown()` as the unknown sentinel."""
    value = rpc.unwrap_rpc_secret(value)
    if isinstance(value, Unknown):
        return UNKNOWN
    if isinstance(value, Mapping):
        return {key: plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [plain(item) for item in value]
    return value


def plain_properties(props: Mapping[str, Any]) -> dict[str, Any]:
    """The resource's own properties (without `__provider`) as the core's values."""
    return {key: plain(value) for key, value in props.items() if key != PROVIDER_KEY}


class _Sessions:
    """One Session per configuration in this host process (see the module's docstring)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._sessions: dict[str, Session] = {}

    def get(self, config: ConfigSource) -> Session:
        key = json.dumps(
            [[config.get(name) for name in SESSION_KEYS], [os.environ.get(name) for name in SESSION_ENV]], default=str
        )
        with self._lock:
            session = self._sessions.get(key)
            if session is None:
                session = self._sessions[key] = Session(config)
            return session


SESSIONS = _Sessions()


class DynamicProvider(ResourceProvider):
    """The host's ResourceProvider for one resource, generic over the core class it serves (`core`)."""

    core: ClassVar[type[ResourceCore[Any, Any, Any]]]
    type_token: ClassVar[str]
    args_model: ClassVar[type[Any]]
    state_model: ClassVar[type[Any]]
    # The Pulumi resource this instance serves ("<project>/<stack>/<type>/<parent>/<name>", set by the SDK).
    owner: str | None = None
    # The stack's depot:allowedTrust, captured when the SDK pickles a trust resource's provider (see __getstate__).
    stack_allowed_trust: Any = None

    def __init__(self, owner: str | None = None) -> None:
        if owner is not None:
            self.owner = owner
        # Read by the SDK as it pickles this object into `__provider`. The pickle holds the class by reference, the
        # owner key and, for a trust resource, the stack's allowlist: nothing secret, so it is stored as plain base64
        # (a third of the bytes of the SDK's ciphertext envelope, in inputs and outputs, rewritten at every
        # checkpoint). It stays a secret when the stack keeps depot:allowedTrust as one; a secret Output captured in
        # it would make it one too (the SDK checks that itself).
        self.serialize_as_secret_always = self.core.carries_stack_allowed_trust and is_config_secret(ALLOWED_TRUST_KEY)

    def __getstate__(self) -> dict[str, Any]:
        # Private attributes (the configured core) are the host's, made by configure: they never travel.
        state = {key: value for key, value in self.__dict__.items() if not key.startswith("_")}
        state.pop("serialize_as_secret_always", None)  # the SDK's question in the program, not the provider's state
        if not self.core.carries_stack_allowed_trust:
            return state
        state.pop("stack_allowed_trust", None)
        captured = program_stack_allowed_trust()
        if captured is not None:  # not set: the pickle stays what it was before the capture existed
            state["stack_allowed_trust"] = captured
        return state

    def configure(self, req: ConfigureRequest) -> None:
        self._resource = self.core(
            SESSIONS.get(req.config), owner=self.owner, front=DYNAMIC, stack_allowed_trust=self.stack_allowed_trust
        )

    def resource(self) -> ResourceCore[Any, Any, Any]:
        """The configured core; a host that never called configure gets the environment's settings only."""
        if getattr(self, "_resource", None) is None:
            self.configure(ConfigureRequest(Config({}, "")))
        return self._resource

    def check(self, olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        result = self.resource().check(plain_properties(olds), plain_properties(news))
        return CheckResult(result.inputs, [CheckFailure(f.property, f.reason) for f in result.failures])

    def diff(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        result = self.resource().diff(id_, plain_properties(olds), plain_properties(news))
        return DiffResult(
            changes=result.changes, replaces=result.replaces, delete_before_replace=result.delete_before_replace
        )

    def create(self, props: dict[str, Any]) -> CreateResult:
        result = self.resource().create(plain_properties(props))
        return CreateResult(result.id, result.outputs)

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        result = self.resource().read(id_, plain_properties(props))
        if not result.id:
            return ReadResult("", {})
        return ReadResult(result.id, result.outputs, result.inputs)

    def update(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        return UpdateResult(self.resource().update(id_, plain_properties(olds), plain_properties(news)))

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        self.resource().delete(id_, plain_properties(props))


_classes: dict[str, type[DynamicProvider]] = {}
_classes_lock = threading.Lock()


def provider_class(entry: Registered) -> type[DynamicProvider]:
    """The class users' state names for this resource: made once, with the module and name it is stored under."""
    with _classes_lock:
        found = _classes.get(entry.stored)
        if found is None:
            module, _, name = entry.stored.rpartition(".")
            core = entry.core
            found = _classes[entry.stored] = type(
                name,
                (DynamicProvider,),
                {
                    "__module__": module,
                    "__qualname__": name,
                    "__doc__": f"Dynamic provider for {core.type_token}. Its import path is part of users' state.",
                    "core": core,
                    "type_token": core.type_token,
                    "args_model": core.args_model,
                    "state_model": core.state_model,
                },
            )
        return found


def stored_provider(module: str, name: str) -> type[DynamicProvider]:
    """For a resource module's `__getattr__`: its stored provider class, or AttributeError."""
    entry = by_stored_path(f"{module}.{name}")
    if entry is None:
        raise AttributeError(f"module {module!r} has no attribute {name!r}")
    return provider_class(entry)
