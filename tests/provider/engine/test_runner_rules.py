"""The runner's engine rules without a provider: property paths, ignore_changes, replace_on_changes, deletion
order, and the printed summary."""

from __future__ import annotations

import pytest
from pulumi_depot_provider.engine.diffing import (
    PathError,
    apply_ignore_changes,
    apply_replace_on_changes,
    changed_keys,
    parse_path,
)
from pulumi_depot_provider.engine.props import UNKNOWN, Secret
from pulumi_depot_provider.engine.results import DiffResult
from pulumi_depot_provider.engine.state import ResourceState, StateError, deletion_order
from pulumi_depot_provider.engine.summary import Step, Summary
from pulumi_depot_provider.engine.urn import make_urn

TYPE = "pulumi-python:dynamic/sample:Record"


def test_property_paths_parse_like_the_engines() -> None:
    assert parse_path("name") == ["name"]
    assert parse_path('cachePolicy.keepGb[0]["a.b"]') == ["cachePolicy", "keepGb", 0, "a.b"]
    assert parse_path("items[*]") == ["items", "*"]
    with pytest.raises(PathError, match="cannot parse property path 'a\\[x'"):
        parse_path("a[x")
    with pytest.raises(PathError, match="empty"):
        parse_path("")


def test_ignore_changes_resets_to_old_values_and_drops_additions() -> None:
    old = {"name": "a", "policy": {"keep": 1, "size": 2}, "tags": ["x", "y"]}
    new = {"name": "b", "policy": {"keep": 5, "size": 3}, "tags": ["x", "z"], "added": True}

    ignored = apply_ignore_changes(new, old, ["name", "policy.keep", "tags[1]", "added"])

    assert ignored == {"name": "a", "policy": {"keep": 1, "size": 3}, "tags": ["x", "y"]}
    assert new["name"] == "b"  # the input is not modified
    # A path whose parent is missing on the new side is left alone, as in the engine.
    assert apply_ignore_changes({"other": 1}, old, ["policy.keep"]) == {"other": 1}


def test_changed_keys_unwrap_secrets_and_equate_null_with_absent() -> None:
    assert changed_keys({"a": Secret("x"), "b": None}, {"a": "x"}) == []
    assert changed_keys({"a": 1}, {"a": 2, "c": UNKNOWN}) == ["a", "c"]


def test_replace_on_changes_turns_matching_changed_keys_into_replaces() -> None:
    diff = DiffResult(changes="some", diffs=["note", "size"])
    assert apply_replace_on_changes(diff, ["note"]).replaces == ["note"]
    assert apply_replace_on_changes(diff, ["*"]).replaces == ["note", "size"]
    # A nested path matches only a nested (detailed) diff, which the Python host never reports.
    assert apply_replace_on_changes(diff, ["note.inner"]).replaces == []
    # Without changed keys (a provider that implements diff, via the Python host) there is nothing to match.
    assert apply_replace_on_changes(DiffResult(changes="some"), ["note"]).replaces == []
    assert apply_replace_on_changes(DiffResult(changes="none"), ["*"]).replaces == []


def entry(name: str, *, depends: tuple[str, ...] = (), parent: str = "", pending: bool = False) -> ResourceState:
    return ResourceState(
        urn=make_urn(TYPE, name),
        type=TYPE,
        custom=True,
        id=f"{name}-id",
        parent=make_urn(TYPE, parent) if parent else "",
        dependencies=[make_urn(TYPE, d) for d in depends],
        pending_delete=pending,
    )


def test_deletion_order_puts_dependents_first_and_is_stable() -> None:
    resources = [
        entry("a"),
        entry("b", depends=("a",)),
        entry("unrelated"),
        entry("c", parent="b"),
        entry("a", pending=True),  # a replacement's old half shares the URN
    ]
    order = [(r.name, r.pending_delete) for r in deletion_order(resources)]
    # c before its parent b, b before both halves of a (it depended on a's URN); ties in reverse state order.
    assert order == [("c", False), ("unrelated", False), ("b", False), ("a", True), ("a", False)]


def test_deletion_order_reports_a_cycle() -> None:
    with pytest.raises(StateError, match="cycle"):
        deletion_order([entry("a", depends=("b",)), entry("b", depends=("a",))])


def test_summary_renders_like_a_pulumi_listing() -> None:
    summary = Summary(
        operation="preview",
        project="proj",
        stack="dev",
        steps=[
            Step(op="create", urn=make_urn(TYPE, "new"), type=TYPE, name="new"),
            Step(
                op="replace",
                urn=make_urn(TYPE, "renamed"),
                type=TYPE,
                name="renamed",
                changed=["name"],
                replace_keys=["name"],
                delete_before_replace=True,
            ),
            Step(op="delete", urn=make_urn(TYPE, "kept"), type=TYPE, name="kept", retained=True),
        ],
        outputs={"token": Secret("hidden"), "id": UNKNOWN, "plain": {"a": [1, "b"]}},
    )
    text = summary.render()
    assert text.splitlines() == [
        "Previewing update (dev) of proj [engine-shaped test runner, not Pulumi]:",
        f" +  create   {TYPE}  new",
        f" +- replace  {TYPE}  renamed  [diff: name; replace: name; delete before replace]",
        f" -  delete   {TYPE}  kept  [retained: deleted from state only]",
        "Outputs:",
        "    id: [unknown]",
        '    plain: {"a": [1, "b"]}',
        "    token: [secret]",
        "Resources:",
        "    + 1 to create",
        "    +- 1 to replace",
        "    - 1 to delete",
    ]
    assert summary.counts() == {"create": 1, "replace": 1, "delete": 1}
    assert summary.changes
