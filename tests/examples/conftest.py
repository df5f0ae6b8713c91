"""Fixtures for the examples' tests: a fresh copy of an example, deployed under the real `pulumi`."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from example_cycles import Org
from example_harness import copy_example, native_twin
from pulumi_stack import PulumiStack

MakeExampleStack = Callable[[str], PulumiStack]
"""The ``example_stack`` fixture: example directory name -> a stack of a fresh copy of it."""


@pytest.fixture
def example_stack(depot: Org, tmp_path: Path, pulumi_stack: Callable[..., PulumiStack]) -> MakeExampleStack:
    """``example_stack("quickstart")``: a copy of examples/quickstart in tmp_path as stack ``dev``, configured for
    the test's organization on the local Depot API."""

    def make(example: str) -> PulumiStack:
        return pulumi_stack(copy_example(example, tmp_path / "programs"), depot)

    return make


@pytest.fixture
def native_example_stack(depot: Org, tmp_path: Path, pulumi_stack: Callable[..., PulumiStack]) -> MakeExampleStack:
    """``native_example_stack("quickstart")``: the example's native twin (example_harness.native_twin) as stack
    ``dev``; the engine finds the plugin pulumi-resource-depot on PATH, in the test virtualenv."""

    def make(example: str) -> PulumiStack:
        return pulumi_stack(native_twin(example, tmp_path / "programs"), depot)

    return make
