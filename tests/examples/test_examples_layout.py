"""Every example is a complete Pulumi project with a README, is listed in examples/README.md, and has a full-cycle
test. A Python example's README shows the edit that makes its native twin, and that edit fits its program; a YAML
example (``yaml-*``, runtime yaml) is its Pulumi.yaml alone and declares only the native plugin's types."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Final

import pytest
import yaml
from example_cycles import CYCLES
from example_harness import EXAMPLES_DIR, native_twin
from pulumi_stack import SCHEMA_FILE
from test_example_yaml import YAML_CYCLES

ALL = sorted(path.name for path in EXAMPLES_DIR.iterdir() if path.is_dir() and not path.name.startswith("."))
YAML_EXAMPLES = [name for name in ALL if name.startswith("yaml-")]
EXAMPLES = [name for name in ALL if name not in YAML_EXAMPLES]
"""The Python examples."""
SCHEMA: Final = json.loads(SCHEMA_FILE.read_text())


def unknown_properties(value: Any, spec: dict[str, Any], where: str) -> list[str]:
    """The property names in ``value`` (a YAML example's) that the schema's ``spec`` does not have, through
    nested object types and lists; a ``${...}`` expression is not looked into."""
    spec = SCHEMA["types"][spec["$ref"].removeprefix("#/types/")] if "$ref" in spec else spec
    if isinstance(value, list) and "items" in spec:
        return [bad for i, item in enumerate(value) for bad in unknown_properties(item, spec["items"], f"{where}[{i}]")]
    if not isinstance(value, dict) or "properties" not in spec:
        return []
    known = spec["properties"]
    return [f"{where}.{name}" for name in value if name not in known] + [
        bad
        for name, item in value.items()
        if name in known
        for bad in unknown_properties(item, known[name], f"{where}.{name}")
    ]


def test_every_example_has_a_cycle_and_every_cycle_an_example() -> None:
    assert set(EXAMPLES) == set(CYCLES)
    assert set(YAML_EXAMPLES) == set(YAML_CYCLES)


@pytest.mark.parametrize("example", YAML_EXAMPLES)
def test_yaml_example_is_a_yaml_pulumi_project_on_the_native_plugin(example: str) -> None:
    directory = EXAMPLES_DIR / example
    assert not list(directory.glob("*.py")), "a YAML example is its Pulumi.yaml alone"
    project = yaml.safe_load((directory / "Pulumi.yaml").read_text())
    assert (project["runtime"], project["name"]) == ("yaml", f"depot-{example}")
    assert project.get("description")
    types = {resource["type"] for resource in project["resources"].values()}
    assert types and types <= set(SCHEMA["resources"]), types  # resources and the TenantProject component
    for name, resource in project["resources"].items():
        inputs = {"properties": SCHEMA["resources"][resource["type"]]["inputProperties"]}
        assert unknown_properties(resource.get("properties", {}), inputs, name) == [], "not in schema.json"
    readme = (directory / "README.md").read_text()
    assert readme.startswith("# ")
    assert "pulumi up" in readme


@pytest.mark.parametrize("example", EXAMPLES)
def test_example_is_a_python_pulumi_project(example: str) -> None:
    directory = EXAMPLES_DIR / example
    project = yaml.safe_load((directory / "Pulumi.yaml").read_text())
    assert project["runtime"] == "python"
    assert project["name"] == f"depot-{example}"
    assert project.get("description")
    compile((directory / "__main__.py").read_text(), str(directory / "__main__.py"), "exec")
    requirements = [line.split("#", 1)[0].strip() for line in (directory / "requirements.txt").read_text().splitlines()]
    assert "pulumi-depot" in [line.split("[", 1)[0] for line in requirements]  # extras allowed: pulumi-depot[aws]
    readme = (directory / "README.md").read_text()
    assert readme.startswith("# ")
    assert "pulumi up" in readme


def test_examples_index_links_every_example() -> None:
    index = (EXAMPLES_DIR / "README.md").read_text()
    for example in ALL:
        assert f"]({example}/)" in index, f"examples/README.md does not link {example}/"


@pytest.mark.parametrize("example", EXAMPLES)
def test_the_readme_native_edit_fits_the_program(example: str, tmp_path: Path) -> None:
    twin = (native_twin(example, tmp_path) / "__main__.py").read_text()
    assert twin != (EXAMPLES_DIR / example / "__main__.py").read_text()
    assert "pulumi_depot_native" in twin or "native=True" in twin
    compile(twin, f"{example}/__main__.py (native twin)", "exec")
