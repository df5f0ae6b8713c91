"""No duplicates and no orphans after an ambiguous create: the local Depot API commits CreateProject /
AddTrustPolicy / CreateToken and then answers `unavailable` (deterministically, for the next N calls). And what the
creates cost: a tenant's project, token and trust policy are its three creates and nothing else when the host
created the project (client/ledger.py), with the same guarantees on such a project."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from dynamic_host import DynamicProviderHost, HostError
from engine_steps import EngineResource
from pulumi_depot_provider.client import DepotClient
from pulumi_depot_provider.proto import pb
from pulumi_depot_provider.resources.project import ProjectProvider
from pulumi_depot_provider.resources.project_token import ProjectTokenProvider
from pulumi_depot_provider.resources.trust_policy import TrustPolicyProvider
from pulumi_depot_provider.resources.trust_policy_set import TrustPolicySetProvider

PROJECT = "pulumi-python:dynamic/depot:Project"
TRUST_POLICY = "pulumi-python:dynamic/depot:TrustPolicy"
TRUST_POLICY_SET = "pulumi-python:dynamic/depot:TrustPolicySet"
PROJECT_TOKEN = "pulumi-python:dynamic/depot:ProjectToken"
GITHUB = {"repository_owner": "acme", "repository": "api"}


@pytest.fixture
def server(start_depot_server: Callable[..., Any]) -> Any:
    return start_depot_server()


@pytest.fixture
def host(server: Any, start_host: Callable[..., DynamicProviderHost]) -> DynamicProviderHost:
    return start_host(server)


def method_stats(server: Any, method: str) -> dict[str, Any]:
    return server.stats().get(method, {"calls": 0, "injected": {}})  # type: ignore[no-any-return]


def named(client: DepotClient, name: str) -> list[str]:
    return [p.project_id for p in client.list_projects() if p.name == name]


@pytest.mark.parametrize(
    ("faults", "create_calls"),
    [
        ({"commit_then_unavailable_next": {"CreateProject": 1}}, 1),
        ({"unavailable_next": {"CreateProject": 1}}, 2),
        ({"unavailable_next": {"CreateProject": 1}, "commit_then_unavailable_next": {"CreateProject": 1}}, 2),
    ],
    ids=["committed", "not-committed", "retry-committed"],
)
def test_project_exactly_one(server: Any, host: DynamicProviderHost, faults: dict[str, Any], create_calls: int) -> None:
    client = server.client()
    existing = client.create_project("api", "eu-central-1").project_id  # same name in another region: not ours
    server.reset_stats()
    server.set_faults(**faults)

    api = EngineResource(host, ProjectProvider(), PROJECT, "api")
    assert api.up({"name": "api", "region": "us-east-1"}) == "create"

    assert sorted(named(client, "api")) == sorted([existing, api.id])
    assert api.id != existing
    assert method_stats(server, "CreateProject")["calls"] == create_calls
    assert sum(method_stats(server, "CreateProject")["injected"].values()) == sum(
        sum(counts.values()) for counts in faults.values()
    )
    if "commit_then_unavailable_next" in faults:
        assert "had created project" in host.output()


def test_project_name_taken_is_refused_not_duplicated(server: Any, host: DynamicProviderHost) -> None:
    client = server.client()
    existing = client.create_project("api", "us-east-1").project_id
    server.reset_stats()

    api = EngineResource(host, ProjectProvider(), PROJECT, "api")
    with pytest.raises(HostError) as refused:
        api.up({"name": "api", "region": "us-east-1"})

    assert f"project {existing} is already named 'api' in us-east-1" in refused.value.details
    assert f"import_id={existing!r}" in refused.value.details
    assert named(client, "api") == [existing]
    assert method_stats(server, "CreateProject")["calls"] == 0


def test_trust_policy_exactly_one(server: Any, host: DynamicProviderHost) -> None:
    client = server.client()
    project_id = client.create_project("api", "us-east-1").project_id
    web = pb.TrustPolicy.GitHub(repository_owner="acme", repository="web")
    other = client.add_trust_policy(project_id, github=web).trust_policy_id
    server.reset_stats()
    server.set_faults(commit_then_unavailable_next={"AddTrustPolicy": 1})

    gh = EngineResource(host, TrustPolicyProvider(), TRUST_POLICY, "gh")
    assert gh.up({"project_id": project_id, "github": GITHUB}) == "create"

    ids = [p.trust_policy_id for p in client.list_trust_policies(project_id)]
    assert sorted(ids) == sorted([other, gh.id])
    assert method_stats(server, "AddTrustPolicy")["calls"] == 1


def test_identical_trust_policy_is_refused_not_duplicated(server: Any, host: DynamicProviderHost) -> None:
    """An orphan policy keeps granting build access: an identical one the stack does not hold is named, not
    silently doubled (which would leave it behind when the resource is removed)."""
    client = server.client()
    project_id = client.create_project("api", "us-east-1").project_id
    identical = client.add_trust_policy(project_id, github=pb.TrustPolicy.GitHub(**GITHUB)).trust_policy_id

    gh = EngineResource(host, TrustPolicyProvider(), TRUST_POLICY, "gh")
    with pytest.raises(HostError) as refused:
        gh.up({"project_id": project_id, "github": GITHUB})

    assert f"trust policy {identical} is already github acme/api in project {project_id}" in refused.value.details
    assert f"import_id={identical!r}" in refused.value.details
    assert [p.trust_policy_id for p in client.list_trust_policies(project_id)] == [identical]


def test_trust_policy_retried_when_nothing_was_added(server: Any, host: DynamicProviderHost) -> None:
    client = server.client()
    project_id = client.create_project("api", "us-east-1").project_id
    server.reset_stats()
    server.set_faults(unavailable_next={"AddTrustPolicy": 1})

    gh = EngineResource(host, TrustPolicyProvider(), TRUST_POLICY, "gh")
    assert gh.up({"project_id": project_id, "github": GITHUB}) == "create"
    assert [p.trust_policy_id for p in client.list_trust_policies(project_id)] == [gh.id]
    assert method_stats(server, "AddTrustPolicy")["calls"] == 2


def test_token_lost_secret_is_deleted_and_created_again(server: Any, host: DynamicProviderHost) -> None:
    client = server.client()
    project_id = client.create_project("api", "us-east-1").project_id
    unrelated = client.create_token(project_id, "CI builds").token_id  # same description, made before: kept
    server.reset_stats()
    server.set_faults(commit_then_unavailable_next={"CreateToken": 1})

    ci = EngineResource(host, ProjectTokenProvider(), PROJECT_TOKEN, "ci", secret_outputs=["secret"])
    assert ci.up({"project_id": project_id, "description": "CI builds"}) == "create"

    assert sorted(t.token_id for t in client.list_tokens(project_id)) == sorted([unrelated, ci.id])
    assert (method_stats(server, "CreateToken")["calls"], method_stats(server, "DeleteToken")["calls"]) == (2, 1)
    with DepotClient(base_url=server.url, token=ci.outputs["secret"].value) as builds:
        assert builds.get_project(project_id).project_id == project_id
    assert "whose secret was lost" in host.output()


def calls(server: Any) -> dict[str, int]:
    return {method: stats["calls"] for method, stats in server.stats().items() if stats["calls"]}


def tenant(host: DynamicProviderHost, number: int) -> tuple[EngineResource, EngineResource, EngineResource]:
    name = f"tenant-{number}"
    project = EngineResource(host, ProjectProvider(), PROJECT, name)
    assert project.up({"name": name, "region": "us-east-1"}) == "create"
    token = EngineResource(host, ProjectTokenProvider(), PROJECT_TOKEN, f"{name}-ci", secret_outputs=["secret"])
    assert token.up({"project_id": project.id, "description": "CI builds"}) == "create"
    policy = EngineResource(host, TrustPolicyProvider(), TRUST_POLICY, f"{name}-gh")
    assert policy.up({"project_id": project.id, "github": {**GITHUB, "repository": name}}) == "create"
    return project, token, policy


def test_a_tenant_costs_its_three_creates(server: Any, host: DynamicProviderHost) -> None:
    tenant(host, 0)  # the first create of a process lists the organization once (the name guard's index)
    server.reset_stats()
    for number in range(1, 6):
        tenant(host, number)
    assert calls(server) == {"CreateProject": 5, "CreateToken": 5, "AddTrustPolicy": 5}


def test_a_trust_set_costs_its_adds_on_a_project_the_host_created_and_one_listing_on_another(
    server: Any, host: DynamicProviderHost
) -> None:
    """A TenantProject's trust set: AddTrustPolicy per policy and nothing else (the ledger knows the new project
    holds nothing; the state comes from what it added, not from a second listing)."""
    tenant(host, 0)  # the name guard's one listing
    project = EngineResource(host, ProjectProvider(), PROJECT, "set-api")
    assert project.up({"name": "set-api", "region": "us-east-1"}) == "create"
    declared = [{"github": GITHUB}, {"github": {**GITHUB, "repository": "web"}}]
    for project_id, expected in (
        (project.id, {"AddTrustPolicy": 2}),
        (
            server.client().create_project("legacy", "us-east-1").project_id,
            {"ListTrustPolicies": 1, "AddTrustPolicy": 2},
        ),
    ):
        server.reset_stats()
        trust = EngineResource(host, TrustPolicySetProvider(), TRUST_POLICY_SET, f"trust-{project_id}")
        assert trust.up({"project_id": project_id, "policies": declared}) == "create"
        assert calls(server) == expected
        live = {p.trust_policy_id: p.github.repository for p in server.client().list_trust_policies(project_id)}
        assert (
            {live[policy_id] for policy_id in trust.outputs["policy_ids"].values()}
            == {"api", "web"}
            == set(live.values())
        )


def test_a_project_the_host_did_not_create_is_listed_first(server: Any, host: DynamicProviderHost) -> None:
    project_id = server.client().create_project("legacy", "us-east-1").project_id
    server.reset_stats()
    token = EngineResource(host, ProjectTokenProvider(), PROJECT_TOKEN, "legacy-ci", secret_outputs=["secret"])
    assert token.up({"project_id": project_id, "description": "CI builds"}) == "create"
    policy = EngineResource(host, TrustPolicyProvider(), TRUST_POLICY, "legacy-gh")
    assert policy.up({"project_id": project_id, "github": GITHUB}) == "create"
    assert calls(server) == {"ListTokens": 1, "CreateToken": 1, "ListTrustPolicies": 1, "AddTrustPolicy": 1}


def test_exactly_once_on_a_project_the_host_created(server: Any, host: DynamicProviderHost) -> None:
    """CreateToken and AddTrustPolicy commit, then answer unavailable, on a project the host created: the token
    whose secret was lost is deleted and made again, the policy is kept, and nothing is doubled."""
    project = EngineResource(host, ProjectProvider(), PROJECT, "api")
    assert project.up({"name": "api", "region": "us-east-1"}) == "create"
    server.set_faults(commit_then_unavailable_next={"CreateToken": 1, "AddTrustPolicy": 1})

    token = EngineResource(host, ProjectTokenProvider(), PROJECT_TOKEN, "ci", secret_outputs=["secret"])
    assert token.up({"project_id": project.id, "description": "CI builds"}) == "create"
    policy = EngineResource(host, TrustPolicyProvider(), TRUST_POLICY, "gh")
    assert policy.up({"project_id": project.id, "github": GITHUB}) == "create"

    client = server.client()
    assert [t.token_id for t in client.list_tokens(project.id)] == [token.id]
    assert [p.trust_policy_id for p in client.list_trust_policies(project.id)] == [policy.id]
    assert calls(server)["DeleteToken"] == 1
    # Once it failed, the ledger no longer answers for the project: a second policy lists it first.
    server.reset_stats()
    web = EngineResource(host, TrustPolicyProvider(), TRUST_POLICY, "web")
    assert web.up({"project_id": project.id, "github": {**GITHUB, "repository": "web"}}) == "create"
    assert calls(server) == {"ListTrustPolicies": 1, "AddTrustPolicy": 1}
