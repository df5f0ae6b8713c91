"""The Python samples of the README and of docs/*.md parse, every `depot.<name>` they use exists in the SDK,
and every keyword they pass to it is one the SDK accepts: the dynamic SDK pulumi_depot, or the native plugin's
generated pulumi_depot_native in a sample that imports it as depot."""

from __future__ import annotations

import ast
import inspect
import re
import typing
from pathlib import Path
from typing import Any

import pulumi_depot
import pulumi_depot_native
from examples.example_harness import native_edit

ROOT = Path(__file__).resolve().parent.parent
DOCS = [ROOT / "README.md", ROOT / "examples" / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


def python_blocks(path: Path) -> list[str]:
    return re.findall(r"```python\n(.*?)```", path.read_text(), flags=re.S)


def parameters(target: Any) -> set[str]:
    """The keywords ``target`` takes; a generated class's are those of its typed __init__ overloads."""
    overloads = typing.get_overloads(target.__init__) if inspect.isclass(target) else []
    return {name for function in overloads or [target] for name in inspect.signature(function).parameters}


def test_samples_parse_and_name_only_what_the_sdk_has() -> None:
    checked = 0
    for path in DOCS:
        for block in python_blocks(path):
            # Samples elide values with "…"; make those parse as a placeholder string.
            source = block.replace('"…"', '"x"').replace("…", "...")
            tree = ast.parse(source, filename=str(path))
            depot = pulumi_depot_native if "import pulumi_depot_native as depot" in source else pulumi_depot
            for node in ast.walk(tree):
                if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "depot":
                    assert hasattr(depot, node.attr), f"{path.name} uses depot.{node.attr}, which the SDK lacks"
                    checked += 1
                if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
                    target = node.func
                    if isinstance(target.value, ast.Name) and target.value.id == "depot":
                        accepted = parameters(getattr(depot, target.attr))
                        for keyword in node.keywords:
                            assert keyword.arg in accepted, (
                                f"{path.name}: depot.{target.attr}(... {keyword.arg}=...) is not an argument it takes"
                            )
    assert checked > 20, "the README's samples were not found"


NATIVE_IMPORT = "import pulumi_depot_native as depot"
DYNAMIC_ONLY = {"AwsSecretsManagerToken", "AwsSsmParameterToken", "TenantFleet", "TenantArgs", "tenant_fleet_from_file"}
"""What the README says only the dynamic SDK has: the AWS token sinks (the schema leaves them out) and fleets,
which switch with ``native=True`` rather than the import."""


def switched_to_native() -> list[tuple[str, str]]:
    """(where, source) of every dynamic sample and example program with the README's one-line switch applied (an
    example's own "With the native plugin" edit; a fleet's ``native=True`` keeps the dynamic import: left out)."""
    samples = []
    for path in DOCS:
        for block in python_blocks(path):
            source = block.replace('"…"', '"x"').replace("…", "...")
            if NATIVE_IMPORT not in source:
                samples.append((path.name, source.replace("import pulumi_depot as depot", NATIVE_IMPORT)))
    for program in sorted((ROOT / "examples").glob("*/__main__.py")):
        source = program.read_text()
        for old, new in native_edit(program.parent.name):
            source = source.replace(old, new)
        if NATIVE_IMPORT in source:
            samples.append((f"examples/{program.parent.name}", source))
    return samples


def depot_call(node: ast.AST) -> str | None:
    """X for a call ``depot.X(...)``."""
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and isinstance(node.func.value, ast.Name):
        return node.func.attr if node.func.value.id == "depot" else None
    return None


def annotations(target: Any) -> dict[str, str]:
    """Each keyword of ``target`` -> its annotations as text (a generated class names its types as ForwardRefs)."""
    functions = (typing.get_overloads(target.__init__) if inspect.isclass(target) else []) or [target]
    texts: dict[str, str] = {}
    for function in functions:
        for name, parameter in inspect.signature(function).parameters.items():
            texts[name] = texts.get(name, "") + str(parameter.annotation)
    return texts


def test_samples_switched_to_native_name_only_what_the_native_sdk_has() -> None:
    """The one-line switch holds: every class, argument and argument shape (``depot.X(...)`` given to an argument,
    alone or in a list) a dynamic sample uses is one the native SDK has and takes there."""
    checked = 0
    for where, source in switched_to_native():
        for node in ast.walk(ast.parse(source, filename=where)):
            if not (called := depot_call(node)) or called in DYNAMIC_ONLY:
                continue
            assert isinstance(node, ast.Call)
            assert hasattr(pulumi_depot_native, called), f"{where}: native SDK lacks depot.{called}"
            accepted = annotations(getattr(pulumi_depot_native, called))
            for keyword in node.keywords:
                assert keyword.arg in accepted, f"{where}: native depot.{called} takes no {keyword.arg}="
                value = keyword.value
                for item in value.elts if isinstance(value, ast.List | ast.Tuple) else [value]:
                    given = depot_call(item)
                    assert given is None or f"'{given}'" in accepted[keyword.arg], (
                        f"{where}: native depot.{called}({keyword.arg}=...) takes no depot.{given}"
                    )
                    checked += given is not None
    assert checked > 15, "the samples' argument shapes were not found"
