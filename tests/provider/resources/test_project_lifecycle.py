"""depot:Project through the real dynamic provider host against the local Depot API: the whole lifecycle."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from dynamic_host import DynamicProviderHost, HostError
from engine_steps import EngineResource, assert_one_line_error
from pulumi_depot_provider.client import NotFound
from pulumi_depot_provider.proto import pb
from pulumi_depot_provider.resources.project import ProjectProvider

PROJECT = "pulumi-python:dynamic/depot:Project"
GIB = 1024**3


def project(host: DynamicProviderHost, name: str = "api") -> EngineResource:
    return EngineResource(host, ProjectProvider(), PROJECT, name)


def calls(depot: Any, method: str) -> int:
    return int(depot.server.stats().get(method, {}).get("calls", 0))


def test_create_noop_updates_replacement_refresh_recreate_delete(host: DynamicProviderHost, depot: Any) -> None:
    client = depot.client()
    api = project(host)
    inputs: dict[str, Any] = {"name": "api", "region": "us-east-1", "cache_policy": {"keep_gb": 60, "keep_days": 7}}

    assert api.up(inputs) == "create"
    live = client.get_project(api.id)
    assert (live.name, live.region_id, live.cache_policy.keep_gb, live.cache_policy.keep_days) == (
        "api",
        "us-east-1",
        60,
        7,
    )
    assert api.outputs["organization_id"] == depot.org_id
    assert api.outputs["created_at"] == live.created_at.ToJsonString()
    assert api.outputs["cache_policy"] == {"keep_gb": 60, "keep_days": 7, "keep_bytes": 60 * GIB}
    assert api.outputs["hardware"] == "HARDWARE_UNSPECIFIED"

    assert api.diff(inputs).changes == "none"
    assert api.up(inputs) == "same"

    first_id = api.id
    in_place: list[tuple[dict[str, Any], Any]] = [
        ({"name": "api-renamed"}, lambda p: p.name == "api-renamed"),
        ({"region": "eu-central-1"}, lambda p: p.region_id == "eu-central-1"),
        ({"cache_policy": {"keep_gb": 80, "keep_days": 7}}, lambda p: p.cache_policy.keep_gb == 80),
        ({"hardware": "HARDWARE_32X64"}, lambda p: p.hardware == pb.Hardware.Value("HARDWARE_32X64")),
    ]
    for change, holds in in_place:
        inputs = {**inputs, **change}
        diff = api.diff(inputs)
        assert (diff.changes, diff.replaces) == ("some", []), change
        assert api.up(inputs) == "update"
        assert api.id == first_id
        assert holds(client.get_project(api.id)), change
        assert api.diff(inputs).changes == "none", f"perpetual diff after {change}"

    # organization_id replaces; Depot refuses another organization's id, and the project is left as it was.
    other_org = {**inputs, "organization_id": "someotherorg"}
    diff = api.diff(other_org)
    assert (diff.changes, diff.replaces) == ("some", ["organization_id"])
    with pytest.raises(HostError) as failure:
        api.up(other_org)
    assert_one_line_error(failure.value, depot.token, "depot:Project 'api-renamed'", "CreateProject", "not_found")
    assert client.get_project(first_id).name == "api-renamed"
    assert api.diff({**inputs, "organization_id": depot.org_id}).changes == "none"

    # Out-of-band change: refresh shows it (outputs and inputs), the next up puts the declared values back.
    client.update_project(api.id, name="renamed-by-hand", cache_policy=pb.CachePolicy(keep_gb=99, keep_days=7))
    refreshed = api.refresh()
    assert refreshed.id == first_id
    assert refreshed.outs["name"] == "renamed-by-hand" and refreshed.outs["cache_policy"]["keep_gb"] == 99
    assert refreshed.inputs is not None and refreshed.inputs["name"] == "renamed-by-hand"
    diff = api.diff(inputs)
    assert (diff.changes, diff.replaces) == ("some", [])
    assert api.up(inputs) == "update"
    live = client.get_project(api.id)
    assert (live.name, live.cache_policy.keep_gb) == ("api-renamed", 80)

    # Out-of-band deletion: refresh says gone, the next up creates it again.
    client.delete_project(first_id)
    assert api.refresh().id == ""
    assert api.up(inputs) == "create"
    assert api.id != first_id and client.get_project(api.id).name == "api-renamed"

    last_id, last_outputs = api.id, dict(api.outputs)
    api.destroy()
    assert [p.project_id for p in client.list_projects()] == []
    host.delete(api.urn, last_id, last_outputs)  # deleting what is already gone succeeds


def test_cache_reset_trigger_resets_and_changes_nothing_else(host: DynamicProviderHost, depot: Any) -> None:
    api = project(host)
    inputs = {"name": "api", "region": "us-east-1", "cache_reset_trigger": "2024-01"}
    api.up(inputs)
    resets, updates = calls(depot, "ResetProject"), calls(depot, "UpdateProject")
    assert api.up(inputs) == "same"

    inputs["cache_reset_trigger"] = "2024-02"
    diff = api.diff(inputs)
    assert (diff.changes, diff.replaces) == ("some", [])
    assert api.up(inputs) == "update"
    assert calls(depot, "ResetProject") == resets + 1
    assert calls(depot, "UpdateProject") == updates
    assert api.outputs["cache_reset_trigger"] == "2024-02"
    assert api.up(inputs) == "same"
    assert calls(depot, "ResetProject") == resets + 1


def test_no_perpetual_diffs_from_defaults_units_or_key_order(host: DynamicProviderHost, depot: Any) -> None:
    api = project(host)
    api.up({"name": "api", "region": "us-east-1"})
    assert api.outputs["cache_policy"] == {"keep_gb": 50, "keep_days": 14, "keep_bytes": 50 * GIB}

    same = [
        {"name": "api", "region": "us-east-1"},
        {"region": "us-east-1", "name": "api"},
        {"name": "api", "region": "us-east-1", "cache_policy": {"keep_days": 14}},
        {"name": "api", "region": "us-east-1", "cache_policy": {"keep_bytes": 50 * GIB}},
        {"name": "api", "region": "us-east-1", "cache_policy": {"keep_days": 14, "keep_gb": 50}},
        {"name": "api", "region": "us-east-1", "hardware": "HARDWARE_UNSPECIFIED"},
        {"name": "api", "region": "us-east-1", "organization_id": depot.org_id},
    ]
    for inputs in same:
        assert api.diff(inputs).changes == "none", inputs
    api.refresh()
    for inputs in same:
        assert api.diff(inputs).changes == "none", f"after refresh: {inputs}"
    assert api.diff({"name": "api", "region": "us-east-1", "cache_policy": {"keep_bytes": 51 * GIB}}).changes == "some"


def test_partial_cache_policy_keeps_the_undeclared_field(host: DynamicProviderHost, depot: Any) -> None:
    client = depot.client()
    api = project(host)
    api.up({"name": "api", "region": "us-east-1", "cache_policy": {"keep_gb": 20}})
    assert client.get_project(api.id).cache_policy.keep_days == 14  # Depot's default for what was left out
    client.update_project(api.id, cache_policy=pb.CachePolicy(keep_gb=20, keep_days=3))
    api.refresh()
    assert api.up({"name": "api", "region": "us-east-1", "cache_policy": {"keep_gb": 30}}) == "update"
    live = client.get_project(api.id).cache_policy
    assert (live.keep_gb, live.keep_days) == (30, 3)


def test_import_adopts_the_project_and_applies_declared_differences(
    host: DynamicProviderHost, depot: Any, start_host: Callable[..., DynamicProviderHost]
) -> None:
    client = depot.client()
    legacy = client.create_project("legacy", "us-east-1")
    count = len(client.list_projects())
    adopted = project(host, "legacy")
    inputs = {
        "name": "legacy-app",
        "region": "us-east-1",
        "cache_policy": {"keep_gb": 70},
        "import_id": legacy.project_id,
    }

    assert adopted.up(inputs) == "create"
    assert adopted.id == legacy.project_id
    assert len(client.list_projects()) == count
    assert adopted.outputs["import_changes"] == ["name: 'legacy' -> 'legacy-app'", "cache_policy.keep_gb: 50 -> 70"]
    live = client.get_project(legacy.project_id)
    assert (live.name, live.cache_policy.keep_gb, live.cache_policy.keep_days) == ("legacy-app", 70, 14)
    assert "adopted project" in host.output()
    # Every `pulumi up` runs its own provider host: what this one adopted, a later deployment may delete.
    adopted.host = start_host(depot)

    # From now on it is managed: no changes, and in-place updates work with import_id still declared.
    assert adopted.up(inputs) == "same"
    assert adopted.check(inputs).inputs["import_id"] == legacy.project_id  # kept: a replacement re-checks anyway
    assert adopted.up({**inputs, "name": "legacy-2"}) == "update"
    assert client.get_project(legacy.project_id).name == "legacy-2"

    # A replacement while import_id is declared would adopt the project again and delete it: refused.
    moved = {**inputs, "name": "legacy-2", "organization_id": "otherorg"}
    with pytest.raises(HostError) as refused:
        adopted.up(moved)
    assert_one_line_error(
        refused.value,
        depot.token,
        f"depot:Project 'legacy-2' (id {legacy.project_id}): replace refused: organization_id changed",
        f"import_id {legacy.project_id!r} is still declared",
        "remove import_id — it only matters at creation — then run up again",
    )
    assert client.get_project(legacy.project_id).name == "legacy-2"
    without_import = {key: value for key, value in inputs.items() if key != "import_id"}
    assert adopted.up({**without_import, "name": "legacy-2"}) == "same"  # removing import_id alone changes nothing

    outputs = dict(adopted.outputs)
    adopted.destroy()
    with pytest.raises(NotFound):
        client.get_project(legacy.project_id)
    host.delete(adopted.urn, legacy.project_id, outputs)


def test_import_of_a_missing_project_fails_with_the_fix(host: DynamicProviderHost, depot: Any) -> None:
    adopted = project(host, "legacy")
    with pytest.raises(HostError) as failure:
        adopted.up({"name": "legacy", "region": "us-east-1", "import_id": "nosuchproj"})
    assert_one_line_error(
        failure.value, depot.token, "depot:Project 'legacy'", "import_id 'nosuchproj'", "remove import_id"
    )
    assert depot.client().list_projects() == []


def test_update_of_a_project_deleted_by_hand_names_resource_operation_and_code(
    host: DynamicProviderHost, depot: Any
) -> None:
    api = project(host)
    api.up({"name": "api", "region": "us-east-1"})
    depot.client().delete_project(api.id)
    with pytest.raises(HostError) as failure:
        api.up({"name": "api-2", "region": "us-east-1"})
    assert_one_line_error(
        failure.value, depot.token, f"depot:Project 'api' (id {api.id}): update failed (UpdateProject): not_found"
    )
