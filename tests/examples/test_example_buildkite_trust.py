"""examples/buildkite-trust through a full cycle under the real `pulumi`."""

from __future__ import annotations

import example_cycles
from conftest import MakeExampleStack
from example_cycles import Org


def test_buildkite_trust_full_cycle(example_stack: MakeExampleStack, depot: Org) -> None:
    example_cycles.buildkite_trust(example_stack("buildkite-trust"), depot)
