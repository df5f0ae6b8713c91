"""The native provider: the engine's resource protocol on the same resource code as the dynamic resources.

Each call builds the resource's provider class (ProjectProvider, TrustPolicySetProvider, ...) for the resource's
URN (its create-journal owner), configures it from the provider's configuration, converts the engine's property
values to the plain values that code takes, and converts the answer back: checked inputs, a detailed diff,
outputs with secrets marked. The blocking Depot calls run in a thread pool (see `worker_count`).
"""

from __future__ import annotations

import asyncio
import functools
import json
import os
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from importlib import metadata, resources
from typing import Any, TypeVar

from packaging.version import Version
from pulumi.dynamic import Config, ConfigureRequest
from pulumi.provider.experimental import provider as rpc
from pulumi.provider.experimental.property_value import PropertyValue
from pydantic import BaseModel, ValidationError

from pulumi_depot_provider.adapter import NATIVE, DepotProvider, DepotResourceError, check_failures
from pulumi_depot_provider.allowlist import environment_sources, load_allowed_trust, plugin_stack_allowed_trust
from pulumi_depot_provider.client import DepotClient
from pulumi_depot_provider.config import ConfigurationError, DepotSettings
from pulumi_depot_provider.guardrail import GuardedTrustProvider
from pulumi_depot_provider.native import details, imports
from pulumi_depot_provider.native.names import (
    core_name,
    to_core,
    to_wire,
    wire_name,
    wire_names,
    wire_path,
    wire_reason,
)
from pulumi_depot_provider.native.values import Properties, plain_map, property_map, secret_keys
from pulumi_depot_provider.resources import project_lookup
from pulumi_depot_provider.resources.fields import behaviour
from pulumi_depot_provider.resources.project import ProjectProvider
from pulumi_depot_provider.resources.project_token import ProjectTokenProvider
from pulumi_depot_provider.resources.trust_policy import TrustPolicyProvider
from pulumi_depot_provider.resources.trust_policy_set import TrustPolicySetProvider
from pulumi_depot_provider.tokens import PACKAGE, native_token

THREADS_ENV = "PULUMI_DEPOT_PROVIDER_THREADS"
ENGINE_PARALLEL_ENV = "PULUMI_PARALLEL"
SECRET_CONFIG = ("token",)
RESOURCES: dict[str, tuple[type[DepotProvider[Any, Any]], imports.Importer]] = {
    native_token(cls.type_token): (cls, importer)
    for cls, importer in (
        (ProjectProvider, imports.import_project),
        (TrustPolicyProvider, imports.import_trust_policy),
        (ProjectTokenProvider, imports.import_project_token),
        (TrustPolicySetProvider, imports.import_trust_policy_set),
    )
}
# The invokes: token -> (arguments model, look-up), both from resources/project_lookup.py.
FUNCTIONS: dict[str, tuple[type[BaseModel], Callable[[DepotClient, Any], BaseModel]]] = {
    f"{PACKAGE}:index:getProject": (project_lookup.GetProjectArgs, project_lookup.get_project),
    f"{PACKAGE}:index:listProjects": (project_lookup.ListProjectsArgs, project_lookup.list_projects),
}
T = TypeVar("T")


def worker_count(environ: Mapping[str, str] | None = None) -> int:
    """Threads for Depot calls. The engine never says its --parallel to a provider; it bounds how many calls it
    makes at once, so the pool only has to be at least that large: PULUMI_DEPOT_PROVIDER_THREADS if set, else the
    engine's own PULUMI_PARALLEL (which the plugin inherits), else the engine's default (4 per CPU), at least 16."""
    env = os.environ if environ is None else environ
    for name in (THREADS_ENV, ENGINE_PARALLEL_ENV):
        value = env.get(name, "").strip()
        if value.isdigit() and int(value) > 0:
            return min(int(value), 1024)
    return max(16, 4 * (os.cpu_count() or 1))


def plugin_version() -> str:
    """pulumi-depot's version as the engine reads versions (semver): GetPluginInfo, the schema, the plugin tarball."""
    try:
        return semver_of(metadata.version("pulumi-depot"))
    except metadata.PackageNotFoundError:
        return "0.0.0"


_SEMVER_PRE_TAGS = {"a": "alpha", "b": "beta", "rc": "rc"}


def semver_of(pep440: str) -> str:
    """A PEP 440 version as semver, converted exactly as the generated SDK's _utilities converts its own version
    for the engine (0.2.0.dev3 -> 0.2.0-dev.3, 1.0.0rc1 -> 1.0.0-rc.1): in the plugin cache the engine matches a
    prerelease version exactly, so the plugin must report the version the SDK asks for."""
    version = Version(pep440)
    major, minor, patch = (*version.release, 0, 0)[:3]
    prerelease: str | None = None
    if version.pre is not None:
        tag, number = version.pre
        prerelease = f"{_SEMVER_PRE_TAGS[tag]}.{number}"
    elif version.dev is not None:
        prerelease = f"dev.{version.dev}"
    elif version.local is not None:
        prerelease = version.local
    return f"{major}.{minor}.{patch}" + (f"-{prerelease}" if prerelease else "")


def schema_text() -> str:
    """The package schema (generated by scripts/gen_schema.py from the resource models), with this version."""
    text = resources.files("pulumi_depot_provider.native").joinpath("schema.json").read_text(encoding="utf-8")
    return json.dumps({**json.loads(text), "version": plugin_version()}, indent=2, ensure_ascii=False)


def resource_type(urn: str) -> str:
    """The resource's own type from its URN (the type segment is "<parent types>$<type>")."""
    parts = urn.split("::")
    return parts[-2].rsplit("$", 1)[-1] if len(parts) > 1 else ""


def stack_config(properties: Mapping[str, PropertyValue]) -> Config:
    """The provider's configuration (stack config `depot:*`, or an explicit provider's arguments) as the config the
    resource code reads in `configure`, keyed `depot:<name>`."""
    values = plain_map({key: value for key, value in properties.items() if key != "version"})
    return Config({f"{PACKAGE}:{key}": value for key, value in values.items()}, PACKAGE)


class DepotNativeProvider(rpc.Provider):
    def __init__(self, threads: int | None = None) -> None:
        self._pool = ThreadPoolExecutor(max_workers=threads or worker_count(), thread_name_prefix="depot")
        self._config = Config({}, PACKAGE)
        # Every instance of the plugin, an explicit provider's too, enforces the stack's allowlist (allowlist.py).
        self._stack_allowed_trust = plugin_stack_allowed_trust()

    async def _run(self, function: Callable[..., T], *args: Any) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._pool, functools.partial(function, *args))

    def _provider(self, urn: str) -> tuple[DepotProvider[Any, Any], imports.Importer]:
        type_ = resource_type(urn)
        if type_ not in RESOURCES:
            raise ValueError(f"unknown resource type {type_!r}; this provider serves {', '.join(RESOURCES)}")
        cls, importer = RESOURCES[type_]
        provider = cls(owner=urn, front=NATIVE)
        if isinstance(provider, GuardedTrustProvider):
            provider.stack_allowed_trust = self._stack_allowed_trust
        provider.configure(ConfigureRequest(self._config))
        return provider, importer

    # -- configuration --

    async def get_schema(self, request: rpc.GetSchemaRequest) -> rpc.GetSchemaResponse:
        return rpc.GetSchemaResponse(schema=schema_text())

    async def check_config(self, request: rpc.CheckRequest) -> rpc.CheckResponse:
        config = stack_config(request.new_inputs)
        failures = []
        for check in (DepotSettings.resolve, load_allowed_trust, lambda _: environment_sources()):
            try:
                check(config)
            except ConfigurationError as error:
                failures.append(rpc.CheckFailure("", str(error)))
        inputs = {
            key: value.with_secret(True) if key in SECRET_CONFIG else value for key, value in request.new_inputs.items()
        }
        return rpc.CheckResponse(inputs=inputs, failures=failures)

    async def configure(self, request: rpc.ConfigureRequest) -> rpc.ConfigureResponse:
        self._config = stack_config(request.args)
        # No preview support: the engine then never calls Create or Update during a preview.
        return rpc.ConfigureResponse(
            accept_secrets=True, supports_preview=False, accept_resources=False, accept_outputs=False
        )

    # -- invokes --

    async def invoke(self, request: rpc.InvokeRequest) -> rpc.InvokeResponse:
        return await self._run(self._invoke, request)

    def _invoke(self, request: rpc.InvokeRequest) -> rpc.InvokeResponse:
        if request.tok not in FUNCTIONS:
            raise DepotResourceError(f"unknown function {request.tok!r}; this provider serves {', '.join(FUNCTIONS)}")
        model, look_up = FUNCTIONS[request.tok]
        try:
            args = model.model_validate(to_core(model, plain_map(request.args)))
        except ValidationError as error:
            return rpc.InvokeResponse(failures=invoke_failures(model, error))
        # The settings, their problems (a missing token) and the redaction are the resource code's.
        provider = ProjectProvider(front=NATIVE)
        provider.configure(ConfigureRequest(self._config))
        try:
            if isinstance(args, project_lookup.GetProjectArgs):
                project_lookup.require_one_of(args)  # wrong arguments are named even without a token
            problem = provider._configuration_problem()
            if problem:
                raise DepotResourceError(f"{request.tok}: {problem}")
            answer = look_up(provider._client(), args)
        except project_lookup.LookupFailed as error:
            if error.argument:
                return rpc.InvokeResponse(failures=[rpc.CheckFailure(error.argument, str(error))])
            raise DepotResourceError(provider._redact(f"{request.tok}: {error}")) from None
        return rpc.InvokeResponse(return_value=property_map(to_wire(type(answer), answer.model_dump()), set()))

    # -- resources --

    async def check(self, request: rpc.CheckRequest) -> rpc.CheckResponse:
        return await self._run(self._check, request)

    def _check(self, request: rpc.CheckRequest) -> rpc.CheckResponse:
        provider, _ = self._provider(request.urn)
        args = provider.args_model
        result = provider.check(inputs(args, request.old_inputs), inputs(args, request.new_inputs))
        return rpc.CheckResponse(
            inputs=outputs(args, result.inputs, secret_keys(request.new_inputs)),
            failures=[rpc.CheckFailure(wire_path(f.property), wire_reason(f.reason)) for f in result.failures],
        )

    async def diff(self, request: rpc.DiffRequest) -> rpc.DiffResponse:
        return await self._run(self._diff, request)

    def _diff(self, request: rpc.DiffRequest) -> rpc.DiffResponse:
        provider, _ = self._provider(request.urn)
        olds, news = inputs(provider.state_model, request.old_state), inputs(provider.args_model, request.new_inputs)
        if isinstance(provider, TrustPolicySetProvider):
            result, steps = provider.diff_with_plan(request.resource_id, olds, news)
            detail = details.policy_set_details(result.replaces or [], steps, olds, news) if result.changes else {}
        else:
            result = provider.diff(request.resource_id, olds, news)
            detail = details.field_details(provider, olds, news)
        detail = {wire_path(path): entry for path, entry in detail.items()}
        ignored = wire_names(request.ignore_changes or [])  # a pre-rename program's snake_case paths too
        detail = details.without_ignored(detail, ignored)
        replaces = [name for name in wire_names(result.replaces or []) if name not in ignored]
        return rpc.DiffResponse(
            changes=bool(detail or replaces) if ignored else bool(result.changes),
            replaces=replaces,
            delete_before_replace=bool(result.delete_before_replace),
            detailed_diff=detail,
        )

    async def create(self, request: rpc.CreateRequest) -> rpc.CreateResponse:
        return await self._run(self._create, request)

    def _create(self, request: rpc.CreateRequest) -> rpc.CreateResponse:
        provider, _ = self._provider(request.urn)
        result = provider.create(inputs(provider.args_model, request.properties))
        assert result.outs is not None  # ProviderCore.create always returns the outputs
        secret = secret_keys(request.properties) | secret_outputs(provider)
        return rpc.CreateResponse(resource_id=result.id, properties=outputs(provider.state_model, result.outs, secret))

    async def read(self, request: rpc.ReadRequest) -> rpc.ReadResponse:
        return await self._run(self._read, request)

    def _read(self, request: rpc.ReadRequest) -> rpc.ReadResponse:
        provider, importer = self._provider(request.urn)
        secret = secret_keys(request.properties) | secret_keys(request.inputs) | secret_outputs(provider)
        if not request.properties:  # an import or a Resource.get: only the id is known
            # The resource code's own error handling (one line naming the resource) and client.
            with provider._one_line("read", f"(id {request.resource_id})"):
                found = importer(provider._client(), request.resource_id)
                if found is None:  # the engine would only say "does not exist"
                    type_ = resource_type(request.urn)
                    raise DepotResourceError(
                        "Depot has no object with this id in the token's organization (the id of a "
                        f"{type_} is {imports.ID_FORMS[type_]})"
                    )
            id_, state, declared = found
            if isinstance(provider, GuardedTrustProvider):
                provider.refuse_outside_allowlist(request.resource_id, declared)
        else:
            result = provider.read(request.resource_id, inputs(provider.state_model, request.properties))
            if not result.id:
                return rpc.ReadResponse()
            assert result.outs is not None  # ProviderCore.read returns outputs with every id
            id_, state, declared = result.id, result.outs, result.inputs or {}
        return rpc.ReadResponse(
            resource_id=id_,
            properties=outputs(provider.state_model, state, secret),
            inputs=outputs(provider.args_model, declared, secret_keys(request.inputs)),
        )

    async def update(self, request: rpc.UpdateRequest) -> rpc.UpdateResponse:
        return await self._run(self._update, request)

    def _update(self, request: rpc.UpdateRequest) -> rpc.UpdateResponse:
        provider, _ = self._provider(request.urn)
        olds, news = inputs(provider.state_model, request.olds), inputs(provider.args_model, request.news)
        result = provider.update(request.resource_id, olds, news)
        secret = secret_keys(request.olds) | secret_keys(request.news) | secret_outputs(provider)
        return rpc.UpdateResponse(properties=outputs(provider.state_model, result.outs or {}, secret))

    async def delete(self, request: rpc.DeleteRequest) -> None:
        await self._run(self._delete, request)

    def _delete(self, request: rpc.DeleteRequest) -> None:
        provider, _ = self._provider(request.urn)
        provider.delete(request.resource_id, inputs(provider.state_model, request.properties))

    # -- components --

    async def construct(self, request: rpc.ConstructRequest) -> rpc.ConstructResponse:
        from pulumi_depot_provider.native import construct  # the SDK's component code: loaded when first used

        return await construct.construct(request)


def invoke_failures(model: type[BaseModel], error: ValidationError) -> list[rpc.CheckFailure]:
    """The arguments' problems, one per argument, in the resource inputs' words (adapter.check_failures)."""
    return [rpc.CheckFailure(wire_path(f.property), wire_reason(f.reason)) for f in check_failures(model, error, [])]


def inputs(model: type[BaseModel], properties: Properties) -> dict[str, Any]:
    """The engine's values as the resource code's: camelCase names (or a pre-rename plugin's snake_case) to fields."""
    return to_core(model, plain_map(properties))


def outputs(model: type[BaseModel], values: Mapping[str, Any], secret: set[str]) -> Properties:
    """The resource code's values as the engine's; `secret` names top-level properties in either form."""
    return property_map(to_wire(model, values), {wire_name(core_name(key)) for key in secret})


def secret_outputs(provider: DepotProvider[Any, Any]) -> set[str]:
    """The outputs that are always secret (ProjectToken.secret), by their Behaviour."""
    return {name for name, field in provider.state_model.model_fields.items() if behaviour(field).secret}
