"""Detailed diffs as the engine takes them: the core's per-path view (resources/diffs.py) as PropertyDiffs.

The engine displays each entry with the old value taken from the resource's outputs and the new one from its
checked inputs (input_diff false), so the paths name places that exist in both: `name`, `cache_policy.keep_gb`
(only the declared sub-fields of an input whose omitted parts mean "whatever Depot has"), and for a trust policy
set one entry per policy key in its `granted` map, e.g. `granted["github:evil-org/backdoor"]`: delete.
"""

from __future__ import annotations

from collections.abc import Iterable

from pulumi.provider.experimental.provider import PropertyDiff, PropertyDiffKind

from pulumi_depot_provider.resources.diffs import Detail, DetailKind

_KINDS = {
    DetailKind.ADD: PropertyDiffKind.ADD,
    DetailKind.ADD_REPLACE: PropertyDiffKind.ADD_REPLACE,
    DetailKind.DELETE: PropertyDiffKind.DELETE,
    DetailKind.DELETE_REPLACE: PropertyDiffKind.DELETE_REPLACE,
    DetailKind.UPDATE: PropertyDiffKind.UPDATE,
    DetailKind.UPDATE_REPLACE: PropertyDiffKind.UPDATE_REPLACE,
}


def property_diffs(detail: Detail) -> dict[str, PropertyDiff]:
    return {path: PropertyDiff(_KINDS[change], False) for path, change in detail.items()}


def without_ignored(detail: dict[str, PropertyDiff], ignored: Iterable[str]) -> dict[str, PropertyDiff]:
    """The entries outside the paths the program's ignore_changes names."""
    prefixes = tuple(ignored)
    return {
        path: entry
        for path, entry in detail.items()
        if not any(path == p or path.startswith((f"{p}.", f"{p}[")) for p in prefixes)
    }
