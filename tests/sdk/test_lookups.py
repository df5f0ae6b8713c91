"""depot.get_project / depot.list_projects against the local Depot API, configured from the stack or the
environment."""

from __future__ import annotations

from typing import Any

import pulumi
import pulumi_depot as depot
import pytest
from dynamic_host import run_program
from pulumi_depot_provider.proto import pb


@pytest.fixture
def org(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Any:
    """An organization on the local Depot API, reachable through DEPOT_TOKEN / DEPOT_API_URL."""
    found = request.getfixturevalue("depot")
    monkeypatch.setenv("DEPOT_TOKEN", found.token)
    monkeypatch.setenv("DEPOT_API_URL", found.url)
    return found


def test_get_project_by_id_and_by_name(org: Any) -> None:
    client = org.client()
    policy, hardware = pb.CachePolicy(keep_gb=70, keep_days=3), pb.Hardware.Value("HARDWARE_8X16")
    created = client.create_project("api", "eu-central-1", cache_policy=policy, hardware=hardware)
    client.create_project("web", "us-east-1")

    by_id = depot.get_project(id=created.project_id)
    assert by_id == depot.get_project(name="api")
    assert (by_id.id, by_id.name, by_id.region, by_id.organization_id) == (
        created.project_id,
        "api",
        "eu-central-1",
        org.org_id,
    )
    assert (by_id.cache_policy.keep_gb, by_id.cache_policy.keep_days, by_id.hardware) == (70, 3, "HARDWARE_8X16")
    assert by_id.created_at == created.created_at.ToJsonString()


def test_list_projects_all_and_by_region(org: Any) -> None:
    client = org.client()
    ids = {client.create_project("a", "us-east-1").project_id, client.create_project("b", "eu-central-1").project_id}
    assert {p.id for p in depot.list_projects()} == ids
    assert [p.name for p in depot.list_projects(region="eu-central-1")] == ["b"]


def test_ambiguous_missing_and_wrong_arguments_are_clear_errors(org: Any) -> None:
    client = org.client()
    first = client.create_project("api", "us-east-1").project_id
    second = client.create_project("api", "eu-central-1").project_id
    with pytest.raises(depot.DepotLookupError) as ambiguous:
        depot.get_project(name="api")
    assert "2 Depot projects are named 'api'" in str(ambiguous.value)
    assert first in str(ambiguous.value) and second in str(ambiguous.value)
    # Pulumi prints a RunError as its message alone, where any other exception gets a Python traceback.
    assert isinstance(ambiguous.value, pulumi.RunError)
    with pytest.raises(depot.DepotLookupError, match="no Depot project is named 'nope'"):
        depot.get_project(name="nope")
    with pytest.raises(depot.DepotLookupError, match="no Depot project with id 'nosuchproj'"):
        depot.get_project(id="nosuchproj")
    with pytest.raises(depot.DepotLookupError, match="exactly one of id or name, not both"):
        depot.get_project(id=first, name="api")
    with pytest.raises(depot.DepotLookupError, match=r"get_project: give exactly one of id or name \(neither"):
        depot.get_project()


def test_missing_token_says_how_to_set_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DEPOT_TOKEN", raising=False)
    with pytest.raises(depot.DepotLookupError, match="pulumi config set --secret depot:token"):
        depot.list_projects()


def test_lookups_read_the_stack_config_in_a_program(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> None:
    found = request.getfixturevalue("depot")
    monkeypatch.setenv("DEPOT_TOKEN", "depot_org_wrong_environment_token")
    created = found.client().create_project("api", "us-east-1")

    def program() -> None:
        pulumi.export("project_id", depot.get_project(name="api").id)
        pulumi.export("count", len(depot.list_projects()))

    run = run_program(
        program,
        config={"depot:token": found.token, "depot:apiUrl": found.url},
        secret_keys=["depot:token"],
    )
    assert run.outputs == {"project_id": created.project_id, "count": 1}
