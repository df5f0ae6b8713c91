"""Property names on the wire (the schema's camelCase: `projectId`, `cachePolicy.keepGb`) and in the resource
code (its models' snake_case fields: `project_id`, `cache_policy.keep_gb`): the one mapping between them.

scripts/gen_schema.py names every property with `wire_name`; the native provider converts the engine's values with
`to_core` on the way in and `to_wire` on the way out, guided by the model, so that map keys which are data (a trust
policy set's `granted` keys) are left alone. `to_core` also takes the snake_case names of state and inputs written
by plugins before the rename (core_name of a snake_case name is itself), so those stacks keep working.
"""

from __future__ import annotations

import re
import types
import typing
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from pulumi.provider.experimental.property_value import PropertyValue
from pydantic import BaseModel

from pulumi_depot_provider.resources.diffs import DECLARED_INPUTS

_UPPER = re.compile(r"(?<=[a-z0-9])([A-Z])")
# State keys that are no model's field (the inputs a resource declared, kept for import and refresh).
_EXTRA = frozenset({DECLARED_INPUTS})
_LEADING_PATH = re.compile(r'^([A-Za-z_]\w*(?:\.[A-Za-z_]\w*|\[(?:[^\]"]|"(?:[^"\\]|\\.)*")*\])*): ')
_ALLOWED = re.compile(r"(; allowed here: )(\w+(?:, \w+)*)$")
_SEGMENT = re.compile(r'\[(?:[^\]"]|"(?:[^"\\]|\\.)*")*\]|[A-Za-z_][A-Za-z0-9_]*')


def wire_name(field: str) -> str:
    """`cache_policy` -> `cachePolicy`, `keep_gb` -> `keepGb`."""
    head, *rest = field.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def core_name(key: str) -> str:
    """`cachePolicy` -> `cache_policy`; a snake_case name (old state) is itself."""
    return _UPPER.sub(lambda match: "_" + match.group(1).lower(), key)


def wire_path(path: str) -> str:
    """A property path as the engine shows it: `cache_policy.keep_gb` -> `cachePolicy.keepGb`; keys in brackets
    (`granted["github:org/repo"]`) are data and stay."""
    return _SEGMENT.sub(lambda m: m.group() if m.group().startswith("[") else wire_name(m.group()), path)


def wire_reason(reason: str) -> str:
    """A check failure's reason ("cache_policy.keep_gb: must be ...", "...; allowed here: name, cache_policy") in
    the schema's names: its leading property path and its list of allowed properties."""
    reason = _LEADING_PATH.sub(lambda m: wire_path(m.group(1)) + ": ", reason, count=1)
    return _ALLOWED.sub(lambda m: m.group(1) + ", ".join(wire_name(name) for name in m.group(2).split(", ")), reason)


def to_core(model: type[BaseModel], values: Mapping[str, Any]) -> dict[str, Any]:
    """Wire (or pre-rename snake_case) values, plain or the engine's PropertyValues, as the model's fields; unknown
    keys stay as given, for check to name."""
    return _convert(model, values, core_name, lambda name: name)


def to_wire(model: type[BaseModel], values: Mapping[str, Any]) -> dict[str, Any]:
    return _convert(model, values, lambda name: name, wire_name)


def _convert(
    model: type[BaseModel], values: Mapping[str, Any], to_field: Callable[[str], str], to_key: Callable[[str], str]
) -> dict[str, Any]:
    fields = model.model_fields
    converted: dict[str, Any] = {}
    for key, value in values.items():
        name = to_field(key)
        if name in fields:
            converted[to_key(name)] = _value(fields[name].annotation, value, to_field, to_key)
        elif name in _EXTRA:
            converted[to_key(name)] = value
        else:
            converted[key] = value
    return converted


def _value(annotation: Any, value: Any, to_field: Callable[[str], str], to_key: Callable[[str], str]) -> Any:
    if isinstance(value, PropertyValue):  # the engine's value (a Construct's inputs): its secrecy and dependencies kept
        return value.with_value(_value(annotation, value.value, to_field, to_key))
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if origin is typing.Annotated:
        return _value(args[0], value, to_field, to_key)
    if origin in (typing.Union, types.UnionType):
        models = [arg for arg in args if _model(arg)] or [arg for arg in args if arg is not type(None)]
        return _value(models[0], value, to_field, to_key) if len(models) == 1 else value
    if _model(annotation) and isinstance(value, Mapping):
        return _convert(annotation, value, to_field, to_key)
    if origin is list and isinstance(value, Sequence) and not isinstance(value, str):
        return [_value(args[0], item, to_field, to_key) for item in value]
    if origin is dict and isinstance(value, Mapping):  # its keys are data
        return {key: _value(args[1], item, to_field, to_key) for key, item in value.items()}
    return value


def _model(annotation: Any) -> typing.TypeGuard[type[BaseModel]]:
    return isinstance(annotation, type) and issubclass(annotation, BaseModel)


def wire_names(names: Iterable[str]) -> list[str]:
    return [wire_path(name) for name in names]
