"""Generate schema.json, the Pulumi package schema of pulumi-depot, from the resources' pydantic models.

Run: python scripts/gen_schema.py [OUT_FILE]. tests/test_schema.py regenerates it and compares with the committed
file, and holds the SDK (sdk/pulumi_depot) to it.

Resources are keyed by the type token the SDK registers (pulumi-python:dynamic/depot:Project); property names are
the ones on the wire and in state (snake_case, as the SDK's keywords). Descriptions, required properties,
replaceOnChanges and secret come from the models' Field descriptions and Behaviour metadata.

It also writes provider/pulumi_depot_provider/native/schema.json, the same models as the package schema of the
native provider plugin (pulumi-resource-depot, which returns it from GetSchema): tokens depot:index:<Name>, the
resources that plugin serves, and its configuration.
"""

from __future__ import annotations

import json
import sys
import types
import typing
from pathlib import Path
from typing import Any

from pulumi_depot_provider.adapter import DepotProvider
from pulumi_depot_provider.resources.aws_secrets_manager_token import AwsSecretsManagerTokenProvider
from pulumi_depot_provider.resources.aws_ssm_parameter_token import AwsSsmParameterTokenProvider
from pulumi_depot_provider.resources.fields import OnChange, behaviour
from pulumi_depot_provider.resources.project import HardwareName, ProjectProvider, Region
from pulumi_depot_provider.resources.project_token import ProjectTokenProvider
from pulumi_depot_provider.resources.trust_policy import TrustPolicyProvider
from pulumi_depot_provider.resources.trust_policy_set import TrustPolicySetProvider
from pydantic import BaseModel, JsonValue
from pydantic.fields import FieldInfo

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUT = ROOT / "schema.json"
NATIVE_OUT = ROOT / "provider" / "pulumi_depot_provider" / "native" / "schema.json"
TOKEN_PREFIX = "pulumi-python:dynamic/depot:"
NATIVE_PREFIX = "depot:index:"
PROVIDERS: tuple[type[DepotProvider[Any, Any]], ...] = (
    ProjectProvider,
    TrustPolicyProvider,
    ProjectTokenProvider,
    TrustPolicySetProvider,
    AwsSecretsManagerTokenProvider,
    AwsSsmParameterTokenProvider,
)
ENUMS: dict[Any, tuple[str, str]] = {
    Region: ("Region", "A Depot region."),
    HardwareName: (
        "Hardware",
        "Builder hardware, Depot's Hardware enum names (HARDWARE_UNSPECIFIED: Depot's default).",
    ),
}
SCALARS: dict[Any, dict[str, str]] = {str: {"type": "string"}, int: {"type": "integer"}, bool: {"type": "boolean"}}
NATIVE_PROVIDERS = PROVIDERS[:4]  # Project, TrustPolicy, ProjectToken, TrustPolicySet
NATIVE_CONFIG = ("token", "apiUrl", "allowInsecureHttp", "allowedTrust")
ANY = {"$ref": "pulumi.json#/Any"}


def schema_name(model: type[BaseModel]) -> str:
    return str(getattr(model, "schema_type", model.__name__))


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
    def __init__(self, prefix: str = TOKEN_PREFIX) -> None:
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
        raise TypeError(f"no schema type for {annotation!r}: extend scripts/gen_schema.py")

    def _enum(self, literal: Any) -> str:
        name, description = ENUMS[literal]
        self.types.setdefault(
            self.token(name),
            {
                "description": description,
                "type": "string",
                "enum": [{"value": value, "name": value} for value in typing.get_args(literal)],
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
            "properties": {field: self.property_spec(info) for field, info in model.model_fields.items()},
        }
        required = [field for field, info in model.model_fields.items() if info.is_required()]
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

    def resource(self, provider: type[DepotProvider[Any, Any]]) -> dict[str, Any]:
        args, state = provider.args_model, provider.state_model
        missing = set(args.model_fields) - set(state.model_fields)
        if missing:
            raise TypeError(f"{state.__name__} must echo every input; it lacks {sorted(missing)}")
        return {
            "description": _doc(args),
            "inputProperties": {name: self.property_spec(info) for name, info in args.model_fields.items()},
            "requiredInputs": [name for name, info in args.model_fields.items() if info.is_required()],
            "properties": {
                name: self.property_spec(info, args.model_fields.get(name)) for name, info in state.model_fields.items()
            },
            "required": [name for name, info in state.model_fields.items() if info.is_required()],
        }


def _doc(model: type[BaseModel]) -> str:
    return " ".join((model.__doc__ or "").split())


def build_schema(
    prefix: str = TOKEN_PREFIX, providers: tuple[type[DepotProvider[Any, Any]], ...] = PROVIDERS
) -> dict[str, Any]:
    builder = SchemaBuilder(prefix)
    resources = {builder.token(p.type_token.split(":", 1)[1]): builder.resource(p) for p in providers}
    return {
        "name": "depot",
        "displayName": "Depot",
        "description": "Pulumi dynamic resources for Depot (depot.dev): projects, trust policies (one by one or as "
        "an authoritative set) and project tokens, and the tokens' delivery to AWS Secrets Manager and SSM Parameter "
        "Store.",
        "keywords": ["pulumi", "depot", "category/cloud", "kind/native"],
        "license": "Apache-2.0",
        "config": {
            "variables": {
                "token": {
                    "type": "string",
                    "secret": True,
                    "description": "Depot organization token (`pulumi config set --secret depot:token ...`); "
                    "falls back to DEPOT_TOKEN.",
                },
                "apiUrl": {
                    "type": "string",
                    "description": "Depot API base URL (default https://api.depot.dev); falls back to DEPOT_API_URL.",
                },
                "allowInsecureHttp": {
                    "type": "boolean",
                    "description": "Accept an http:// apiUrl whose host is not loopback (the token then travels in "
                    "cleartext); falls back to DEPOT_ALLOW_INSECURE_HTTP=1. Default false.",
                },
                "awsEndpointUrl": {
                    "type": "string",
                    "description": "The endpoint of the AWS token sinks (AwsSecretsManagerToken, AwsSsmParameterToken) "
                    "instead of AWS: moto's server in tests, or an AWS-compatible store. Not set: boto3's own "
                    "AWS_ENDPOINT_URL (and per-service variables), else AWS. Plain http:// only to this machine "
                    "unless allowInsecureHttp. Credentials always come from boto3's chain (AWS_PROFILE, "
                    "AWS_ACCESS_KEY_ID, roles).",
                },
                "allowedTrust": {
                    "type": "string",
                    "description": "JSON object limiting the CI pipelines trust policies may grant: "
                    '{"github": [owners], "buildkite": [organization slugs], "circleci": [organization UUIDs]}. '
                    "A provider left out allows nothing; not set: no restriction. A TrustPolicy or "
                    "TrustPolicySet entry outside it fails at preview.",
                },
            }
        },
        "types": dict(sorted(builder.types.items())),
        "resources": resources,
    }


def build_native_schema() -> dict[str, Any]:
    """The package schema of the native provider plugin: the same models under depot:index: tokens."""
    schema = build_schema(NATIVE_PREFIX, NATIVE_PROVIDERS)
    schema["description"] = (
        "Depot (depot.dev) as a native Pulumi provider: projects, trust policies (one by one or as an "
        "authoritative set) and project tokens."
    )
    variables = schema["config"]["variables"]
    schema["config"]["variables"] = {name: variables[name] for name in NATIVE_CONFIG}
    return schema


def render() -> str:
    return json.dumps(build_schema(), indent=2, ensure_ascii=False) + "\n"


def render_native() -> str:
    return json.dumps(build_native_schema(), indent=2, ensure_ascii=False) + "\n"


if __name__ == "__main__":
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_OUT
    out.write_text(render(), encoding="utf-8")
    if len(sys.argv) <= 1:
        NATIVE_OUT.write_text(render_native(), encoding="utf-8")
