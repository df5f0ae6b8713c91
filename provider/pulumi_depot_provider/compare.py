"""How a declared input compares with the value Depot has: one rule for both front ends (the dynamic adapter's
diff and the native provider's detailed diff).

Key order and absent-vs-None never count; 50 and 50.0 (state numbers are floats) compare equal. A "partial" input
(Behaviour.depot_default: cache_policy, hardware, organization_id) is compared only where it is declared: omitted,
or a sub-field left out, it means "whatever Depot has".
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def differs(new: Any, old: Any, *, partial: bool) -> bool:
    if partial and new is None:
        return False
    if partial and isinstance(new, Mapping) and isinstance(old, Mapping):
        return any(differs(value, old.get(key), partial=True) for key, value in new.items())
    return bool(normal(new) != normal(old))


def normal(value: Any) -> Any:
    """The value with key order and None entries made irrelevant (numbers compare by value already)."""
    if isinstance(value, Mapping):
        return {key: normal(item) for key, item in value.items() if item is not None}
    if isinstance(value, list):
        return [normal(item) for item in value]
    return value


def changed_keys(new: Any, old: Any, *, partial: bool) -> list[str] | None:
    """The declared sub-fields of a partial object input that differ, or None when the input is not compared by
    sub-field (not partial, or not an object on both sides): then the input as a whole is what changed."""
    if not (partial and isinstance(new, Mapping) and isinstance(old, Mapping)):
        return None
    return [key for key, value in new.items() if differs(value, old.get(key), partial=True)]
