"""Every create and delete path under commit-then-unavailable, one Depot method at a time (issue 8).

The local Depot API commits the next call of a method and then answers `unavailable`: idempotent methods are
retried by the client (a retried delete answers not_found), non-idempotent ones go through the exactly-once
mechanism (a listing, which commits nothing, is made plainly unavailable). One fault is within every retry
budget, so each case must succeed and leave Depot with exactly one object after a
create (none after a delete), never a duplicate or an orphan.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from dynamic_host import DynamicProviderHost
from engine_steps import EngineResource
from pulumi_depot_provider.client import DepotClient
from pulumi_depot_provider.client.errors import Unavailable
from pulumi_depot_provider.proto import pb
from pulumi_depot_provider.resources.exactly_once import create_exactly_once
from pulumi_depot_provider.resources.project import ProjectProvider
from pulumi_depot_provider.resources.project_token import ProjectTokenProvider
from pulumi_depot_provider.resources.trust_policy import TrustPolicyProvider
from pulumi_depot_provider.resources.trust_policy_set import TrustPolicySetProvider

PROJECT = "pulumi-python:dynamic/depot:Project"
TRUST_POLICY = "pulumi-python:dynamic/depot:TrustPolicy"
TRUST_POLICY_SET = "pulumi-python:dynamic/depot:TrustPolicySet"
PROJECT_TOKEN = "pulumi-python:dynamic/depot:ProjectToken"
GITHUB = {"repository_owner": "acme", "repository": "api"}
DEPLOY = {"repository_owner": "acme", "repository": "deploy"}


@pytest.fixture
def server(start_depot_server: Callable[..., Any]) -> Any:
    return start_depot_server()


@pytest.fixture
def host(server: Any, start_host: Callable[..., DynamicProviderHost]) -> DynamicProviderHost:
    return start_host(server)


def injected(server: Any) -> int:
    """How many faults the server injected (a case whose fault never fired tests nothing)."""
    return sum(sum(method["injected"].values()) for method in server.stats().values())


def faults(*methods: str) -> dict[str, dict[str, int]]:
    """commit-then-unavailable on each writing method; a listing commits nothing, so it is plainly unavailable."""
    reads = {method: 1 for method in methods if method.startswith("List")}
    writes = {method: 1 for method in methods if not method.startswith("List")}
    return {"commit_then_unavailable_next": writes, "unavailable_next": reads}


def projects(client: DepotClient, name: str) -> list[str]:
    return [p.project_id for p in client.list_projects() if p.name == name]


# -- creates ------------------------------------------------------------------------------------------------------

CREATE_FAULTS = {
    "project": [("ListProjects",), ("CreateProject",), ("CreateProject", "DeleteProject")],
    "token": [("ListTokens",), ("CreateToken",), ("CreateToken", "DeleteToken")],
    "trust_policy": [("ListTrustPolicies",), ("AddTrustPolicy",), ("AddTrustPolicy", "RemoveTrustPolicy")],
    "trust_policy_set": [("ListTrustPolicies",), ("AddTrustPolicy",), ("AddTrustPolicy", "RemoveTrustPolicy")],
}
CREATE_CASES = [
    pytest.param(kind, methods, id=f"{kind}-{'+'.join(methods)}")
    for kind, cases in CREATE_FAULTS.items()
    for methods in cases
]


@pytest.mark.parametrize(("kind", "methods"), CREATE_CASES)
def test_create_under_fault_leaves_exactly_one(
    server: Any, host: DynamicProviderHost, kind: str, methods: tuple[str, ...]
) -> None:
    client = server.client()
    project_id = client.create_project("owner", "us-east-1").project_id
    server.reset_stats()
    server.set_faults(**faults(*methods))

    if kind == "project":
        resource = EngineResource(host, ProjectProvider(), PROJECT, "api")
        inputs: dict[str, Any] = {"name": "api", "region": "us-east-1"}
    elif kind == "token":
        resource = EngineResource(host, ProjectTokenProvider(), PROJECT_TOKEN, "ci", secret_outputs=["secret"])
        inputs = {"project_id": project_id, "description": "CI builds"}
    elif kind == "trust_policy":
        resource = EngineResource(host, TrustPolicyProvider(), TRUST_POLICY, "gh")
        inputs = {"project_id": project_id, "github": GITHUB}
    else:
        resource = EngineResource(host, TrustPolicySetProvider(), TRUST_POLICY_SET, "trust")
        inputs = {"project_id": project_id, "policies": [{"github": GITHUB}]}

    # One fault is within every retry budget: the create succeeds (failing cleanly is not enough here).
    assert resource.up(inputs) == "create"
    assert injected(server) >= 1, f"no fault fired for {methods}"
    server.set_faults()

    if kind == "project":
        live = projects(client, "api")
    elif kind == "token":
        live = [t.token_id for t in client.list_tokens(project_id)]
    else:
        live = [p.trust_policy_id for p in client.list_trust_policies(project_id)]
    assert len(live) == 1, f"{kind} after {methods}: {live}"
    if kind != "trust_policy_set":
        assert live == [resource.id]
    else:
        assert list(resource.outputs["policy_ids"].values()) == live
    if kind == "token":
        with DepotClient(base_url=server.url, token=resource.outputs["secret"].value) as builds:
            assert builds.get_project(project_id).project_id == project_id


def test_token_create_survives_its_own_cleanup_being_retried(server: Any, host: DynamicProviderHost) -> None:
    """The repro of issue 8: CreateToken commits then answers unavailable; the DeleteToken of the token whose
    secret was lost commits then answers unavailable too, and its retry answers not_found: that is done."""
    client = server.client()
    project_id = client.create_project("api", "us-east-1").project_id
    server.set_faults(commit_then_unavailable_next={"CreateToken": 1, "DeleteToken": 1})

    ci = EngineResource(host, ProjectTokenProvider(), PROJECT_TOKEN, "ci", secret_outputs=["secret"])
    assert ci.up({"project_id": project_id, "description": "CI builds"}) == "create"
    assert [t.token_id for t in client.list_tokens(project_id)] == [ci.id]
    assert server.stats()["DeleteToken"]["injected"] == {"commit_then_unavailable": 1}


def test_duplicate_cleanup_treats_not_found_as_done(server: Any) -> None:
    """Several attempts that all committed leave extra copies, which are removed; a removal whose retry answers
    not_found (its first attempt committed) is done, not a failure."""
    client = server.client()
    made: list[pb.Project] = []

    def create() -> pb.Project:  # two committed creates, then an ambiguous answer
        made.extend(client.create_project("api", "us-east-1") for _ in range(2))
        raise Unavailable("injected", method="CreateProject", ambiguous=True)

    server.set_faults(commit_then_unavailable_next={"DeleteProject": 1})
    ours = create_exactly_once(
        create,
        appeared=lambda: list(made),
        remove=lambda project: client.delete_project(project.project_id),
        name_of=lambda project: f"project {project.project_id}",
        label="depot:Project 'api'",
    )
    assert projects(client, "api") == [ours.project_id] == [made[0].project_id]


# -- deletes ------------------------------------------------------------------------------------------------------

DELETE_CASES = [
    pytest.param("project", "DeleteProject", id="project-DeleteProject"),
    pytest.param("token", "DeleteToken", id="token-DeleteToken"),
    pytest.param("trust_policy", "RemoveTrustPolicy", id="trust_policy-RemoveTrustPolicy"),
    pytest.param("trust_policy_set", "RemoveTrustPolicy", id="trust_policy_set-RemoveTrustPolicy"),
]


@pytest.mark.parametrize(("kind", "method"), DELETE_CASES)
def test_delete_under_fault_leaves_none(server: Any, host: DynamicProviderHost, kind: str, method: str) -> None:
    client = server.client()
    project_id = client.create_project("owner", "us-east-1").project_id
    if kind == "project":
        resource = EngineResource(host, ProjectProvider(), PROJECT, "api")
        resource.up({"name": "api", "region": "us-east-1"})
    elif kind == "token":
        resource = EngineResource(host, ProjectTokenProvider(), PROJECT_TOKEN, "ci", secret_outputs=["secret"])
        resource.up({"project_id": project_id, "description": "CI builds"})
    elif kind == "trust_policy":
        resource = EngineResource(host, TrustPolicyProvider(), TRUST_POLICY, "gh")
        resource.up({"project_id": project_id, "github": GITHUB})
    else:
        resource = EngineResource(host, TrustPolicySetProvider(), TRUST_POLICY_SET, "trust")
        resource.up({"project_id": project_id, "policies": [{"github": GITHUB}, {"github": DEPLOY}]})
    server.reset_stats()
    server.set_faults(commit_then_unavailable_next={method: 1})

    resource.destroy()
    assert injected(server) == 1
    server.set_faults()
    if kind == "project":
        assert projects(client, "api") == []
    elif kind == "token":
        assert list(client.list_tokens(project_id)) == []
    else:
        assert list(client.list_trust_policies(project_id)) == []


def test_trust_policy_set_removal_under_fault(server: Any, host: DynamicProviderHost) -> None:
    """An update that removes a policy from the set: RemoveTrustPolicy commits then answers unavailable."""
    client = server.client()
    project_id = client.create_project("owner", "us-east-1").project_id
    trust = EngineResource(host, TrustPolicySetProvider(), TRUST_POLICY_SET, "trust")
    trust.up({"project_id": project_id, "policies": [{"github": GITHUB}, {"github": DEPLOY}]})
    server.reset_stats()
    server.set_faults(commit_then_unavailable_next={"RemoveTrustPolicy": 1})

    assert trust.up({"project_id": project_id, "policies": [{"github": GITHUB}]}) == "update"
    assert injected(server) == 1
    server.set_faults()
    live = client.list_trust_policies(project_id)
    assert [(p.github.repository_owner, p.github.repository) for p in live] == [("acme", "api")]
    assert list(trust.outputs["policy_ids"].values()) == [live[0].trust_policy_id]
