"""Generate schema.json, the Pulumi package schema of pulumi-depot, from the resources' pydantic models.

Run: python scripts/gen_schema.py [OUT_FILE] (no argument: writes provider/pulumi_depot_provider/native/schema.json,
the one copy: the native provider plugin pulumi-resource-depot returns it from GetSchema, and the docs and SDK
generators read it). tests/test_schema.py regenerates it and compares with the committed file, and holds the dynamic
SDK (sdk/pulumi_depot) to it.

It is the plugin's schema: package `depot`, tokens depot:index:<Name> (the dynamic SDK registers the same resources
as pulumi-python:dynamic/depot:<Name>; pulumi_depot_provider.tokens.native_token maps one to the other), the
resources and functions (invokes) the plugin serves, and its configuration. Property names are the ones on the wire
and in state: camelCase (`cachePolicy.keepGb`), each a field's name by native/names.py's wire_name, the mapping the
plugin converts values with (each generator gives its language's style: Python `cache_policy`). Descriptions,
required properties, replaceOnChanges and secret come from the models' Field descriptions and Behaviour metadata;
functions' from resources/project_lookup.py. The AWS token sinks (AwsSecretsManagerToken, AwsSsmParameterToken) are
dynamic resources only (the plugin does not serve them), so they are not in it. depot:index:TenantProject is a
component (isComponent, built by the plugin's Construct): its inputs are native/construct.py's tenant_inputs (the
Python component's keywords, typed by the tenants file's model), its outputs TenantProjectOutputs.
"""

from __future__ import annotations

import json
import sys
import types
import typing
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pulumi_depot_provider.allowlist import TRUST_FIELDS
from pulumi_depot_provider.native.construct import COMPONENT_TOKEN, SCHEMA_NAMES, TenantProjectOutputs, tenant_inputs
from pulumi_depot_provider.native.names import wire_name
from pulumi_depot_provider.resources import project_lookup
from pulumi_depot_provider.resources.core import ResourceCore
from pulumi_depot_provider.resources.fields import OnChange, behaviour
from pulumi_depot_provider.resources.project import HardwareName, Region
from pulumi_depot_provider.resources.registry import FUNCTIONS, RESOURCES
from pulumi_depot_provider.tokens import NATIVE_PREFIX, native_token
from pydantic import BaseModel, JsonValue
from pydantic.fields import FieldInfo

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUT = ROOT / "provider" / "pulumi_depot_provider" / "native" / "schema.json"
"""The one schema.json: the plugin serves it (GetSchema) from its package; docs, SDKs and tests read it there."""
PROVIDERS: tuple[type[ResourceCore[Any, Any, Any]], ...] = tuple(entry.core for entry in RESOURCES if entry.native)
# Dynamic resources the plugin does not serve: not in the schema; tests/test_schema.py holds their SDK classes to
# what SchemaBuilder.resource makes of them.
DYNAMIC_ONLY_PROVIDERS: tuple[type[ResourceCore[Any, Any, Any]], ...] = tuple(
    entry.core for entry in RESOURCES if not entry.native
)
# Function token -> (its description, its result model); its arguments model is the plugin's (FUNCTIONS).
RESULTS: dict[str, tuple[Callable[..., Any], type[BaseModel]]] = {
    "depot:index:getProject": (project_lookup.get_project, project_lookup.ProjectInfo),
    "depot:index:listProjects": (project_lookup.list_projects, project_lookup.ListProjectsResult),
}
ENUMS: dict[Any, tuple[str, str]] = {
    Region: ("Region", "A Depot region."),
    HardwareName: (
        "Hardware",
        "Builder hardware, Depot's Hardware enum names (HARDWARE_UNSPECIFIED: Depot's default).",
    ),
}


def enum_name(value: str) -> str:
    """A member's schema name, from which each generator makes a clean identifier: HARDWARE_32X64 -> 32x64 (Python
    Hardware.HARDWARE_32X64, TypeScript Hardware_32x64, Go Hardware_32x64: each prefixes a leading digit with the
    type), HARDWARE_UNSPECIFIED -> Unspecified, us-east-1 -> USEast1 (as pulumi-aws names its regions)."""
    if value.startswith("HARDWARE_"):
        rest = value.removeprefix("HARDWARE_").lower()
        return rest if rest[:1].isdigit() else rest.title()
    area, *rest = value.split("-")
    return area.upper() + "".join(part.title() for part in rest)


SCALARS: dict[Any, dict[str, str]] = {str: {"type": "string"}, int: {"type": "integer"}, bool: {"type": "boolean"}}
ANY = {"$ref": "pulumi.json#/Any"}
TRUST_KIND, ALLOWED_TRUST_ENTRY = "TrustKind", "AllowedTrustEntry"


def schema_name(model: type[BaseModel]) -> str:
    return str(getattr(model, "schema_type", SCHEMA_NAMES.get(model, model.__name__)))


def _strip(annotation: Any) -> Any:
    """The annotation without Annotated metadata and without None in a union."""
    if typing.get_origin(annotation) is typing.Annotated:
        return _strip(typing.get_args(annotation)[0])
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        members = [arg for arg in typing.get_args(annotation) if arg is not type(None)]
        if len(members) == 1:
            return _strip(members[0])
    return annotation


class SchemaBuilder:
    def __init__(self, prefix: str = NATIVE_PREFIX) -> None:
        self.types: dict[str, dict[str, Any]] = {}
        self._models: dict[str, type[BaseModel]] = {}
        self.prefix = prefix

    def token(self, name: str) -> str:
        return self.prefix + name

    def type_spec(self, annotation: Any) -> dict[str, Any]:
        annotation = _strip(annotation)
        if annotation is JsonValue:
            return dict(ANY)
        if annotation in SCALARS:
            return dict(SCALARS[annotation])
        if annotation in ENUMS:
            return {"$ref": f"#/types/{self.token(self._enum(annotation))}"}
        if typing.get_origin(annotation) is list:
            return {"type": "array", "items": self.type_spec(typing.get_args(annotation)[0])}
        if typing.get_origin(annotation) is dict:
            return {"type": "object", "additionalProperties": self.type_spec(typing.get_args(annotation)[1])}
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            return {"$ref": f"#/types/{self.token(self._object(annotation))}"}
        if typing.get_origin(annotation) in (typing.Union, types.UnionType):  # e.g. a tenant's token: true or {...}
            return {"oneOf": [self.type_spec(member) for member in typing.get_args(annotation)]}
        raise TypeError(f"no schema type for {annotation!r}: extend scripts/gen_schema.py")

    def _enum(self, literal: Any) -> str:
        name, description = ENUMS[literal]
        self.types.setdefault(
            self.token(name),
            {
                "description": description,
                "type": "string",
                "enum": [{"value": value, "name": enum_name(value)} for value in typing.get_args(literal)],
            },
        )
        return name

    def _object(self, model: type[BaseModel]) -> str:
        name = schema_name(model)
        seen = self._models.get(name)
        if seen is not None:
            if set(seen.model_fields) != set(model.model_fields):
                raise TypeError(f"{seen.__name__} and {model.__name__} are both schema type {name} but differ")
            return name
        self._models[name] = model
        self.types[self.token(name)] = {}  # reserve the name before recursing
        spec: dict[str, Any] = {
            "description": _doc(model),
            "type": "object",
            "properties": {wire_name(field): self.property_spec(info) for field, info in model.model_fields.items()},
        }
        required = [wire_name(field) for field, info in model.model_fields.items() if info.is_required()]
        if required:
            spec["required"] = required
        self.types[self.token(name)] = spec
        return name

    def property_spec(self, field: FieldInfo, fallback: FieldInfo | None = None) -> dict[str, Any]:
        spec: dict[str, Any] = {}
        description = field.description or (fallback.description if fallback else None)
        if description:
            spec["description"] = description
        spec.update(self.type_spec(field.annotation))
        rule = behaviour(fallback) if fallback is not None else behaviour(field)
        if rule.on_change is OnChange.REPLACE:
            spec["replaceOnChanges"] = True
        if behaviour(field).secret:
            spec["secret"] = True
        extra = field.json_schema_extra if isinstance(field.json_schema_extra, dict) else {}
        if "deprecationMessage" in extra:
            spec["deprecationMessage"] = extra["deprecationMessage"]
        return spec

    def resource(self, provider: type[ResourceCore[Any, Any, Any]]) -> dict[str, Any]:
        args, state = provider.args_model, provider.state_model
        missing = set(args.model_fields) - set(state.model_fields)
        if missing:
            raise TypeError(f"{state.__name__} must echo every input; it lacks {sorted(missing)}")
        return {
            "description": _doc(args),
            "inputProperties": self.properties(args),
            "requiredInputs": _required(args),
            "properties": {
                wire_name(name): self.property_spec(info, args.model_fields.get(name))
                for name, info in state.model_fields.items()
            },
            "required": _required(state),
        }

    def component(self, inputs: type[BaseModel], outputs: type[BaseModel]) -> dict[str, Any]:
        """A multi-language component (the plugin's Construct builds it): inputs and outputs from two models."""
        return {
            "isComponent": True,
            "description": _doc(inputs),
            "inputProperties": self.properties(inputs),
            "requiredInputs": _required(inputs),
            "properties": self.properties(outputs),
            "required": _required(outputs),
        }

    def properties(self, model: type[BaseModel]) -> dict[str, Any]:
        return {wire_name(name): self.property_spec(info) for name, info in model.model_fields.items()}

    def object_spec(self, model: type[BaseModel]) -> dict[str, Any]:
        """A function's inputs or outputs: the model's fields as properties."""
        spec: dict[str, Any] = {
            "description": _doc(model),
            "type": "object",
            "properties": self.properties(model),
        }
        required = _required(model)
        if required:
            spec["required"] = required
        return spec

    def function(self, token: str) -> dict[str, Any]:
        arguments = FUNCTIONS[token].args_model
        look_up, result = RESULTS[token]
        return {
            "description": (look_up.__doc__ or "").split("\n\n")[0].strip(),
            "inputs": self.object_spec(arguments),
            "outputs": self.object_spec(result),
        }


def _required(model: type[BaseModel]) -> list[str]:
    return [wire_name(name) for name, info in model.model_fields.items() if info.is_required()]


def _doc(model: type[BaseModel]) -> str:
    return " ".join((model.__doc__ or "").split())


def build_schema() -> dict[str, Any]:
    builder = SchemaBuilder()
    resources = {native_token(p.type_token): builder.resource(p) for p in PROVIDERS}
    resources[COMPONENT_TOKEN] = builder.component(tenant_inputs(), TenantProjectOutputs)
    if set(RESULTS) != set(FUNCTIONS):
        raise TypeError(f"RESULTS {sorted(RESULTS)} must describe every function the plugin serves {sorted(FUNCTIONS)}")
    functions = {token: builder.function(token) for token in FUNCTIONS}
    # Stack config depot:* and an explicit provider's inputs: the same settings.
    config: dict[str, Any] = {
        "token": {
            "type": "string",
            "secret": True,
            "description": "Depot organization token (`pulumi config set --secret depot:token ...`); "
            "falls back to DEPOT_TOKEN.",
            "defaultInfo": {"environment": ["DEPOT_TOKEN"]},
        },
        "apiUrl": {
            "type": "string",
            "description": "Depot API base URL (default https://api.depot.dev); falls back to DEPOT_API_URL.",
            "defaultInfo": {"environment": ["DEPOT_API_URL"]},
        },
        "allowInsecureHttp": {
            "type": "boolean",
            "description": "Accept an http:// apiUrl whose host is not loopback (the token then travels in "
            "cleartext); falls back to DEPOT_ALLOW_INSECURE_HTTP=1. Default false.",
        },
        "allowedTrust": {
            "type": "string",
            "description": "Stack config: a JSON object limiting the CI pipelines trust policies may grant: "
            '{"github": [owners], "buildkite": [organization slugs], "circleci": [organization UUIDs]} (an explicit '
            "provider's allowedTrust: a list of AllowedTrustEntry). A provider left out allows nothing. It narrows "
            "the stack's depot:allowedTrust and the environment's DEPOT_ALLOWED_TRUST / DEPOT_ALLOWED_TRUST_FILE, "
            "which every provider enforces; it cannot widen them. A TrustPolicy or TrustPolicySet entry outside "
            "them fails at preview.",
        },
    }
    # An explicit provider's allowedTrust is typed: one entry per trust kind (stack config stays the JSON object).
    builder.types[builder.token(TRUST_KIND)] = {
        "description": "A kind of CI pipeline a trust policy can trust.",
        "type": "string",
        "enum": [{"value": kind, "name": kind.title()} for kind in TRUST_FIELDS],
    }
    builder.types[builder.token(ALLOWED_TRUST_ENTRY)] = {
        "description": "What one kind of CI pipeline may be trusted: the names its trust policies may grant.",
        "type": "object",
        "properties": {
            "kind": {"$ref": f"#/types/{builder.token(TRUST_KIND)}"},
            "names": {
                "type": "array",
                "items": {"type": "string"},
                "description": "GitHub repository owners, Buildkite organization slugs or CircleCI organization "
                "UUIDs (by kind).",
            },
        },
        "required": ["kind", "names"],
    }
    provider_inputs = {
        **config,
        "allowedTrust": {
            "type": "array",
            "items": {"$ref": f"#/types/{builder.token(ALLOWED_TRUST_ENTRY)}"},
            "description": "The CI pipelines this provider's trust policies may grant, one entry per kind (a kind "
            "left out allows nothing). It narrows the stack's depot:allowedTrust and the environment's "
            "DEPOT_ALLOWED_TRUST / DEPOT_ALLOWED_TRUST_FILE; it cannot widen them.",
        },
    }
    return {
        "name": "depot",
        "displayName": "Depot",
        "description": "Depot (depot.dev) for Pulumi: projects, trust policies (one by one or as an authoritative "
        "set) and project tokens, served by the native provider plugin pulumi-resource-depot; the same resources "
        "are the dynamic SDK pulumi_depot's.",
        "keywords": ["pulumi", "depot", "category/cloud", "kind/native"],
        "license": "Apache-2.0",
        "publisher": "pulumi-depot",
        "repository": "https://github.com/pulumi-depot/pulumi-depot",
        "homepage": "https://github.com/pulumi-depot/pulumi-depot",
        # Where releases live: the engine downloads pulumi-resource-depot-v<version>-<os>-<arch>.tar.gz (made by
        # scripts/package_plugin.py) from the GitHub release v<version> of this repository.
        "pluginDownloadURL": "github://api.github.com/pulumi-depot/pulumi-depot",
        "config": {"variables": config},
        # An explicit provider (depot.Provider(..., token=..., api_url=...)) takes the same settings as stack config.
        "provider": {
            "description": "The Depot provider: the same settings as stack config depot:*.",
            "inputProperties": provider_inputs,
        },
        # The generated Python SDK (scripts/gen_native_sdk.py -> sdk/pulumi_depot_native): its own distribution,
        # as Pulumi's codegen requires (its _utilities reads the version of the distribution named like the package),
        # at the plugin's version (gen_native_sdk.py adds `version`, as GetSchema does), depending on pulumi-depot
        # for the plugin itself. Options: pkg/v3/codegen/python/importer.go's PackageInfo.
        "language": {
            "python": {
                "packageName": "pulumi_depot_native",
                "respectSchemaVersion": True,
                "pyproject": {"enabled": True},
                "requires": {"pulumi-depot": ""},
            },
            # The TypeScript and Go SDKs (scripts/gen_sdks.py -> sdk/nodejs, sdk/go). npm's exact pins: @pulumi/pulumi
            # 3.270.0 is the newest on npm not past the CLI built here (3.274.1 is not on npm), TypeScript the last
            # 5.x. Options: pkg/v3/codegen/nodejs/importer.go, codegen/go/importer.go.
            "nodejs": {
                "packageName": "@pulumi-depot/depot",
                "respectSchemaVersion": True,
                "dependencies": {"@pulumi/pulumi": "3.270.0"},
                "devDependencies": {"@types/node": "20.19.43"},
                "typescriptVersion": "5.9.3",
            },
            "go": {"importBasePath": "github.com/pulumi-depot/pulumi-depot/sdk/go/depot", "respectSchemaVersion": True},
        },
        "types": dict(sorted(builder.types.items())),
        "resources": resources,
        "functions": functions,
    }


def render() -> str:
    return json.dumps(build_schema(), indent=2, ensure_ascii=False) + "\n"


if __name__ == "__main__":
    text = render()
    for out in [Path(sys.argv[1])] if len(sys.argv) > 1 else [DEFAULT_OUT]:
        out.write_text(text, encoding="utf-8")
