"""Fault injection, deterministic (counted) and by seeded rates, from flags and the admin API."""

from __future__ import annotations

import httpx
import pytest
from connect_rpc import Rpc, error_message
from google.protobuf.message import Message
from pulumi_depot_provider.proto import pb


def create_request(name: str = "app") -> pb.CreateProjectRequest:
    return pb.CreateProjectRequest(name=name, region_id="us-east-1")


def project_names(rpc: Rpc) -> list[str]:
    return [p.name for p in rpc.call("ListProjects", pb.ListProjectsRequest(), pb.ListProjectsResponse).projects]


def test_unavailable_next_fails_before_doing_anything(start_depot_server):
    server = start_depot_server()
    server.set_faults(unavailable_next={"CreateProject": 2})
    with Rpc(server.url, server.token) as rpc:
        for _ in range(2):
            assert "nothing was done" in rpc.fail("CreateProject", create_request(), "unavailable")
        assert project_names(rpc) == []
        rpc.call("CreateProject", create_request(), pb.CreateProjectResponse)
        assert project_names(rpc) == ["app"]
    assert server.faults()["unavailable_next"] == {"CreateProject": 0}
    stats = server.stats()["CreateProject"]
    assert stats == {"calls": 3, "results": {"unavailable": 2, "ok": 1}, "injected": {"unavailable": 2}}


def count_created(rpc: Rpc, method: str, project_id: str) -> int:
    """How many objects of the kind `method` creates exist (projects, or the project's policies or tokens)."""
    if method == "CreateProject":
        return len(rpc.call("ListProjects", pb.ListProjectsRequest(), pb.ListProjectsResponse).projects)
    if method == "AddTrustPolicy":
        listing = pb.ListTrustPoliciesRequest(project_id=project_id)
        return len(rpc.call("ListTrustPolicies", listing, pb.ListTrustPoliciesResponse).trust_policies)
    return len(rpc.call("ListTokens", pb.ListTokensRequest(project_id=project_id), pb.ListTokensResponse).tokens)


def creation(method: str, project_id: str) -> tuple[Message, type[Message]]:
    github = pb.TrustPolicy.GitHub(repository_owner="o", repository="r")
    return {
        "CreateProject": (create_request("second"), pb.CreateProjectResponse),
        "AddTrustPolicy": (pb.AddTrustPolicyRequest(project_id=project_id, github=github), pb.AddTrustPolicyResponse),
        "CreateToken": (pb.CreateTokenRequest(project_id=project_id, description="d"), pb.CreateTokenResponse),
    }[method]


@pytest.mark.parametrize("method", ["CreateProject", "AddTrustPolicy", "CreateToken"])
def test_commit_then_unavailable_leaves_the_object_created(start_depot_server, method):
    server = start_depot_server()
    with Rpc(server.url, server.token) as rpc:
        project_id = rpc.call("CreateProject", create_request("first"), pb.CreateProjectResponse).project.project_id
        before = count_created(rpc, method, project_id)
        request, response_type = creation(method, project_id)
        server.set_faults(commit_then_unavailable_next={method: 1})
        assert "committed" in rpc.fail(method, request, "unavailable")
        assert count_created(rpc, method, project_id) == before + 1
        rpc.call(method, request, response_type)  # the count is used up: the next call succeeds
        assert count_created(rpc, method, project_id) == before + 2
    assert server.stats()[method]["injected"] == {"commit_then_unavailable": 1}


def test_failed_calls_do_not_use_up_commit_then_unavailable(start_depot_server):
    server = start_depot_server()
    server.set_faults(commit_then_unavailable_next={"CreateProject": 1})
    with Rpc(server.url, server.token) as rpc:
        rpc.fail("CreateProject", pb.CreateProjectRequest(name="", region_id="us-east-1"), "invalid_argument")
        rpc.fail("CreateProject", create_request(), "unavailable")
        assert project_names(rpc) == ["app"]


def test_any_method_counter(start_depot_server):
    server = start_depot_server()
    server.set_faults(unavailable_next={"*": 2})
    with Rpc(server.url, server.token) as rpc:
        rpc.fail("ListProjects", pb.ListProjectsRequest(), "unavailable")
        rpc.fail("GetProject", pb.GetProjectRequest(project_id="x"), "unavailable")
        rpc.fail("GetProject", pb.GetProjectRequest(project_id="x"), "not_found")


def test_rates_from_flags_apply_only_to_the_named_methods(start_depot_server):
    server = start_depot_server(unavailable_rate=1.0, fault_methods=["CreateProject", "GetProject"], seed=3)
    assert server.faults()["methods"] == ["CreateProject", "GetProject"]
    with Rpc(server.url, server.token) as rpc:
        for _ in range(3):
            rpc.fail("CreateProject", create_request(), "unavailable")
        assert project_names(rpc) == []


def test_commit_then_unavailable_rate_spares_reads(start_depot_server):
    server = start_depot_server(commit_then_unavailable_rate=1.0)
    with Rpc(server.url, server.token) as rpc:
        rpc.fail("CreateProject", create_request(), "unavailable")
        rpc.fail("CreateProject", create_request(), "unavailable")
        assert project_names(rpc) == ["app", "app"]


def test_seeded_rates_are_reproducible(start_depot_server):
    server = start_depot_server()

    def outcomes() -> list[int]:
        server.set_faults(unavailable_rate=0.5, seed=1234)  # replacing the settings reseeds
        with Rpc(server.url, server.token) as rpc:
            return [rpc.post("ListProjects", {}).status_code for _ in range(24)]

    first = outcomes()
    assert first == outcomes()
    assert set(first) == {200, 503}  # seed 1234 draws both outcomes within 24 calls


def test_latency_flag_delays_calls_past_a_client_deadline(start_depot_server):
    server = start_depot_server(latency_ms=3000)
    with Rpc(server.url, server.token) as rpc:
        response = rpc.post("ListProjects", {}, headers={"connect-timeout-ms": "100"})
    error_message(response, "deadline_exceeded")
    assert server.faults()["latency_ms"] == 3000


def test_clearing_faults(start_depot_server):
    server = start_depot_server(unavailable_rate=1.0)
    cleared = server.set_faults()
    assert cleared["unavailable_rate"] == 0.0
    with Rpc(server.url, server.token) as rpc:
        assert rpc.post("ListProjects", {}).status_code == 200


@pytest.mark.parametrize(
    ("settings", "words"),
    [
        ({"unavailable_rate": 1.5}, "unavailable_rate"),
        ({"latency_ms": -1}, "latency_ms"),
        ({"methods": ["Frobnicate"]}, "'Frobnicate' is not a method"),
        ({"unavailable_next": {"Nope": 1}}, "'Nope' is not a method"),
        ({"commit_then_unavailable_next": {"GetProject": 1}}, "'GetProject' is not a mutating method"),
        ({"unavailable_next": {"CreateProject": -1}}, "unavailable_next.CreateProject"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_invalid_fault_settings_are_rejected(depot, settings, words):
    with httpx.Client(trust_env=False) as http:
        response = http.put(f"{depot.admin_url}/faults", json=settings)
        assert response.status_code == 400
        assert words in response.json()["error"]
        assert http.get(f"{depot.admin_url}/faults").json()["unavailable_rate"] == 0.0
