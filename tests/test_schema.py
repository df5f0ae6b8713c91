"""schema.json is what scripts/gen_schema.py makes from the resource models today (the native plugin's package
schema, tokens depot:index:<Name>). The dynamic SDK's classes are generated from it (scripts/gen_dynamic_sdk.py;
tests/test_dynamic_sdk_fresh.py); here, it registers every schema resource as pulumi-python:dynamic/depot:<Name>
(native_token maps that to the schema's token) and its secret properties as secret outputs."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from types import ModuleType

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
# them out. Their SDK classes are generated from the spec the same generator makes from their models.
DYNAMIC_ONLY = [depot.AwsSecretsManagerToken, depot.AwsSsmParameterToken]


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
