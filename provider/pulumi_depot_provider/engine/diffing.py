"""The engine's rules around a provider's diff (TEST TOOLING; pkg/resource/deploy/step_generator.go).

- ``ignore_changes``: before Check and again before comparing inputs, each ignored property path is reset to its
  old input value (processIgnoreChanges), so a change there neither reaches the provider nor shows as a diff.
- ``replace_on_changes``: a changed key matching one of the paths becomes a replace key (applyReplaceOnChanges).
  The engine matches against the diff's changed keys, which the Python dynamic provider host never reports (its
  DiffResponse has no ``diffs``): they exist only when the provider's ``diff`` left ``changes`` unset and the
  engine compared the inputs itself. So with a provider that implements ``diff``, ``replace_on_changes`` has no
  effect under the real engine, and none here.
- a diff's "changed properties" for display: the provider's ``diffs`` if it gave any, else the top-level inputs
  that differ (secrets unwrapped), as the engine's display does.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Final

from .props import strip_secrets

if TYPE_CHECKING:  # results uses changed_keys: importing it here at run time would be circular
    from .results import DiffResult

_PATH_PART: Final = re.compile(r'\.?([^.\[\]]+)|\[(\d+|"[^"]*"|\*)\]')
_MISSING: Final = object()


class PathError(ValueError):
    """A property path (``ignore_changes`` / ``replace_on_changes`` entry) that cannot be parsed."""


def parse_path(path: str) -> list[str | int]:
    """``a.b[0]["c.d"]`` -> ``["a", "b", 0, "c.d"]``; ``*`` is a wildcard segment."""
    parts: list[str | int] = []
    position = 0
    while position < len(path):
        match = _PATH_PART.match(path, position)
        if match is None or match.end() == position:
            raise PathError(f"cannot parse property path {path!r} at position {position}")
        name, index = match.groups()
        if name is not None:
            parts.append(name)
        elif index.startswith('"'):
            parts.append(index[1:-1])
        else:
            parts.append("*" if index == "*" else int(index))
        position = match.end()
    if not parts:
        raise PathError("empty property path")
    return parts


def apply_ignore_changes(
    inputs: Mapping[str, Any], old_inputs: Mapping[str, Any], paths: Sequence[str]
) -> dict[str, Any]:
    """``inputs`` with each path in ``paths`` set back to its value in ``old_inputs`` (removed if absent there).
    Paths whose parent exists on neither side are left alone, as in the engine."""
    result: dict[str, Any] = copy.deepcopy(dict(inputs))
    for path in paths:
        parts = parse_path(path)
        old_value = _get(old_inputs, parts)
        parent = _get(result, parts[:-1]) if len(parts) > 1 else result
        last = parts[-1]
        if old_value is _MISSING:
            if isinstance(parent, dict) and isinstance(last, str):
                parent.pop(last, None)
            continue
        if _settable(parent, last):
            parent[last] = copy.deepcopy(old_value)
    return result


def _get(value: Any, parts: Sequence[str | int]) -> Any:
    for part in parts:
        if not _settable(value, part) or (isinstance(value, Mapping) and part not in value):
            return _MISSING
        value = value[part]
    return value


def _settable(container: Any, part: str | int) -> bool:
    """Whether ``container[part]`` names a slot: a key of a map, or an index inside a list."""
    if isinstance(container, Mapping):
        return isinstance(part, str)
    return isinstance(container, list) and isinstance(part, int) and 0 <= part < len(container)


def changed_keys(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[str]:
    """Top-level property names whose values differ, secrets unwrapped; null and absent are equal (as in the
    engine's input comparison)."""
    bare_old, bare_new = strip_secrets(dict(old)), strip_secrets(dict(new))
    return sorted(key for key in bare_old.keys() | bare_new.keys() if bare_old.get(key) != bare_new.get(key))


def apply_replace_on_changes(diff: DiffResult, paths: Sequence[str]) -> DiffResult:
    """Turn changed keys matched by ``paths`` into replace keys. A top-level key is matched by a one-segment path
    naming it, or by ``*`` (the engine's PropertyPath.Contains on a top-level key)."""
    if diff.changes != "some" or not paths:
        return diff
    matchers = [parts[0] for parts in map(parse_path, paths) if len(parts) == 1]
    extra = [key for key in diff.diffs if any(m in ("*", key) for m in matchers) and key not in diff.replaces]
    if not extra:
        return diff
    return diff.model_copy(update={"replaces": [*diff.replaces, *extra]})
