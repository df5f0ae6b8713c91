"""The layers, read from the source with `ast` (no import, no engine): the resource core imports no front end and
nothing from Pulumi's provider hosts, the front ends name no resource class, and the core keeps no mutable state
at module level (a Session holds it: resources/session.py)."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pulumi_depot_provider
from pulumi_depot_provider.resources.registry import RESOURCES

PACKAGE = Path(pulumi_depot_provider.__file__).parent
CORE = sorted((PACKAGE / "resources").glob("*.py"))
FRONT_ENDS = [PACKAGE / "dynamic.py", *sorted((PACKAGE / "native").glob("*.py"))]
# Modules the core imports that live beside it: they must hold no mutable module state either.
SHARED = [PACKAGE / name for name in ("config.py", "guardrail.py", "allowlist.py", "compare.py", "tokens.py")]
FORBIDDEN_IMPORTS = (
    "pulumi.dynamic",
    "pulumi.provider",
    "pulumi.output",
    "pulumi_depot_provider.dynamic",
    "pulumi_depot_provider.native",
    "pulumi_depot_provider.adapter",
)
MUTATORS = {"add", "append", "extend", "update", "setdefault", "pop", "popitem", "discard", "remove", "clear", "insert"}


def tree(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def imported(module: ast.Module) -> Iterator[str]:
    for node in ast.walk(module):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            yield node.module
            yield from (f"{node.module}.{alias.name}" for alias in node.names)


def test_the_core_imports_no_front_end_and_no_provider_host() -> None:
    found = {
        f"{path.name}: {name}"
        for path in [*CORE, *SHARED]
        for name in imported(tree(path))
        if any(name == banned or name.startswith(f"{banned}.") for banned in FORBIDDEN_IMPORTS)
    }
    assert found == set()


def test_the_front_ends_name_no_resource_class() -> None:
    classes = {entry.core.__name__ for entry in RESOURCES} | {entry.stored.rsplit(".", 1)[1] for entry in RESOURCES}
    classes |= {"GuardedTrust", "AwsTokenResource"}
    found = set()
    for path in FRONT_ENDS:
        module = tree(path)
        names = {node.id for node in ast.walk(module) if isinstance(node, ast.Name)}
        names |= {node.attr for node in ast.walk(module) if isinstance(node, ast.Attribute)}
        names |= {name.rsplit(".", 1)[-1] for name in imported(module)}
        found |= {f"{path.name}: {name}" for name in names & classes}
    assert found == set()


def module_collections(module: ast.Module) -> set[str]:
    """Names bound at module level to a dict, set or list (literal, comprehension or constructor call)."""
    kinds = (ast.Dict, ast.Set, ast.List, ast.DictComp, ast.SetComp, ast.ListComp)
    names = set()
    for node in module.body:
        targets, value = [], None
        if isinstance(node, ast.Assign):
            targets, value = node.targets, node.value
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            targets, value = [node.target], node.value
        constructed = (
            isinstance(value, ast.Call)
            and isinstance(value.func, ast.Name)
            and value.func.id in {"dict", "set", "list", "defaultdict"}
        )
        if isinstance(value, kinds) or constructed:
            names |= {target.id for target in targets if isinstance(target, ast.Name)}
    return names


def mutations(module: ast.Module, names: set[str]) -> Iterator[str]:
    for node in ast.walk(module):
        if isinstance(node, ast.Global):
            yield f"global {', '.join(node.names)}"
        elif isinstance(node, ast.Subscript) and isinstance(node.ctx, ast.Store | ast.Del):
            if isinstance(node.value, ast.Name) and node.value.id in names:
                yield f"{node.value.id}[...] ="
        elif isinstance(node, ast.AugAssign) and isinstance(node.target, ast.Name) and node.target.id in names:
            yield f"{node.target.id} op="
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in MUTATORS:
            target = node.func.value
            if isinstance(target, ast.Name) and target.id in names:
                yield f"{target.id}.{node.func.attr}()"


def test_the_core_keeps_no_mutable_state_at_module_level() -> None:
    found = set()
    for path in [*CORE, *SHARED]:
        module = tree(path)
        found |= {f"{path.name}: {change}" for change in mutations(module, module_collections(module))}
    assert found == set()


def test_the_check_sees_a_module_level_cache() -> None:
    """The check above would find what this module used to have (config._clients)."""
    source = "_clients: dict[str, int] = {}\n\ndef client_for(key: str) -> int:\n    _clients[key] = 1\n    return 1\n"
    module = ast.parse(source)
    assert list(mutations(module, module_collections(module))) == ["_clients[...] ="]
