"""Test tooling for the native provider plugin (pulumi-resource-depot) under the real `pulumi`.

Programs use the generated SDK, `import pulumi_depot_native as depot` (sdk/pulumi_depot_native: test_native_sdk.py,
test_native_plugin_discovery.py), or declare the plugin's resources by token,
`pulumi.CustomResource("depot:index:Project", name, props)`, which tests the plugin's protocol without the SDK in
between (the wire names are the schema's). Unless a test says otherwise, the engine finds the plugin as
`pulumi-resource-depot` in this interpreter's virtualenv, which the shared harness (testing/harness/pulumi_stack.py)
puts on the CLI's PATH. Local to tests/native/: the shared harness is not changed from here.
"""

from __future__ import annotations

import re
import shutil
import sys
from pathlib import Path
from typing import Any, Final

from pulumi import automation as auto
from pulumi_stack import PulumiStack

NATIVE_PREFIX: Final = "depot:index:"
PLUGIN: Final = Path(sys.executable).with_name("pulumi-resource-depot")


def plugin_missing() -> str | None:
    """None when the console script is installed, else how to install it."""
    if PLUGIN.exists() and shutil.which(PLUGIN.name, path=str(PLUGIN.parent)):
        return None
    return f"{PLUGIN} is missing: run `pip install -e .` (pyproject's [project.scripts])"


def native_ops(events: list[auto.EngineEvent]) -> dict[str, str]:
    """Logical name -> step op of the plugin's resources."""
    ops: dict[str, str] = {}
    for event in events:
        pre = event.resource_pre_event
        if pre is not None and pre.metadata.type.startswith(NATIVE_PREFIX):
            ops[pre.metadata.urn.rsplit("::", 1)[1]] = pre.metadata.op.value
    return ops


def up(stack: PulumiStack, **options: Any) -> dict[str, str]:
    events: list[auto.EngineEvent] = []
    stack.stack.up(on_output=stack.log.append, on_event=events.append, **options)
    return native_ops(events)


def preview(stack: PulumiStack, **options: Any) -> dict[str, str]:
    events: list[auto.EngineEvent] = []
    stack.stack.preview(on_output=stack.log.append, on_event=events.append, **options)
    return native_ops(events)


def native_resources(stack: PulumiStack) -> dict[str, dict[str, Any]]:
    """The state's resources of the plugin by logical name, as `pulumi stack export` writes them."""
    return {
        r["urn"].rsplit("::", 1)[1]: r
        for r in stack.export()["deployment"].get("resources", [])
        if r["type"].startswith(NATIVE_PREFIX)
    }


def providers(stack: PulumiStack) -> dict[str, dict[str, Any]]:
    """The state's depot provider resources (default and explicit) by logical name."""
    return {
        r["urn"].rsplit("::", 1)[1]: r
        for r in stack.export()["deployment"].get("resources", [])
        if r["type"] == "pulumi:providers:depot"
    }


def resource_block(text: str, type_token: str) -> list[str]:
    """The lines `preview --diff` prints for the one resource of this type: its header line and the lines indented
    deeper below it (its id, URN and property diffs)."""
    lines = text.splitlines()
    header = re.compile(r"^(\s*)[-+~]*\s*" + re.escape(type_token) + r": \(")
    starts = [(index, match) for index, line in enumerate(lines) if (match := header.match(line))]
    assert len(starts) == 1, f"{len(starts)} resources of type {type_token} in:\n{text}"
    start, match = starts[0]
    indent = len(match[1])
    block = [lines[start]]
    for line in lines[start + 1 :]:
        if len(line) - len(line.lstrip()) <= indent:
            break
        block.append(line)
    return block
