"""Every RPC, in both codecs, over HTTP/1.1 and h2c (prior knowledge), with raw Connect requests."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator

import pytest
from connect_rpc import ORGANIZATION_SERVICE, Rpc
from pulumi_depot_provider.proto import pb

from depot_local import cli_proto

CLI = cli_proto.SERVICE

GIB = 1024**3

TRANSPORTS = [
    pytest.param(("json", False), id="json-http1"),
    pytest.param(("json", True), id="json-h2c"),
    pytest.param(("proto", False), id="proto-http1"),
    pytest.param(("proto", True), id="proto-h2c"),
]


@pytest.fixture(params=TRANSPORTS)
def rpc(depot, request) -> Iterator[Rpc]:
    codec, http2 = request.param
    with Rpc(depot.url, depot.token, codec=codec, http2=http2) as client:
        yield client


def test_transport_is_what_the_test_says(rpc):
    response = rpc.post("ListProjects", pb.ListProjectsRequest())
    assert response.status_code == 200
    assert response.http_version == ("HTTP/2" if rpc.http2 else "HTTP/1.1")


def test_every_method(rpc, depot, request):
    before = time.time()
    created = rpc.call(
        "CreateProject",
        pb.CreateProjectRequest(
            name="app",
            region_id="eu-central-1",
            cache_policy=pb.CachePolicy(keep_gb=20, keep_days=7),
            hardware=pb.HARDWARE_8X16,
        ),
        pb.CreateProjectResponse,
    ).project
    assert re.fullmatch(r"[a-z0-9]{10}", created.project_id)
    assert (created.organization_id, created.name, created.region_id) == (depot.org_id, "app", "eu-central-1")
    assert before - 1 <= created.created_at.ToNanoseconds() / 1e9 <= time.time() + 1
    assert (created.cache_policy.keep_gb, created.cache_policy.keep_bytes) == (20, 20 * GIB)
    assert created.cache_policy.keep_days == 7
    assert created.hardware == pb.HARDWARE_8X16
    project_id = created.project_id

    got = rpc.call("GetProject", pb.GetProjectRequest(project_id=project_id), pb.GetProjectResponse)
    assert got.project == created
    listed = rpc.call("ListProjects", pb.ListProjectsRequest(), pb.ListProjectsResponse)
    assert list(listed.projects) == [created]
    assert not listed.HasField("next_page_token")

    updated = rpc.call(
        "UpdateProject", pb.UpdateProjectRequest(project_id=project_id, name="renamed"), pb.UpdateProjectResponse
    ).project
    expected = pb.Project()
    expected.CopyFrom(created)
    expected.name = "renamed"
    assert updated == expected
    assert rpc.call("ResetProject", pb.ResetProjectRequest(project_id=project_id), pb.ResetProjectResponse) == (
        pb.ResetProjectResponse()
    )

    providers = {
        "github": pb.TrustPolicy.GitHub(repository_owner="acme", repository="app"),
        "buildkite": pb.TrustPolicy.Buildkite(organization_slug="acme", pipeline_slug="deploy"),
        "circleci": pb.TrustPolicy.CircleCI(
            organization_uuid="5d6e0f4a-0000-4000-8000-000000000001",
            project_uuid="5d6e0f4a-0000-4000-8000-000000000002",
        ),
    }
    added = []
    for provider, message in providers.items():
        add = pb.AddTrustPolicyRequest(project_id=project_id, **{provider: message})
        policy = rpc.call("AddTrustPolicy", add, pb.AddTrustPolicyResponse).trust_policy
        assert policy.WhichOneof("provider") == provider
        assert getattr(policy, provider) == message
        added.append(policy)
    assert len({policy.trust_policy_id for policy in added}) == 3
    policies = rpc.call(
        "ListTrustPolicies", pb.ListTrustPoliciesRequest(project_id=project_id), pb.ListTrustPoliciesResponse
    )
    assert list(policies.trust_policies) == added
    rpc.call(
        "RemoveTrustPolicy",
        pb.RemoveTrustPolicyRequest(project_id=project_id, trust_policy_id=added[1].trust_policy_id),
        pb.RemoveTrustPolicyResponse,
    )
    policies = rpc.call(
        "ListTrustPolicies", pb.ListTrustPoliciesRequest(project_id=project_id), pb.ListTrustPoliciesResponse
    )
    assert list(policies.trust_policies) == [added[0], added[2]]

    token = rpc.call(
        "CreateToken", pb.CreateTokenRequest(project_id=project_id, description="ci"), pb.CreateTokenResponse
    )
    assert token.secret.startswith("depot_project_") and len(token.secret) > 30
    listing = rpc.post("ListTokens", pb.ListTokensRequest(project_id=project_id))
    assert token.secret.encode() not in listing.content
    tokens = rpc.call("ListTokens", pb.ListTokensRequest(project_id=project_id), pb.ListTokensResponse)
    assert [(t.token_id, t.description) for t in tokens.tokens] == [(token.token_id, "ci")]
    rpc.call(
        "UpdateToken", pb.UpdateTokenRequest(token_id=token.token_id, description="deploys"), pb.UpdateTokenResponse
    )
    tokens = rpc.call("ListTokens", pb.ListTokensRequest(project_id=project_id), pb.ListTokensResponse)
    assert [(t.token_id, t.description) for t in tokens.tokens] == [(token.token_id, "deploys")]
    rpc.call("DeleteToken", pb.DeleteTokenRequest(token_id=token.token_id), pb.DeleteTokenResponse)
    tokens = rpc.call("ListTokens", pb.ListTokensRequest(project_id=project_id), pb.ListTokensResponse)
    assert list(tokens.tokens) == []

    orgs = rpc.call(
        "ListOrganizations", pb.ListOrganizationsRequest(), pb.ListOrganizationsResponse, service=ORGANIZATION_SERVICE
    )
    assert [(org.org_id, org.name) for org in orgs.organizations] == [(depot.org_id, request.node.name[:64])]

    rpc.call("DeleteProject", pb.DeleteProjectRequest(project_id=project_id), pb.DeleteProjectResponse)
    rpc.fail("GetProject", pb.GetProjectRequest(project_id=project_id), "not_found")
    assert list(rpc.call("ListProjects", pb.ListProjectsRequest(), pb.ListProjectsResponse).projects) == []


def test_paging_fields_work_in_both_codecs(rpc):
    ids = [
        rpc.call(
            "CreateProject", pb.CreateProjectRequest(name=f"p{i}", region_id="us-east-1"), pb.CreateProjectResponse
        ).project.project_id
        for i in range(3)
    ]
    first = rpc.call("ListProjects", pb.ListProjectsRequest(page_size=2), pb.ListProjectsResponse)
    assert [p.project_id for p in first.projects] == ids[:2]
    assert first.next_page_token
    rest = rpc.call(
        "ListProjects", pb.ListProjectsRequest(page_size=2, page_token=first.next_page_token), pb.ListProjectsResponse
    )
    assert [p.project_id for p in rest.projects] == ids[2:]
    assert not rest.HasField("next_page_token")


def test_cli_projects_service(rpc, depot, request):
    """depot.cli.v1beta1.ProjectsService, which `depot projects list` calls instead of ProjectService."""
    project = rpc.call(
        "CreateProject", pb.CreateProjectRequest(name="cli", region_id="us-east-1"), pb.CreateProjectResponse
    ).project
    listed = rpc.call("ListProjects", cli_proto.ListProjectsRequest(), cli_proto.ListProjectsResponse, service=CLI)
    org_name = request.node.name[:64]
    assert [(p.id, p.name, p.org_id, p.org_name) for p in listed.projects] == [
        (project.project_id, "cli", depot.org_id, org_name)
    ]
    reset = rpc.call(
        "ResetProjectCache",
        cli_proto.ResetProjectCacheRequest(project_id=project.project_id),
        cli_proto.ResetProjectCacheResponse,
        service=CLI,
    )
    assert (reset.name, reset.org_name) == ("cli", org_name)
    rpc.fail("ResetProjectCache", cli_proto.ResetProjectCacheRequest(project_id="zzzzzzzzzz"), "not_found", service=CLI)
