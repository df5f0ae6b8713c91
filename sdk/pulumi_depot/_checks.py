"""Checks of SDK arguments shared by the tenants file, the components and the resources: control characters, plain
types, and strings Pulumi cannot send.

A problem is one line naming the argument; a value shown in it is always ``repr``-escaped, never echoed raw (a
terminal would interpret an ESC sequence or a bidi override). The character rule is the provider's
(``pulumi_depot_provider.resources.fields.FORBIDDEN_CATEGORIES``), so the SDK refuses exactly what the provider's
check would, with the same reason, only earlier.
"""

from __future__ import annotations

import inspect
import typing
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import pulumi
from pulumi._types import input_type_to_dict, is_input_type
from pulumi_depot_provider.resources.fields import (
    bare_annotation,
    character_problem,
    escaped,
    forbidden_character,
    format_problem,
    printable,
)
from pulumi_depot_provider.resources.trust_policy_set import TrustPolicyEntry
from pydantic import BaseModel

__all__ = [
    "control_character",
    "control_problems",
    "is_computed",
    "kind",
    "plain_tree",
    "refuse_unsendable",
    "shape_problems",
    "text_problem",
    "trust_name_problems",
    "unsendable_problems",
]


def control_character(text: str) -> str | None:
    """The first character of ``text`` the provider refuses (C0/C1 controls such as NUL and ESC, DEL, bidi
    overrides and other invisible format characters, line separators), or None."""
    found = forbidden_character(text)
    return None if found is None else found[1]


def text_problem(value: str) -> str | None:
    """Why ``value`` may not be a name, description, slug or id because of its characters, or None: the provider's
    reason, which names the character (escaped) and its position but not the value (it could be a secret)."""
    return character_problem(value)


def control_problems(value: Any, path: str, skip: frozenset[str] = frozenset()) -> Iterator[str]:
    """``path: problem`` for every string (or mapping key) with a control character in a plain value tree. Keys
    named in ``skip`` are not descended into (their own rule reports them)."""
    if isinstance(value, str):
        problem = text_problem(value)
        if problem:
            yield f"{path}: {problem}" if path else problem
    elif isinstance(value, Mapping):
        for key, item in value.items():
            label = str(key) if isinstance(key, str) and control_character(key) is None else repr(key)
            inner = f"{path}.{label}" if path else label
            if isinstance(key, str) and control_character(key) is not None:
                yield f"{inner}: the key {text_problem(key)}"
                continue
            if key in skip:
                continue
            yield from control_problems(item, inner, skip)
    elif isinstance(value, Sequence) and not isinstance(value, bytes | bytearray):
        for index, item in enumerate(value):
            yield from control_problems(item, f"{path}[{index}]", skip)


def trust_name_problems(entry: Any, path: str) -> Iterator[str]:
    """``path.kind.field: reason`` for every name of a trust entry (a plain tree such as ``{"github":
    {"repository_owner": ..., "repository": ...}}``) that is not in its CI service's form: the provider's `Format`
    of that field (resources/trust_names.py). A name with a refused character is left to the character rule."""
    if not isinstance(entry, Mapping):
        return
    for kind_name, fields in entry.items():
        declared = TrustPolicyEntry.model_fields.get(kind_name) if isinstance(kind_name, str) else None
        model = bare_annotation(declared.annotation) if declared else None
        if not (isinstance(model, type) and issubclass(model, BaseModel) and isinstance(fields, Mapping)):
            continue
        for name, value in fields.items():
            field = model.model_fields.get(name) if isinstance(name, str) else None
            if field is None or not isinstance(value, str) or not value.strip() or character_problem(value):
                continue
            if problem := format_problem(field, value):
                yield f"{path}.{kind_name}.{name}: {problem}"


def is_computed(value: Any) -> bool:
    """An Output or awaitable: its value is not known while the program runs, so it cannot be checked here."""
    return isinstance(value, pulumi.Output) or inspect.isawaitable(value)


def plain_tree(value: Any) -> Any:
    """Input types as mappings, down to the plain values (Outputs left as they are: they cannot be checked)."""
    if is_input_type(type(value)):
        return {key: plain_tree(item) for key, item in input_type_to_dict(value).items()}
    if isinstance(value, Mapping):
        return {key: plain_tree(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [plain_tree(item) for item in value]
    return value


def kind(value: Any) -> str:
    """How a wrong value is named in a message: its type, and the value itself when it is short and plain."""
    if isinstance(value, bool | int | float) or value is None:
        return f"{type(value).__name__} {value!r}"
    return f"a {type(value).__name__}"


def _surrogate(text: str) -> str | None:
    for index, character in enumerate(text):
        if 0xD800 <= ord(character) <= 0xDFFF:
            return (
                f"has the lone surrogate {escaped(character)} (U+{ord(character):04X}) at position {index + 1}; "
                "remove it (a surrogate is half of a UTF-16 pair, not text: Pulumi cannot send it)"
            )
    return None


def unsendable_problems(value: Any, path: str) -> Iterator[str]:
    """``path: problem`` for every string (or mapping key) holding a lone surrogate in a value tree of plain
    values and input types (Outputs are left out: they are checked when known). Pulumi's serialization would
    fail on it with a UnicodeEncodeError, far from the argument that holds it."""
    if isinstance(value, str):
        if problem := _surrogate(value):
            yield f"{path}: {problem}"
    elif is_input_type(type(value)):
        yield from unsendable_problems(input_type_to_dict(value), path)
    elif isinstance(value, Mapping):
        for key, item in value.items():
            inner = f"{path}.{printable(str(key), 100)}"
            if isinstance(key, str) and (problem := _surrogate(key)):
                yield f"{inner}: the key {problem}"
                continue
            yield from unsendable_problems(item, inner)
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            yield from unsendable_problems(item, f"{path}[{index}]")


_SCALARS = (str, bool, int, float)


def _plain(value: Any) -> dict[str, Any] | None:
    """An input type or mapping as a dict, else None."""
    if is_input_type(type(value)):
        return input_type_to_dict(value)
    return dict(value) if isinstance(value, Mapping) else None


def _any_problems(value: Any, path: str) -> Iterator[str]:
    """A value of an input that takes anything (cache_reset_trigger, rotation_trigger): JSON-like values only."""
    if value is None or is_computed(value) or isinstance(value, _SCALARS):
        return
    plain = _plain(value)
    if plain is not None:
        for key, item in plain.items():
            if not isinstance(key, str):
                yield f"{path}: the key {printable(repr(key), 40)} is {kind(key)}; mapping keys must be strings"
            else:
                yield from _any_problems(item, f"{path}.{printable(key, 100)}")
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            yield from _any_problems(item, f"{path}[{index}]")
    else:
        yield f"{path}: {kind(value)} cannot be sent; use a string, number, bool, list or mapping"


def shape_problems(annotation: Any, value: Any, path: str) -> Iterator[str]:
    """``path: problem`` where ``value`` has a shape Pulumi's serialization fails on for an input declared as
    ``annotation`` (a field of the resource's pydantic inputs): a list, mapping, set or bytes where a string or
    number goes, a list where an object goes, a set or an object anywhere. Other wrong values (a number for a
    string, a string for an object) are sent, and the provider's check names them."""
    if value is None or is_computed(value):
        return
    bare = bare_annotation(annotation)
    origin = typing.get_origin(bare)
    if bare in (str, int, float, bool) or origin is typing.Literal:
        if not isinstance(value, _SCALARS):
            word = "a string" if bare is str or origin is typing.Literal else "a number"
            yield f"{path}: must be {word}, not {kind(value)}"
    elif isinstance(bare, type) and issubclass(bare, BaseModel):
        plain = _plain(value)
        if plain is None and not isinstance(value, _SCALARS):
            yield f"{path}: must be a mapping of {', '.join(bare.model_fields)} (or its Args type), not {kind(value)}"
        for key, item in (plain or {}).items():
            if not isinstance(key, str):
                yield f"{path}: the key {printable(repr(key), 40)} is {kind(key)}; mapping keys must be strings"
            elif key in bare.model_fields:
                yield from shape_problems(bare.model_fields[key].annotation, item, f"{path}.{key}")
    elif origin is list:
        if isinstance(value, list | tuple):
            (item_type,) = typing.get_args(bare)
            for index, item in enumerate(value):
                yield from shape_problems(item_type, item, f"{path}[{index}]")
        elif not isinstance(value, _SCALARS):
            yield f"{path}: must be a list, not {kind(value)}"
    elif origin is dict:
        plain = _plain(value)
        if plain is None and not isinstance(value, _SCALARS):
            yield f"{path}: must be a mapping, not {kind(value)}"
        _, value_type = typing.get_args(bare)
        for key, item in (plain or {}).items():
            if not isinstance(key, str):
                yield f"{path}: the key {printable(repr(key), 40)} is {kind(key)}; mapping keys must be strings"
            else:
                yield from shape_problems(value_type, item, f"{path}.{printable(key, 100)}")
    else:
        yield from _any_problems(value, path)


def refuse_unsendable(
    type_token: str, resource_name: Any, props: Mapping[str, Any], model: type[BaseModel] | None = None
) -> None:
    """Raises the SDK's error (a pulumi.RunError: no traceback) naming every argument of the resource that Pulumi
    could not send (a lone surrogate; with ``model``, the resource's inputs, a value of the wrong shape), before
    the resource is registered."""
    problems = (
        [f"resource_name: {problem}"]
        if isinstance(resource_name, str) and (problem := _surrogate(resource_name))
        else []
    )
    for key, value in props.items():
        problems += unsendable_problems(value, key)
        if model is not None and key in model.model_fields:
            problems += shape_problems(model.model_fields[key].annotation, value, key)
    if problems:
        from pulumi_depot.tenants_file import TenantsFileError  # imports this module

        raise TenantsFileError(f"{type_token} {printable(repr(resource_name), 100)}", problems)
