"""Checks of SDK arguments shared by the tenants file and the components: control characters and plain types.

A problem is one line naming the argument; a value shown in it is always ``repr``-escaped, never echoed raw (a
terminal would interpret an ESC sequence or a bidi override).
"""

from __future__ import annotations

import inspect
import unicodedata
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import pulumi

__all__ = ["control_character", "control_problems", "is_computed", "kind", "text_problem"]

BIDI_CONTROLS = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
"""Bidirectional formatting characters: they reorder what a reader sees (Trojan Source)."""


def control_character(text: str) -> str | None:
    """The first control character of ``text`` (C0/C1 controls such as NUL and ESC, DEL, bidi overrides), or None."""
    for character in text:
        if character in BIDI_CONTROLS or unicodedata.category(character) == "Cc":
            return character
    return None


def text_problem(value: str) -> str | None:
    """Why ``value`` may not be a name, description, slug or id because of its characters, or None."""
    character = control_character(value)
    if character is None:
        return None
    return f"has the control character {character!r} (U+{ord(character):04X}) in {value!r}; remove it"


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
