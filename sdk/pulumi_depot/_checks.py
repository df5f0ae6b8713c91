"""Checks of SDK arguments shared by the tenants file and the components: control characters and plain types.

A problem is one line naming the argument; a value shown in it is always ``repr``-escaped, never echoed raw (a
terminal would interpret an ESC sequence or a bidi override). The character rule is the provider's
(``pulumi_depot_provider.resources.fields.FORBIDDEN_CATEGORIES``), so the SDK refuses exactly what the provider's
check would, with the same reason, only earlier.
"""

from __future__ import annotations

import inspect
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import pulumi
from pulumi_depot_provider.resources.fields import character_problem, forbidden_character

__all__ = ["control_character", "control_problems", "is_computed", "kind", "text_problem"]


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


def is_computed(value: Any) -> bool:
    """An Output or awaitable: its value is not known while the program runs, so it cannot be checked here."""
    return isinstance(value, pulumi.Output) or inspect.isawaitable(value)


def kind(value: Any) -> str:
    """How a wrong value is named in a message: its type, and the value itself when it is short and plain."""
    if isinstance(value, bool | int | float) or value is None:
        return f"{type(value).__name__} {value!r}"
    return f"a {type(value).__name__}"
