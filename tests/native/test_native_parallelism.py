"""The native plugin runs as many Depot calls at once as the engine's --parallel asks (the dynamic provider host
stops at 4): ten projects' CreateProject calls are all in flight together, held by a barrier in front of
depot-local until the tenth arrives."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from barrier_proxy import BarrierProxy
from native_stack import up
from pulumi_stack import PulumiStack, write_program

COUNT = 10
PROGRAM = """
import pulumi

for index in range(int(pulumi.Config().require("count"))):
    pulumi.CustomResource("depot:index:Project", f"p{index}", {"name": f"p{index}", "region": "us-east-1"})
"""


def test_ten_creates_in_flight_at_once(depot: Any, tmp_path: Path, pulumi_stack: Callable[..., PulumiStack]) -> None:
    with BarrierProxy(depot.url, "CreateProject", parties=COUNT) as proxy:
        stack = pulumi_stack(
            write_program(tmp_path / "program", PROGRAM), SimpleNamespace(url=proxy.url, token=depot.token)
        )
        stack.set_config("count", str(COUNT))
        assert up(stack, parallel=COUNT) == {f"p{index}": "create" for index in range(COUNT)}
        assert not proxy.broken, f"at most {proxy.most_in_flight} CreateProject calls were in flight at once"
        assert proxy.most_in_flight == COUNT
    assert sorted(p.name for p in depot.client().list_projects()) == sorted(f"p{index}" for index in range(COUNT))
