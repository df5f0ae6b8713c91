"""The native plugin's package schema (its freshness: tests/test_schema.py): valid for the real `pulumi`
(`pulumi schema check`), and what the plugin's GetSchema returns to the engine (`pulumi package get-schema`): its
resources, its functions (invokes) and its configuration."""

from __future__ import annotations

import inspect
import json
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from native_stack import PLUGIN
from pulumi_depot.tenant import TenantProject
from pulumi_depot_provider.native.construct import COMPONENT_TOKEN
from pulumi_depot_provider.native.names import core_name, wire_name
from pulumi_depot_provider.native.provider import FUNCTIONS, RESOURCES, plugin_version
from pulumi_stack import PULUMI, SCHEMA_FILE, cli_environment


def _pulumi(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = cli_environment(tmp_path / "home", tmp_path / "backend")
    return subprocess.run(
        [str(PULUMI), *args], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300, check=False
    )


def test_native_schema_names_the_plugins_resources_under_depot_index() -> None:
    schema = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    assert schema["name"] == "depot"
    assert sorted(schema["resources"]) == sorted([*RESOURCES, COMPONENT_TOKEN])
    assert all(token.startswith("depot:index:") for token in schema["types"])
    assert schema["config"]["variables"]["token"]["secret"] is True
    assert schema["resources"]["depot:index:ProjectToken"]["properties"]["secret"]["secret"] is True
    assert schema["resources"]["depot:index:Project"]["inputProperties"]["organizationId"]["replaceOnChanges"]
    assert set(schema["config"]["variables"]) == {"token", "apiUrl", "allowInsecureHttp", "allowedTrust"}


def _property_names(node: Any) -> Iterator[str]:
    """Every property name of the schema: resources' inputs and outputs, types', functions' and the config's."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("properties", "inputProperties", "variables") and isinstance(value, dict):
                yield from value
            yield from _property_names(value)
    elif isinstance(node, list):
        for item in node:
            yield from _property_names(item)


def test_native_schema_is_idiomatic_for_every_language() -> None:
    """camelCase names, one mapping from the models' fields (names.py), which the plugin converts values with;
    enum names each generator renders cleanly; package metadata; env defaults; a typed allowedTrust."""
    schema = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    names = set(_property_names(schema))
    assert {"projectId", "cachePolicy", "keepGb", "repositoryOwner", "allowedTrust", "policyIds"} <= names
    assert [name for name in names if "_" in name or not name[0].islower()] == []
    for token, entry in RESOURCES.items():
        fields = entry.core.args_model.model_fields
        assert set(schema["resources"][token]["inputProperties"]) == {wire_name(field) for field in fields}
        assert {core_name(wire_name(field)) for field in fields} == set(fields)
    types = schema["types"]
    enums = {name: [member["name"] for member in spec["enum"]] for name, spec in types.items() if "enum" in spec}
    assert enums["depot:index:Hardware"][:2] == ["Unspecified", "16x32"]  # HARDWARE_16X32, Hardware_16x32
    assert enums["depot:index:Region"] == ["USEast1", "EUCentral1"]
    assert schema["publisher"] and schema["homepage"] and schema["repository"] and schema["pluginDownloadURL"]
    inputs = schema["provider"]["inputProperties"]
    assert inputs["token"]["defaultInfo"] == {"environment": ["DEPOT_TOKEN"]}
    assert inputs["apiUrl"]["defaultInfo"] == {"environment": ["DEPOT_API_URL"]}
    assert inputs["allowedTrust"]["items"] == {"$ref": "#/types/depot:index:AllowedTrustEntry"}
    assert schema["config"]["variables"]["allowedTrust"]["type"] == "string"  # stack config: the JSON object


def test_the_generated_python_sdk_reads_as_python() -> None:
    import pulumi_depot_native as depot

    assert (depot.Hardware.HARDWARE_32X64, depot.Hardware.UNSPECIFIED) == ("HARDWARE_32X64", "HARDWARE_UNSPECIFIED")
    assert (depot.Region.US_EAST1, depot.TrustKind.GITHUB) == ("us-east-1", "github")
    keywords = set(inspect.signature(depot.ProjectArgs.__init__).parameters)
    assert {"cache_policy", "organization_id", "cache_reset_trigger"} <= keywords
    assert {"repository_owner"} <= set(inspect.signature(depot.GitHubTrustArgs.__init__).parameters)


def test_native_schema_tenant_project_is_the_python_components_keywords() -> None:
    component = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))["resources"][COMPONENT_TOKEN]
    assert component["isComponent"] is True
    keywords = set(inspect.signature(TenantProject.__init__).parameters)
    # Python-only: the SDK choice, the options and the dynamic (AWS) token sinks.
    python_only = {"self", "name", "native", "opts", "token_sink"}
    assert set(component["inputProperties"]) == {wire_name(keyword) for keyword in keywords - python_only}
    assert component["requiredInputs"] == ["tenant", "region"]
    assert component["inputProperties"]["token"]["oneOf"] == [
        {"type": "boolean"},
        {"$ref": "#/types/depot:index:TenantToken"},
    ]
    assert component["properties"]["tokenSecret"]["secret"] is True
    assert component["required"] == ["projectId"]


def test_native_schema_describes_the_plugins_invokes() -> None:
    functions = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))["functions"]
    assert sorted(functions) == sorted(FUNCTIONS) == ["depot:index:getProject", "depot:index:listProjects"]
    get_project = functions["depot:index:getProject"]
    assert sorted(get_project["inputs"]["properties"]) == ["id", "name"]
    assert "required" not in get_project["inputs"]  # exactly one of the two: the plugin checks it
    assert sorted(get_project["outputs"]["required"]) == sorted(
        ["id", "name", "region", "organizationId", "createdAt", "cachePolicy", "hardware"]
    )
    assert get_project["outputs"]["properties"]["cachePolicy"] == {
        "description": "The effective cache policy.",
        "$ref": "#/types/depot:index:ProjectCachePolicy",
    }
    projects = functions["depot:index:listProjects"]["outputs"]["properties"]["projects"]
    assert projects["items"] == {"$ref": "#/types/depot:index:ProjectInfo"}
    for function in functions.values():
        assert function["description"]
        for part in ("inputs", "outputs"):
            assert all(prop["description"] for prop in function[part]["properties"].values())


def test_pulumi_schema_check_accepts_it(pulumi_cli: Path, tmp_path: Path) -> None:
    checked = _pulumi(tmp_path, "schema", "check", str(SCHEMA_FILE))
    assert checked.returncode == 0, checked.stdout + checked.stderr
    # ...and notices what is wrong in a schema: a function whose output names a type the schema lacks.
    broken = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    broken["functions"]["depot:index:listProjects"]["outputs"]["properties"]["projects"]["items"] = {
        "$ref": "#/types/depot:index:Missing"
    }
    (tmp_path / "broken.json").write_text(json.dumps(broken), encoding="utf-8")
    rejected = _pulumi(tmp_path, "schema", "check", str(tmp_path / "broken.json"))
    assert rejected.returncode != 0 and "depot:index:Missing" in rejected.stdout + rejected.stderr


def test_get_schema_returns_it_with_the_plugins_version(pulumi_cli: Path, tmp_path: Path) -> None:
    fetched = _pulumi(tmp_path, "package", "get-schema", str(PLUGIN))
    assert fetched.returncode == 0, fetched.stderr
    assert json.loads(fetched.stdout) == {
        **json.loads(SCHEMA_FILE.read_text(encoding="utf-8")),
        "version": plugin_version(),
    }
    info = _pulumi(tmp_path, "package", "info", str(PLUGIN))
    assert "Resources: 5" in info.stdout, info.stdout + info.stderr
    assert "Functions: 2" in info.stdout, info.stdout + info.stderr
