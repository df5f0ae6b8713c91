"""schema.json is what scripts/gen_schema.py makes from the resource models today (the native plugin's package
schema, tokens depot:index:<Name>), and the dynamic SDK matches it: every keyword and declared output of the SDK's
resources is in the schema with the same type, and vice versa. The SDK registers a resource as
pulumi-python:dynamic/depot:<Name>; native_token maps that to the schema's token."""

from __future__ import annotations

import importlib.util
import inspect
import json
import typing
from collections.abc import Awaitable
from pathlib import Path
from types import ModuleType, NoneType, UnionType
from typing import Any

import pulumi
import pulumi_depot as depot
import pytest
from dynamic_host import run_program
from pulumi_depot_provider.native.names import core_name
from pulumi_depot_provider.native.provider import RESOURCES as PLUGIN_RESOURCES
from pulumi_depot_provider.tokens import native_token
from pulumi_stack import SCHEMA_FILE

ROOT = Path(__file__).resolve().parent.parent
SCHEMA = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
RESOURCES = [depot.Project, depot.TrustPolicy, depot.ProjectToken, depot.TrustPolicySet]
# Dynamic resources only: the native plugin does not serve the AWS token sinks (they write to AWS with boto3 in the
# dynamic provider host; the plugin has no import for them), so the package schema, which is the plugin's, leaves
# them out. Their SDK classes are held to the spec the same generator makes from their models (not a second file).
DYNAMIC_ONLY = [depot.AwsSecretsManagerToken, depot.AwsSsmParameterToken]
INPUT_TYPES = [
    depot.CachePolicyArgs,
    depot.GitHubTrustArgs,
    depot.BuildkiteTrustArgs,
    depot.CircleCITrustArgs,
    depot.TrustPolicyEntryArgs,
]
OUTPUT_TYPES = [depot.CachePolicy, depot.GitHubTrust, depot.BuildkiteTrust, depot.CircleCITrust, depot.TrustPolicyEntry]
NOT_PROPERTIES = {"self", "resource_name", "opts"}
# SDK keywords that are not properties themselves but set some: a sink's token= sets value, value_known, token_name.
SDK_ONLY = {depot.AwsSecretsManagerToken: {"token"}, depot.AwsSsmParameterToken: {"token"}}
# pulumi.Input is Union[T, Awaitable[T], "Output[T]"]: the forward reference needs these names to resolve
# (as in pulumi._types); the Output member is left out of the comparison anyway.
PULUMI_NAMES = {"Output": pulumi.Output, "T": NoneType}


def _load_generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("gen_schema", ROOT / "scripts" / "gen_schema.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_schema_is_fresh() -> None:
    assert _load_generator().render() == SCHEMA_FILE.read_text(encoding="utf-8"), (
        f"{SCHEMA_FILE.relative_to(ROOT)} is stale: run python scripts/gen_schema.py and commit the result"
    )


def sdk_token(cls: type) -> str:
    """The token the dynamic SDK registers the class under: pulumi-python:dynamic/depot:<Name>."""
    return f"pulumi-python:{cls._resource_type_name}"  # type: ignore[attr-defined]


def test_the_dynamic_sdk_registers_every_schema_resource_under_its_dynamic_token() -> None:
    custom = sorted(token for token, spec in SCHEMA["resources"].items() if not spec.get("isComponent"))
    assert sorted(native_token(sdk_token(cls)) for cls in RESOURCES) == custom
    assert [sdk_token(cls) for cls in RESOURCES] == [f"pulumi-python:dynamic/depot:{c.__name__}" for c in RESOURCES]


@pytest.mark.parametrize("cls", DYNAMIC_ONLY, ids=lambda cls: cls.__name__)
def test_dynamic_only_resources_are_neither_served_by_the_plugin_nor_in_the_schema(cls: type) -> None:
    assert native_token(sdk_token(cls)) not in PLUGIN_RESOURCES
    assert native_token(sdk_token(cls)) not in SCHEMA["resources"]


def test_schema_is_a_pulumi_package_named_depot() -> None:
    assert SCHEMA["name"] == "depot"
    assert set(SCHEMA["config"]["variables"]) == {
        "token",
        "apiUrl",
        "allowInsecureHttp",
        "allowedTrust",
    }
    assert SCHEMA["config"]["variables"]["token"]["secret"] is True
    assert all(
        token.startswith("depot:index:") for part in ("resources", "types", "functions") for token in SCHEMA[part]
    )
    for resource in SCHEMA["resources"].values():
        assert resource["description"]
        for name, prop in {**resource["inputProperties"], **resource["properties"]}.items():
            assert prop.get("description"), f"{name} has no description"


# --- the SDK's types, and the schema's, in one notation: "string", "integer", "Any", "array<string>", "ref:Name" ---


def sdk_type(annotation: Any) -> str:
    if typing.get_origin(annotation) is pulumi.Output:
        return sdk_type(typing.get_args(annotation)[0])
    if typing.get_origin(annotation) in (typing.Union, UnionType):
        members = [
            arg
            for arg in typing.get_args(annotation)
            if arg is not NoneType and typing.get_origin(arg) not in (pulumi.Output, Awaitable)
        ]
        return "Any" if Any in members else sdk_type(members[0]) if len(members) == 1 else f"union{members}"
    if annotation is Any:
        return "Any"
    if typing.get_origin(annotation) is list:
        return f"array<{sdk_type(typing.get_args(annotation)[0])}>"
    if typing.get_origin(annotation) is dict:
        return f"map<{sdk_type(typing.get_args(annotation)[1])}>"
    scalars = {str: "string", int: "integer", bool: "boolean"}
    if annotation in scalars:
        return scalars[annotation]
    name = annotation.__name__
    return f"ref:{name.removesuffix('Args')}"


def schema_type(spec: dict[str, Any]) -> str:
    ref = spec.get("$ref")
    if ref == "pulumi.json#/Any":
        return "Any"
    if ref:
        token = ref.removeprefix("#/types/")
        target = SCHEMA["types"][token]
        return str(target["type"]) if "enum" in target else f"ref:{token.rsplit(':', 1)[1]}"
    if spec["type"] == "array":
        return f"array<{schema_type(spec['items'])}>"
    if spec["type"] == "object" and "additionalProperties" in spec:
        return f"map<{schema_type(spec['additionalProperties'])}>"
    return str(spec["type"])


def sdk_inputs(cls: type) -> dict[str, tuple[str, bool]]:
    """keyword -> (type, required) of cls.__init__."""
    hints = typing.get_type_hints(cls.__init__, localns=PULUMI_NAMES)
    parameters = inspect.signature(cls.__init__).parameters
    return {
        name: (sdk_type(hints[name]), parameter.default is inspect.Parameter.empty)
        for name, parameter in parameters.items()
        if name not in NOT_PROPERTIES | SDK_ONLY.get(cls, set())
    }


def sdk_outputs(cls: type) -> dict[str, str]:
    """Declared output attribute -> type (the class's own annotations)."""
    own = type(cls.__name__, (), {"__annotations__": inspect.get_annotations(cls)})
    hints = typing.get_type_hints(own, globalns=vars(inspect.getmodule(cls)), localns=PULUMI_NAMES)
    return {name: sdk_type(hint) for name, hint in hints.items()}


def schema_properties(properties: dict[str, Any], required: list[str]) -> dict[str, tuple[str, bool]]:
    """The schema's camelCase properties by the dynamic SDK's keywords (the fields: names.py's core_name)."""
    return {core_name(name): (schema_type(spec), name in required) for name, spec in properties.items()}


def resource_schema(cls: type) -> dict[str, Any]:
    if cls in DYNAMIC_ONLY:
        generator = _load_generator()
        provider = next(p for p in generator.DYNAMIC_ONLY_PROVIDERS if p.type_token == f"depot:{cls.__name__}")
        builder = generator.SchemaBuilder()
        spec = builder.resource(provider)
        assert not builder.types, "a dynamic-only resource refers to a type the schema does not hold"
        return spec  # type: ignore[no-any-return]
    token = native_token(sdk_token(cls))
    assert token in SCHEMA["resources"], f"{token} is not in schema.json"
    return SCHEMA["resources"][token]  # type: ignore[no-any-return]


@pytest.mark.parametrize("cls", RESOURCES + DYNAMIC_ONLY, ids=lambda cls: cls.__name__)
def test_sdk_inputs_match_the_schema(cls: type) -> None:
    spec = resource_schema(cls)
    assert sdk_inputs(cls) == schema_properties(spec["inputProperties"], spec["requiredInputs"])


@pytest.mark.parametrize("cls", RESOURCES + DYNAMIC_ONLY, ids=lambda cls: cls.__name__)
def test_sdk_outputs_match_the_schema(cls: type) -> None:
    spec = resource_schema(cls)
    assert sdk_outputs(cls) == {name: kind for name, (kind, _) in schema_properties(spec["properties"], []).items()}


@pytest.mark.parametrize("cls", INPUT_TYPES, ids=lambda cls: cls.__name__)
def test_sdk_input_types_match_the_schema(cls: type) -> None:
    spec = SCHEMA["types"][f"depot:index:{cls.__name__.removesuffix('Args')}"]
    assert sdk_inputs(cls) == schema_properties(spec["properties"], spec.get("required", []))


@pytest.mark.parametrize("cls", OUTPUT_TYPES, ids=lambda cls: cls.__name__)
def test_sdk_output_types_match_the_schema(cls: type) -> None:
    spec = SCHEMA["types"][f"depot:index:{cls.__name__}"]
    assert {name: kind for name, (kind, _) in sdk_inputs(cls).items()} == {
        core_name(name): schema_type(prop) for name, prop in spec["properties"].items()
    }


def test_secret_properties_are_registered_as_secret_outputs() -> None:
    def program() -> None:
        project = depot.Project("p", name="p", region="us-east-1")
        github = depot.GitHubTrustArgs(repository_owner="o", repository="r")
        depot.TrustPolicy("t", project_id=project.id, github=github)
        token = depot.ProjectToken("k", project_id=project.id, description="d")
        pulumi.export("token", token.secret)
        other = depot.Project("o", name="o", region="us-east-1")
        depot.TrustPolicySet("s", project_id=other.id, policies=[github])

    run = run_program(program)
    assert len(run.resources) == 5
    for record in run.resources:
        spec = SCHEMA["resources"][native_token(record.type)]
        secret = sorted(core_name(name) for name, prop in spec["properties"].items() if prop.get("secret"))
        assert sorted(record.additional_secret_outputs) == secret, record.type
