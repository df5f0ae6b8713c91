"""The calls a tenant's creation makes through the real provider host: a project, its token and a trust policy cost
the three creates and nothing else when the host created the project (client/ledger.py), and the exactly-once
guarantees still hold on such a project after an ambiguous failure."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from dynamic_host import DynamicProviderHost
from engine_steps import EngineResource
from pulumi_depot_provider.resources.project import ProjectProvider
from pulumi_depot_provider.resources.project_token import ProjectTokenProvider
from pulumi_depot_provider.resources.trust_policy import TrustPolicyProvider

PROJECT = "pulumi-python:dynamic/depot:Project"
TRUST_POLICY = "pulumi-python:dynamic/depot:TrustPolicy"
PROJECT_TOKEN = "pulumi-python:dynamic/depot:ProjectToken"
GITHUB = {"repository_owner": "acme", "repository": "api"}


@pytest.fixture
def server(start_depot_server: Callable[..., Any]) -> Any:
    return start_depot_server()


@pytest.fixture
def host(server: Any, start_host: Callable[..., DynamicProviderHost]) -> DynamicProviderHost:
    return start_host(server)


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
