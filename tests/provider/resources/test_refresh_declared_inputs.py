"""A refresh records as inputs only what the program declared (issue 8): the engine displays a dynamic resource's
diff as old inputs vs new inputs, so an undeclared input recorded by a refresh would preview as a change."""

from __future__ import annotations

from typing import Any

from dynamic_host import PROVIDER_KEY, DynamicProviderHost
from engine_steps import EngineResource
from pulumi_depot_provider.proto import pb
from pulumi_depot_provider.resources.project import ProjectProvider

PROJECT = "pulumi-python:dynamic/depot:Project"


def recorded_inputs(api: EngineResource) -> dict[str, Any]:
    """The inputs a refresh records, without the host's own `__provider`."""
    result = api.refresh()
    assert result.inputs is not None
    return {key: value for key, value in result.inputs.items() if key != PROVIDER_KEY}


def test_refresh_returns_only_declared_inputs(host: DynamicProviderHost, depot: Any) -> None:
    client = depot.client()
    api = EngineResource(host, ProjectProvider(), PROJECT, "api")
    declared = {"name": "api", "region": "us-east-1"}
    assert api.up(declared) == "create"

    client.update_project(api.id, name="renamed-by-hand")
    assert recorded_inputs(api) == {"name": "renamed-by-hand", "region": "us-east-1"}
    assert api.outputs["cache_policy"]["keep_gb"] == 50  # the outputs still hold Depot's values
    assert api.up(declared) == "update"
    assert client.get_project(api.id).name == "api"

    # Declaring a part of cache_policy later: a refresh records that part only, at Depot's current value.
    declared = {**declared, "cache_policy": {"keep_gb": 60}}
    assert api.up(declared) == "update"
    client.update_project(api.id, cache_policy=pb.CachePolicy(keep_gb=70, keep_days=3))
    assert recorded_inputs(api) == {"name": "api", "region": "us-east-1", "cache_policy": {"keep_gb": 70}}
    assert api.up(declared) == "update"
    assert client.get_project(api.id).cache_policy.keep_gb == 60
    assert recorded_inputs(api) == {"name": "api", "region": "us-east-1", "cache_policy": {"keep_gb": 60}}
    assert api.up(declared) == "same"
