"""docs/reference is what scripts/gen_docs.py makes from schema.json today, and the generator documents any resource
a schema holds (inputs, outputs, types, replace-on-change, secrets, import) or says what in the schema it cannot."""

from __future__ import annotations

import copy
import importlib.util
import json
import re
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pulumi_depot
import pytest
from pulumi_stack import SCHEMA_FILE

ROOT = Path(__file__).resolve().parent.parent
REFERENCE = ROOT / "docs" / "reference"
SCHEMA = json.loads(SCHEMA_FILE.read_text())


def _load_generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("gen_docs", ROOT / "scripts" / "gen_docs.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # pydantic resolves the models' forward references through it
    spec.loader.exec_module(module)
    return module


gen_docs = _load_generator()


def test_committed_reference_is_current(tmp_path: Path) -> None:
    assert gen_docs.main(["--out", str(tmp_path)]) == 0
    generated = sorted(path.name for path in tmp_path.glob("*.md"))
    committed = sorted(path.name for path in REFERENCE.glob("*.md"))
    assert committed == generated, "docs/reference is stale: run python scripts/gen_docs.py and commit the result"
    for name in generated:
        assert (REFERENCE / name).read_text() == (tmp_path / name).read_text(), (
            f"docs/reference/{name} is stale: run python scripts/gen_docs.py and commit the result"
        )


def test_every_resource_has_a_page_with_every_property() -> None:
    index = (REFERENCE / "README.md").read_text()
    for token, resource in SCHEMA["resources"].items():
        page_name = gen_docs.page_name(token)
        assert f"]({page_name})" in index
        page = (REFERENCE / page_name).read_text()
        for name in [*resource["inputProperties"], *resource["properties"]]:
            assert f"| `{name}` |" in page, f"{page_name} lacks {name}"
    for key in SCHEMA["config"]["variables"]:
        assert f"`depot:{key}`" in index


def test_the_sdk_has_every_class_the_reference_names() -> None:
    named: set[str] = set()
    for page in REFERENCE.glob("*.md"):
        named.update(re.findall(r"\bdepot\.([A-Z]\w*)", page.read_text()))
    assert named, "the reference names no SDK class"
    assert sorted(name for name in named if not hasattr(pulumi_depot, name)) == []


@pytest.mark.parametrize(
    ("token", "page"),
    [
        ("pulumi-python:dynamic/depot:Project", "project.md"),
        ("pulumi-python:dynamic/depot:TrustPolicySet", "trust-policy-set.md"),
        ("pulumi-python:dynamic/depot:CircleCITrust", "circle-ci-trust.md"),
        ("depot:index:TenantProject", "tenant-project.md"),
    ],
)
def test_page_names(token: str, page: str) -> None:
    assert gen_docs.page_name(token) == page


def widget_schema() -> dict[str, Any]:
    """A schema with a resource and a component this project does not have, using every construct."""
    prefix = "pulumi-python:dynamic/acme:"
    return {
        "name": "acme",
        "displayName": "Acme",
        "description": "Widgets.",
        "config": {"variables": {"apiKey": {"type": "string", "secret": True, "description": "The key."}}},
        "types": {
            f"{prefix}Colour": {
                "type": "string",
                "description": "A colour.",
                "enum": [{"value": "red", "name": "red"}, {"value": "blue", "description": "Calm."}],
            },
            f"{prefix}Part": {
                "type": "object",
                "description": "One part.",
                "properties": {
                    "size": {"type": "integer", "description": "How big."},
                    "tint": {"$ref": f"#/types/{prefix}Colour"},
                },
                "required": ["size"],
            },
            f"{prefix}Unused": {"type": "object", "properties": {}},
        },
        "resources": {
            f"{prefix}WidgetSet": {
                "description": "A set of widgets.",
                "inputProperties": {
                    "label": {"type": "string", "description": "A | label."},
                    "owner": {"type": "string", "replaceOnChanges": True, "description": "Who owns it."},
                    "parts": {"type": "array", "items": {"$ref": f"#/types/{prefix}Part"}},
                    "tags": {"type": "object", "additionalProperties": {"type": "string"}},
                    "password": {"type": "string", "secret": True, "deprecationMessage": "Use keys."},
                    "extra": {"$ref": "pulumi.json#/Any"},
                },
                "requiredInputs": ["owner"],
                "properties": {
                    "owner": {"type": "string"},
                    "serial": {"type": "number", "secret": True, "description": "Serial."},
                },
                "required": ["owner", "serial"],
            },
            "acme:index:Fleet": {
                "isComponent": True,
                "description": "Many widget sets.",
                "inputProperties": {"file": {"type": "string"}},
                "requiredInputs": ["file"],
                "properties": {"ids": {"type": "object", "additionalProperties": {"type": "string"}}},
            },
        },
    }


def test_any_resource_is_documented_from_the_schema_alone() -> None:
    pages = gen_docs.render_pages(widget_schema())
    assert sorted(pages) == ["README.md", "fleet.md", "widget-set.md"]

    widgets = pages["widget-set.md"]
    assert widgets.startswith("# acme.WidgetSet\n")
    assert "    owner: str,\n" in widgets  # required inputs come first, without a default
    assert "    parts: list[PartArgs] | None = None,\n" in widgets
    assert "    tags: dict[str, str] | None = None,\n" in widgets
    assert "| `label` | str | no | A \\| label. |" in widgets
    assert "| `owner` | str | yes | Who owns it. **Replaces the resource when changed.** |" in widgets
    assert "| `password` | str | no | **Secret.** **Deprecated:** Use keys. |" in widgets
    assert "| `parts` | list[[PartArgs](#part)] | no |" in widgets
    assert "| `serial` | float | yes | Serial. **Secret.** |" in widgets
    assert "replaces the resource: `owner`. These change in place: `label`, `parts`, `tags`, `password`, `extra`." in (
        widgets
    )
    assert "Secret inputs: `password`. Secret outputs: `serial`." in widgets
    assert "has no `import_id` input: it cannot adopt an existing object" in widgets
    # Types: the ones referenced, transitively (Part -> Colour), and not the unused one.
    assert re.findall(r"^### (\w+)$", widgets, re.M) == ["Colour", "Part"]
    assert "- `red`\n- `blue`: Calm.\n" in widgets
    assert "| `tint` | str ([Colour](#colour)) | no |" in widgets
    assert "| `size` | int | yes | How big. |" in widgets
    assert "`acme.PartArgs(...)` as an input, `acme.Part` as an output" in widgets

    fleet = pages["fleet.md"]
    assert "(component resource)" in fleet
    assert "A component holds no Depot object of its own" in fleet
    assert "| `ids` | dict[str, str] | no |" in fleet

    index = pages["README.md"]
    assert "| [acme.WidgetSet](widget-set.md) | A set of widgets. |" in index
    assert "| `acme:apiKey` | str | The key. **Secret.** |" in index


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (
            lambda s: s["resources"]["pulumi-python:dynamic/acme:WidgetSet"]["inputProperties"].update(
                broken={"$ref": "#/types/pulumi-python:dynamic/acme:Missing"}
            ),
            "resource WidgetSet, input broken: $ref '#/types/pulumi-python:dynamic/acme:Missing' names a type",
        ),
        (
            lambda s: s["resources"]["pulumi-python:dynamic/acme:WidgetSet"]["properties"].update(
                odd={"type": "tuple"}
            ),
            "resource WidgetSet, output odd: unsupported type 'tuple'",
        ),
        (
            lambda s: s["types"]["pulumi-python:dynamic/acme:Part"]["properties"].update(rows={"type": "array"}),
            "type Part, property rows: an array needs `items`",
        ),
        (lambda s: s.pop("name"), "schema.json: name: Field required"),
        (
            lambda s: s["resources"].update({"other:index:WidgetSet": {}}),
            "resources map to the same page: ['widget-set.md']",
        ),
    ],
)
def test_what_cannot_be_documented_is_named(mutate: Any, message: str) -> None:
    schema = copy.deepcopy(widget_schema())
    mutate(schema)
    with pytest.raises(gen_docs.SchemaError) as failure:
        gen_docs.render_pages(schema)
    assert message in str(failure.value)


def test_main_reports_a_bad_schema_in_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    schema = tmp_path / "schema.json"
    schema.write_text("{not json")
    assert gen_docs.main(["--schema", str(schema), "--out", str(tmp_path / "out")]) == 1
    error = capsys.readouterr().err
    assert error.startswith("gen_docs: ") and error.count("\n") == 1
    assert not (tmp_path / "out").exists()


def test_pages_of_removed_resources_are_deleted(tmp_path: Path) -> None:
    (tmp_path / "gone.md").write_text("old")
    (tmp_path / "notes.txt").write_text("kept")
    gen_docs.write_pages(gen_docs.render_pages(widget_schema()), tmp_path)
    assert sorted(path.name for path in tmp_path.iterdir()) == ["README.md", "fleet.md", "notes.txt", "widget-set.md"]
