"""The native plugin's package schema: generated from the resource models (fresh, and the same file as the top-level
schema.json), valid for the real `pulumi` (`pulumi schema check`), and what the plugin's GetSchema returns to the
engine (`pulumi package get-schema`): its resources, its functions (invokes) and its configuration."""

from __future__ import annotations

import importlib.util
import inspect
import json
import subprocess
from pathlib import Path
from types import ModuleType

from native_stack import PLUGIN
from pulumi_depot.tenant import TenantProject
from pulumi_depot_provider.native.construct import COMPONENT_TOKEN
from pulumi_depot_provider.native.provider import FUNCTIONS, RESOURCES, plugin_version
from pulumi_stack import PULUMI, cli_environment

ROOT = Path(__file__).resolve().parents[2]
NATIVE_SCHEMA = ROOT / "provider" / "pulumi_depot_provider" / "native" / "schema.json"


def _generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("gen_schema", ROOT / "scripts" / "gen_schema.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _pulumi(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = cli_environment(tmp_path / "home", tmp_path / "backend")
    return subprocess.run(
        [str(PULUMI), *args], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300, check=False
    )


def test_native_schema_is_fresh_and_is_schema_json() -> None:
    assert _generator().render() == NATIVE_SCHEMA.read_text(encoding="utf-8"), (
        "provider/pulumi_depot_provider/native/schema.json is stale: run python scripts/gen_schema.py"
    )
    assert NATIVE_SCHEMA.read_bytes() == (ROOT / "schema.json").read_bytes()


def test_native_schema_names_the_plugins_resources_under_depot_index() -> None:
    schema = json.loads(NATIVE_SCHEMA.read_text(encoding="utf-8"))
    assert schema["name"] == "depot"
    assert sorted(schema["resources"]) == sorted([*RESOURCES, COMPONENT_TOKEN])
    assert all(token.startswith("depot:index:") for token in schema["types"])
    assert schema["config"]["variables"]["token"]["secret"] is True
    assert schema["resources"]["depot:index:ProjectToken"]["properties"]["secret"]["secret"] is True
    assert schema["resources"]["depot:index:Project"]["inputProperties"]["organization_id"]["replaceOnChanges"]
    assert set(schema["config"]["variables"]) == {"token", "apiUrl", "allowInsecureHttp", "allowedTrust"}


def test_native_schema_tenant_project_is_the_python_components_keywords() -> None:
    component = json.loads(NATIVE_SCHEMA.read_text(encoding="utf-8"))["resources"][COMPONENT_TOKEN]
    assert component["isComponent"] is True
    keywords = set(inspect.signature(TenantProject.__init__).parameters)
    # Python-only: the SDK choice, the options and the dynamic (AWS) token sinks.
    assert set(component["inputProperties"]) == keywords - {"self", "name", "native", "opts", "token_sink"}
    assert component["requiredInputs"] == ["tenant", "region"]
    assert component["inputProperties"]["token"]["oneOf"] == [
        {"type": "boolean"},
        {"$ref": "#/types/depot:index:TenantToken"},
    ]
    assert component["properties"]["token_secret"]["secret"] is True
    assert component["required"] == ["project_id"]


def test_native_schema_describes_the_plugins_invokes() -> None:
    functions = json.loads(NATIVE_SCHEMA.read_text(encoding="utf-8"))["functions"]
    assert sorted(functions) == sorted(FUNCTIONS) == ["depot:index:getProject", "depot:index:listProjects"]
    get_project = functions["depot:index:getProject"]
    assert sorted(get_project["inputs"]["properties"]) == ["id", "name"]
    assert "required" not in get_project["inputs"]  # exactly one of the two: the plugin checks it
    assert sorted(get_project["outputs"]["required"]) == sorted(
        ["id", "name", "region", "organization_id", "created_at", "cache_policy", "hardware"]
    )
    assert get_project["outputs"]["properties"]["cache_policy"] == {
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
    checked = _pulumi(tmp_path, "schema", "check", str(NATIVE_SCHEMA))
    assert checked.returncode == 0, checked.stdout + checked.stderr
    # ...and notices what is wrong in a schema: a function whose output names a type the schema lacks.
    broken = json.loads(NATIVE_SCHEMA.read_text(encoding="utf-8"))
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
        **json.loads(NATIVE_SCHEMA.read_text(encoding="utf-8")),
        "version": plugin_version(),
    }
    info = _pulumi(tmp_path, "package", "info", str(PLUGIN))
    assert "Resources: 5" in info.stdout, info.stdout + info.stderr
    assert "Functions: 2" in info.stdout, info.stdout + info.stderr
