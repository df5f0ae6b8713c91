"""More dynamic resources in one program than Python's recursion limit: the Pulumi SDK's serialize_provider stacks
one pickle wrapper per call, which pulumi_depot undoes (sdk/pulumi_depot/_serialization.py). Counted, not timed."""

from __future__ import annotations

import pickle
import sys
from typing import Any

import pulumi_depot as depot
from dynamic_host import run_program
from pulumi.dynamic import dynamic
from pulumi_depot_provider.resources.project import ProjectProvider

MORE_THAN_THE_RECURSION_LIMIT = sys.getrecursionlimit() + 200


def pickler_methods() -> tuple[Any, Any, Any]:
    return pickle.Pickler, pickle._Pickler.__dict__["_batch_setitems"], pickle._Pickler.__dict__["save_dict"]  # type: ignore[attr-defined]


def test_each_serialization_leaves_the_pickler_as_it_found_it() -> None:
    assert getattr(dynamic.serialize_provider, "_pulumi_depot_restores_pickler", False)
    before = pickler_methods()
    changed = 0
    for number in range(MORE_THAN_THE_RECURSION_LIMIT):
        dynamic.serialize_provider(ProjectProvider(owner=f"p/s/depot:Project//t{number}"))
        changed += pickler_methods() != before
    assert changed == 0


def test_the_serialized_provider_is_what_the_sdk_itself_writes() -> None:
    """State compatibility: the same bytes as the SDK's own first call (sorted once)."""
    provider = ProjectProvider(owner="p/s/depot:Project//api")
    ours = dynamic.serialize_provider(provider)
    before = pickler_methods()
    try:
        upstream = dynamic.serialize_provider.__wrapped__(provider)  # type: ignore[attr-defined]
    finally:
        pickle.Pickler, pickle._Pickler._batch_setitems, pickle._Pickler.save_dict = before  # type: ignore[attr-defined,misc]
    assert ours == upstream == dynamic.serialize_provider(provider)


def test_a_program_declares_more_dynamic_resources_than_the_recursion_limit() -> None:
    def program() -> None:
        for number in range(MORE_THAN_THE_RECURSION_LIMIT):
            depot.Project(f"tenant-{number:04d}", name=f"tenant-{number:04d}", region="us-east-1")

    run = run_program(program)
    projects = [r for r in run.resources if r.type == "pulumi-python:dynamic/depot:Project"]
    assert len(projects) == MORE_THAN_THE_RECURSION_LIMIT
