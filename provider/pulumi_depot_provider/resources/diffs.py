"""Diffs in the core's own types: which declared inputs changed (PropertyDiff), the whole answer to the engine's
Diff (Diff) with its detailed per-path view, and the declared part of the live object that a read records."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from pulumi_depot_provider.compare import changed_keys
from pulumi_depot_provider.compare import differs as _differs
from pulumi_depot_provider.resources.fields import InputModel, OnChange, behaviour
from pulumi_depot_provider.resources.values import unknown_paths

IMPORT_ID = "import_id"
# An output recording which inputs the program declared, as paths ("name", "cache_policy.keep_gb"). The dynamic
# provider host calls read(id, props) with the previous OUTPUTS only (the state's inputs are not passed), and the
# outputs of a Project hold Depot's effective cache_policy, hardware and organization_id whether or not they were
# declared. Read returns as inputs only the recorded paths, taken from the live object: the engine displays a
# dynamic resource's diff as old inputs vs new inputs, so inputs the program never declared would show as changes.
DECLARED_INPUTS = "declared_inputs"


class DetailKind(Enum):
    """How one property path changes, as the engine's detailed diff says it."""

    ADD = "add"
    ADD_REPLACE = "add_replace"
    DELETE = "delete"
    DELETE_REPLACE = "delete_replace"
    UPDATE = "update"
    UPDATE_REPLACE = "update_replace"


Detail = dict[str, DetailKind]


@dataclass(frozen=True)
class PropertyDiff:
    """Which declared inputs differ from Depot's state, and which of those force a replacement."""

    changed: tuple[str, ...] = ()
    replaced: tuple[str, ...] = ()

    def __contains__(self, name: str) -> bool:
        return name in self.changed

    def result(self, detail: Detail | None = None) -> Diff:
        # Replacement creates the new object before deleting the old one: a duplicate trust policy or token is
        # harmless for a moment, and a rotated token keeps working until its successor exists.
        return Diff(changes=bool(self.changed), replaces=list(self.replaced), detail=detail)


@dataclass(frozen=True)
class Diff:
    """The answer to the engine's Diff. `detail`: the per-path view (None unless asked for)."""

    changes: bool
    replaces: list[str] = field(default_factory=list)
    delete_before_replace: bool = False
    detail: Detail | None = None


def diff_inputs(model: type[InputModel], olds: Mapping[str, Any], news: Mapping[str, Any]) -> PropertyDiff:
    """Compare declared inputs (`news`, checked) with the previous outputs (`olds`), field by field."""
    changed: list[str] = []
    replaced: list[str] = []
    for name, info in model.model_fields.items():
        rule = behaviour(info)
        if rule.on_change is OnChange.IGNORE:
            continue
        new, old = news.get(name), olds.get(name)
        if unknown_paths(new) or _differs(new, old, partial=rule.depot_default):
            changed.append(name)
            if rule.on_change is OnChange.REPLACE:
                replaced.append(name)
    return PropertyDiff(tuple(changed), tuple(replaced))


_REPLACING = {
    DetailKind.ADD: DetailKind.ADD_REPLACE,
    DetailKind.DELETE: DetailKind.DELETE_REPLACE,
    DetailKind.UPDATE: DetailKind.UPDATE_REPLACE,
}


def kind(new: Any, old: Any, *, replaces: bool = False) -> DetailKind:
    base = DetailKind.ADD if old is None else DetailKind.DELETE if new is None else DetailKind.UPDATE
    return _REPLACING[base] if replaces else base


def field_details(
    model: type[InputModel], diff: PropertyDiff, olds: Mapping[str, Any], new: Mapping[str, Any]
) -> Detail:
    """One entry per changed input (per changed sub-field of a partial one), by the resource's diff rules. `new`:
    the declared inputs as the diff compared them."""
    detail: Detail = {}
    for name in diff.changed:
        partial = behaviour(model.model_fields[name]).depot_default if name in model.model_fields else False
        value, before, replaces = new.get(name), olds.get(name), name in diff.replaced
        keys = None if unknown_paths(value) else changed_keys(value, before, partial=partial)
        if keys and isinstance(value, Mapping) and isinstance(before, Mapping):  # keys imply both are objects
            for key in keys:
                detail[f"{name}.{key}"] = kind(value[key], before.get(key), replaces=replaces)
        else:
            detail[name] = kind(value, before, replaces=replaces)
    return detail


def key_path(name: str, key: str) -> str:
    """`name["key"]`: a map entry whose key may hold '.', ':' or '/' (a quote is escaped)."""
    escaped = key.replace("\\", "\\\\").replace('"', '\\"')
    return f'{name}["{escaped}"]'


def declared_paths(model: type[InputModel], declared: Mapping[str, Any]) -> list[str]:
    """The declared inputs as paths: a top-level name, or "field.sub" for each declared sub-field of an object
    whose undeclared sub-fields mean "whatever Depot has" (depot_default), like cache_policy."""
    paths: list[str] = []
    for name, value in declared.items():
        info = model.model_fields.get(name)
        if info is not None and behaviour(info).depot_default and isinstance(value, Mapping) and value:
            paths.extend(f"{name}.{sub}" for sub in value)
        else:
            paths.append(name)
    return sorted(paths)


def declared_part(outputs: Mapping[str, Any], paths: list[str]) -> dict[str, Any]:
    """The outputs' values at the declared paths (what a refresh records as the inputs)."""
    inputs: dict[str, Any] = {}
    for path in paths:
        name, _, sub = path.partition(".")
        value = outputs.get(name)
        if value is None:
            continue
        if not sub:
            inputs[name] = value
        elif isinstance(value, Mapping) and sub in value:
            inputs.setdefault(name, {})[sub] = value[sub]
    return inputs
