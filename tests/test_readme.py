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
