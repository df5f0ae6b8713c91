"""The plugin's Construct: `depot:index:TenantProject` as a multi-language component (YAML, TypeScript, Go, ...).

It runs the Python component itself, `pulumi_depot.TenantProject(..., native=True)`, inside the plugin process:
the children (depot:index:Project, TrustPolicySet, ProjectToken), their names, the checks of bad input and the
outputs are that code's. The children are registered with the engine's monitor from here.

The inputs are the component's keyword arguments, typed by the tenants file's model (cache_policy by the Project's,
to which the component passes it on) and described by the component's docstring (`tenant_inputs`, which
scripts/gen_schema.py turns into the schema's TenantProject; the tenants file's TokenSpec is schema type TenantToken,
as the Python SDK calls it TenantTokenArgs).
`token_sink` is not among them: its AWS sinks are dynamic resources, which only a Python program can declare.
"""

from __future__ import annotations

import functools
import inspect
import re
from collections.abc import Mapping
from contextvars import ContextVar
from typing import Annotated, Any

import pulumi
from pulumi.provider.experimental import provider as rpc
from pulumi.provider.experimental.property_value import PropertyValue
from pulumi.provider.server import ProviderServicer as ComponentServicer
from pulumi.runtime import rpc as wire
from pulumi_depot.tenant import TenantProject
from pulumi_depot.tenants_file import TenantsFile, TenantsFileError, TenantSpec, TokenSpec
from pydantic import BaseModel, Field, create_model

from pulumi_depot_provider.native.names import to_core, to_wire, wire_name
from pulumi_depot_provider.resources.fields import SECRET
from pulumi_depot_provider.resources.project import ProjectArgs
from pulumi_depot_provider.resources.values import DepotResourceError

COMPONENT_TOKEN = "depot:index:TenantProject"
# Component keyword -> the tenants file's field that types it (TenantSpec's, or TenantsFile's for the template).
_RENAMED = {"tenant": "id", "project_name": "name"}
_FILE_FIELDS = ("name_template",)
_PROJECT_FIELDS = ("cache_policy",)
SCHEMA_NAMES: dict[type[BaseModel], str] = {TokenSpec: "TenantToken"}
RETAIN_ON_DELETE: ContextVar[bool] = ContextVar("retain_on_delete", default=False)
"""The component's retainOnDelete during a Construct (server.py sets it: the SDK's options leave it out)."""
# Python-only keywords: the SDK choice (always native here), the options, and the dynamic AWS token sinks.
_PYTHON_ONLY = ("self", "name", "native", "opts", "token_sink")
_PARAM = re.compile(r":param (\w+): (.*?)(?=\n\s*:param |\Z)", re.S)


class TenantProjectOutputs(BaseModel):
    """The outputs of a TenantProject: what its register_outputs records."""

    project_id: str = Field(description="The tenant project's Depot id.")
    token_secret: Annotated[str | None, SECRET] = Field(
        default=None,
        description="The tenant's project token (a secret). Absent without a token, and for a token adopted by "
        "import_id: Depot shows a token's secret only when it is created.",
    )


@functools.cache
def tenant_inputs() -> type[BaseModel]:
    """TenantProject's keyword arguments as a model: each typed by the tenants file's field, described by the
    component's docstring, required when the component requires it."""
    init = TenantProject.__init__
    described = {key: " ".join(text.split()) for key, text in _PARAM.findall(inspect.getdoc(init) or "")}
    fields: dict[str, Any] = {}
    for keyword, parameter in inspect.signature(init).parameters.items():
        if keyword in _PYTHON_ONLY:
            continue
        model = TenantsFile if keyword in _FILE_FIELDS else ProjectArgs if keyword in _PROJECT_FIELDS else TenantSpec
        typed = model.model_fields[_RENAMED.get(keyword, keyword)]
        default = ... if parameter.default is inspect.Parameter.empty else None
        fields[keyword] = (typed.annotation, Field(default=default, description=described[keyword]))
    return create_model("TenantProjectArgs", __doc__=(TenantProject.__doc__ or "").split("\n\n")[0], **fields)


async def construct(request: rpc.ConstructRequest) -> rpc.ConstructResponse:
    """Build a TenantProject (native=True) from the engine's inputs, inside the plugin process."""
    if request.resource_type != COMPONENT_TOKEN:
        raise DepotResourceError(f"unknown component {request.resource_type!r}; this provider serves {COMPONENT_TOKEN}")
    known = tenant_inputs().model_fields
    given = to_core(tenant_inputs(), request.inputs)  # the schema's camelCase names as the component's keywords
    unknown = sorted(set(given) - set(known))
    if unknown:
        raise DepotResourceError(
            f"{COMPONENT_TOKEN} {request.name!r}: unknown input(s) {', '.join(unknown)}; it takes "
            + ", ".join(wire_name(name) for name in known)
        )
    arguments = {key: await _python_input(value) for key, value in given.items()}
    try:
        opts = request.options
        if RETAIN_ON_DELETE.get():  # passed on to the children, as in a Python program
            opts = pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(retain_on_delete=True))
        component = TenantProject(request.name, **arguments, native=True, opts=opts)
    except TenantsFileError as error:  # its checks, worded as for a Python program
        raise DepotResourceError(str(error)) from None
    outputs: dict[str, Any] = {"project_id": component.project_id}
    if component.token is not None:
        # The component's own record (register_outputs), not the refusing token_secret property: the engine
        # resolves every output, so refusing would fail a tenant whose program never reads its adopted token.
        outputs["token_secret"] = pulumi.Output.secret(component.token.secret)
    assert set(outputs) <= set(TenantProjectOutputs.model_fields)
    return rpc.ConstructResponse(
        urn=await component.urn.future() or "",
        state=await _state(to_wire(TenantProjectOutputs, outputs)),
        state_dependencies={},
    )


async def _python_input(value: PropertyValue) -> Any:
    """An engine value as the component's Python input: a plain value, or an Output when it is secret, unknown or
    depends on resources (the SDK's own conversion for component providers)."""
    [deserialized] = wire.deserialize_properties(
        PropertyValue.marshal_map({"value": value}), keep_unknowns=True
    ).values()
    return await ComponentServicer._select_value(_whole_numbers(deserialized), deps=value.all_dependencies())


def _whole_numbers(value: Any) -> Any:
    """The engine's only number is a double; the component's counts (cache_policy.keep_gb) are whole numbers."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, Mapping):
        return {key: _whole_numbers(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_whole_numbers(item) for item in value]
    return value


async def _state(outputs: Mapping[str, Any]) -> dict[str, PropertyValue]:
    """The outputs as property values: secrets marked, each with the resources it depends on."""
    dependencies: dict[str, list[pulumi.Resource]] = {}
    struct = await wire.serialize_properties(dict(outputs), dependencies)
    state = PropertyValue.unmarshal_map(struct)
    for key, resources in dependencies.items():
        urns = [urn for urn in [await resource.urn.future() for resource in resources] if urn]
        state[key] = state[key].with_dependencies(urns)
    return state
