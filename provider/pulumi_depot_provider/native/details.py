"""Detailed diffs: which property paths change, and how, as `preview --diff` shows them.

The engine displays each entry with the old value taken from the resource's outputs and the new one from its
checked inputs (input_diff false), so the paths name places that exist in both: `name`, `cache_policy.keep_gb`
(only the declared sub-fields of an input whose omitted parts mean "whatever Depot has"), and for a trust policy
set one entry per policy key in its `granted` map, e.g. `granted["github:evil-org/backdoor"]`: delete.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from contextlib import suppress
from typing import Any

from pulumi.provider.experimental.provider import PropertyDiff, PropertyDiffKind
from pydantic import ValidationError

from pulumi_depot_provider.adapter import ProviderCore, unknown_paths
from pulumi_depot_provider.compare import changed_keys
from pulumi_depot_provider.resources.fields import behaviour
from pulumi_depot_provider.resources.trust_policy_set import Plan, live_key

Detail = dict[str, PropertyDiff]

_KINDS = {
    (PropertyDiffKind.ADD, True): PropertyDiffKind.ADD_REPLACE,
    (PropertyDiffKind.DELETE, True): PropertyDiffKind.DELETE_REPLACE,
    (PropertyDiffKind.UPDATE, True): PropertyDiffKind.UPDATE_REPLACE,
}


def kind(new: Any, old: Any, *, replaces: bool = False) -> PropertyDiffKind:
    base = PropertyDiffKind.ADD if old is None else PropertyDiffKind.DELETE if new is None else PropertyDiffKind.UPDATE
    return _KINDS.get((base, replaces), base)


def key_path(name: str, key: str) -> str:
    """`name["key"]`: a map entry whose key may hold '.', ':' or '/' (a quote is escaped)."""
    escaped = key.replace("\\", "\\\\").replace('"', '\\"')
    return f'{name}["{escaped}"]'


def field_details(provider: ProviderCore[Any, Any, Any], olds: Mapping[str, Any], news: Mapping[str, Any]) -> Detail:
    """One entry per changed input (per changed sub-field of a partial one), by the resource's diff rules."""
    diff = provider.diff_properties(olds, news)
    new = dict(news)
    if not unknown_paths(new):
        with suppress(ValidationError):  # if invalid, check has reported it: compare what was given, as diff does
            new = provider.args_model.model_validate(new).declared()
    detail: Detail = {}
    for name in diff.changed:
        partial = behaviour(provider.args_model.model_fields[name]).depot_default
        value, before, replaces = new.get(name), olds.get(name), name in diff.replaced
        keys = None if unknown_paths(value) else changed_keys(value, before, partial=partial)
        if keys and isinstance(value, Mapping) and isinstance(before, Mapping):  # keys imply both are objects
            for key in keys:
                detail[f"{name}.{key}"] = PropertyDiff(kind(value[key], before.get(key), replaces=replaces), False)
        else:
            detail[name] = PropertyDiff(kind(value, before, replaces=replaces), False)
    return detail


def policy_set_details(
    replaces: Iterable[str], steps: Plan | None, olds: Mapping[str, Any], news: Mapping[str, Any]
) -> Detail:
    """One entry per policy key that the set gains (add) or loses (delete), from the reconciliation with Depot's
    live policies and from what the state recorded; a key kept but held twice in Depot is an update."""
    if steps is None:
        return {name: PropertyDiff(PropertyDiffKind.UPDATE_REPLACE, False) for name in replaces} or {
            "policies": PropertyDiff(PropertyDiffKind.UPDATE, False)
        }
    recorded, declared = set(olds.get("granted") or {}), set(news.get("granted") or {})
    lost = {live_key(policy) for policy in steps.removed} | (recorded - declared)
    gained = {entry.key() for entry in steps.added} | (declared - recorded)
    detail: Detail = {}
    for key in sorted(lost | gained):
        change = (
            PropertyDiffKind.ADD
            if key in gained
            else PropertyDiffKind.UPDATE
            if key in declared
            else PropertyDiffKind.DELETE
        )
        detail[key_path("granted", key)] = PropertyDiff(change, False)
    return detail


def without_ignored(detail: Detail, ignored: Iterable[str]) -> Detail:
    """The entries outside the paths the program's ignore_changes names."""
    prefixes = tuple(ignored)
    return {
        path: entry
        for path, entry in detail.items()
        if not any(path == p or path.startswith((f"{p}.", f"{p}[")) for p in prefixes)
    }
