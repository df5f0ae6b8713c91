"""Every error path: auth, isolation between organizations, project-token scope, not_found, invalid_argument
per field, and malformed requests. Connect error bodies with the right HTTP status throughout."""

from __future__ import annotations

import base64
from collections.abc import Iterator

import pytest
from connect_rpc import ORGANIZATION_SERVICE, Rpc, error_message
from pulumi_depot_provider.proto import pb

MISSING = "zzzzzzzzzz"
GITHUB = pb.TrustPolicy.GitHub(repository_owner="o", repository="r")


@pytest.fixture
def rpc(depot) -> Iterator[Rpc]:
    with Rpc(depot.url, depot.token) as client:
        yield client


@pytest.fixture
def project(rpc) -> pb.Project:
    return rpc.call(
        "CreateProject", pb.CreateProjectRequest(name="app", region_id="us-east-1"), pb.CreateProjectResponse
    ).project


def management_calls(project_id: str, token_id: str, policy_id: str) -> list[tuple[str, pb.Message]]:
    """Every ProjectService call that needs an organization token, aimed at one project and its objects."""
    return [
        ("UpdateProject", pb.UpdateProjectRequest(project_id=project_id, name="x")),
        ("DeleteProject", pb.DeleteProjectRequest(project_id=project_id)),
        ("ResetProject", pb.ResetProjectRequest(project_id=project_id)),
        ("ListTrustPolicies", pb.ListTrustPoliciesRequest(project_id=project_id)),
        ("AddTrustPolicy", pb.AddTrustPolicyRequest(project_id=project_id, github=GITHUB)),
        ("RemoveTrustPolicy", pb.RemoveTrustPolicyRequest(project_id=project_id, trust_policy_id=policy_id)),
        ("ListTokens", pb.ListTokensRequest(project_id=project_id)),
        ("CreateToken", pb.CreateTokenRequest(project_id=project_id, description="d")),
        ("UpdateToken", pb.UpdateTokenRequest(token_id=token_id, description="d")),
        ("DeleteToken", pb.DeleteTokenRequest(token_id=token_id)),
    ]


def get(rpc: Rpc, project_id: str) -> pb.Project:
    return rpc.call("GetProject", pb.GetProjectRequest(project_id=project_id), pb.GetProjectResponse).project


def add_token_and_policy(rpc: Rpc, project_id: str) -> tuple[pb.CreateTokenResponse, str]:
    token = rpc.call(
        "CreateToken", pb.CreateTokenRequest(project_id=project_id, description="ci"), pb.CreateTokenResponse
    )
    policy = rpc.call(
        "AddTrustPolicy",
        pb.AddTrustPolicyRequest(
            project_id=project_id, github=pb.TrustPolicy.GitHub(repository_owner="o", repository="r")
        ),
        pb.AddTrustPolicyResponse,
    ).trust_policy
    return token, policy.trust_policy_id


# Authentication


@pytest.mark.parametrize(
    ("headers", "token", "words"),
    [
        ({}, None, "missing Authorization"),
        ({"authorization": "Basic dXNlcjpwYXNz"}, None, "malformed Authorization"),
        ({"authorization": "Bearer"}, None, "malformed Authorization"),
        ({}, "depot_org_not_a_real_token", "invalid token"),
    ],
)
def test_unauthenticated(rpc, headers, token, words):
    message = rpc.fail("ListProjects", pb.ListProjectsRequest(), "unauthenticated", token=token, headers=headers)
    assert words in message
    assert "depot_org_not_a_real_token" not in message


def test_unauthenticated_on_every_method(rpc):
    for method, request in [("ListProjects", pb.ListProjectsRequest()), *management_calls(MISSING, MISSING, MISSING)]:
        rpc.fail(method, request, "unauthenticated", token="nope")
    rpc.fail(
        "ListOrganizations",
        pb.ListOrganizationsRequest(),
        "unauthenticated",
        token="nope",
        service=ORGANIZATION_SERVICE,
    )


# Isolation between organizations


def test_another_organizations_objects_are_not_found_and_invisible(rpc, project, depot):
    token, policy_id = add_token_and_policy(rpc, project.project_id)
    other = depot.server.create_org("other")
    with Rpc(other.url, other.token) as intruder:
        missing = intruder.fail("GetProject", pb.GetProjectRequest(project_id=MISSING), "not_found")
        hidden = intruder.fail("GetProject", pb.GetProjectRequest(project_id=project.project_id), "not_found")
        assert hidden.replace(project.project_id, MISSING) == missing
        for method, request in management_calls(project.project_id, token.token_id, policy_id):
            message = intruder.fail(method, request, "not_found")
            assert project.project_id in message or token.token_id in message
        listed = intruder.call("ListProjects", pb.ListProjectsRequest(), pb.ListProjectsResponse)
        assert list(listed.projects) == []
        intruder.fail(
            "CreateProject",
            pb.CreateProjectRequest(name="x", region_id="us-east-1", organization_id=depot.org_id),
            "not_found",
        )
    # Nothing the intruder tried changed anything.
    assert (
        rpc.call("GetProject", pb.GetProjectRequest(project_id=project.project_id), pb.GetProjectResponse).project
        == project
    )
    tokens = rpc.call("ListTokens", pb.ListTokensRequest(project_id=project.project_id), pb.ListTokensResponse)
    assert [(t.token_id, t.description) for t in tokens.tokens] == [(token.token_id, "ci")]


def test_create_project_in_an_unknown_organization_is_not_found(rpc):
    message = rpc.fail(
        "CreateProject",
        pb.CreateProjectRequest(name="x", region_id="us-east-1", organization_id=MISSING),
        "not_found",
    )
    assert MISSING in message


# Project tokens


def test_project_token_may_not_manage_anything(rpc, project, depot):
    token, policy_id = add_token_and_policy(rpc, project.project_id)
    other = rpc.call(
        "CreateProject", pb.CreateProjectRequest(name="b", region_id="us-east-1"), pb.CreateProjectResponse
    ).project
    with Rpc(depot.url, token.secret) as scoped:
        calls = [
            ("ListProjects", pb.ListProjectsRequest()),
            ("CreateProject", pb.CreateProjectRequest(name="x", region_id="us-east-1")),
            ("GetProject", pb.GetProjectRequest(project_id=other.project_id)),
            *management_calls(project.project_id, token.token_id, policy_id),
        ]
        for method, request in calls:
            assert "token" in scoped.fail(method, request, "permission_denied"), method
        scoped.fail(
            "ListOrganizations", pb.ListOrganizationsRequest(), "permission_denied", service=ORGANIZATION_SERVICE
        )
    assert (
        rpc.call("GetProject", pb.GetProjectRequest(project_id=project.project_id), pb.GetProjectResponse).project
        == project
    )


# not_found


def test_missing_objects_are_not_found_and_named(rpc, project):
    for method, request in management_calls(MISSING, MISSING, MISSING):
        assert MISSING in rpc.fail(method, request, "not_found"), method
    assert MISSING in rpc.fail("GetProject", pb.GetProjectRequest(project_id=MISSING), "not_found")
    message = rpc.fail(
        "RemoveTrustPolicy",
        pb.RemoveTrustPolicyRequest(project_id=project.project_id, trust_policy_id=MISSING),
        "not_found",
    )
    assert MISSING in message and project.project_id in message


def test_deleting_twice_is_not_found(rpc, project):
    token, policy_id = add_token_and_policy(rpc, project.project_id)
    for method, request in [
        ("RemoveTrustPolicy", pb.RemoveTrustPolicyRequest(project_id=project.project_id, trust_policy_id=policy_id)),
        ("DeleteToken", pb.DeleteTokenRequest(token_id=token.token_id)),
        ("DeleteProject", pb.DeleteProjectRequest(project_id=project.project_id)),
    ]:
        rpc.call(method, request, pb.DeleteProjectResponse)  # every empty response parses as any empty message
        rpc.fail(method, request, "not_found")


# invalid_argument, field by field (JSON bodies, so presence and values are exactly as written)

INVALID_CREATES = [
    ({"name": "", "regionId": "us-east-1"}, "name must not be empty"),
    ({"name": "   ", "regionId": "us-east-1"}, "name must not be empty"),
    ({"name": "x" * 65, "regionId": "us-east-1"}, "name is 65 characters"),
    ({"name": "a"}, "region_id is empty"),
    ({"name": "a", "regionId": "mars-1"}, "region_id is 'mars-1'"),
    ({"name": "a", "regionId": "us-east-1", "cachePolicy": {"keepGb": 5, "keepDays": -1}}, "cache_policy.keep_days"),
    ({"name": "a", "regionId": "us-east-1", "cachePolicy": {"keepGb": -5}}, "cache_policy.keep_gb is -5"),
    ({"name": "a", "regionId": "us-east-1", "cachePolicy": {"keepDays": 3}}, "cache_policy.keep_gb must be at least 1"),
    ({"name": "a", "regionId": "us-east-1", "cachePolicy": {"keepBytes": "-1"}}, "cache_policy.keep_bytes is -1"),
    ({"name": "a", "regionId": "us-east-1", "cachePolicy": {"keepBytes": "1000"}}, "whole number of GB"),
    (
        {"name": "a", "regionId": "us-east-1", "cachePolicy": {"keepBytes": str(2 * 1024**3), "keepGb": 3}},
        "disagree",
    ),
    ({"name": "a", "regionId": "us-east-1", "hardware": 99}, "hardware 99 is not a known value"),
    ({"name": "a", "regionId": "us-east-1", "hardware": "HARDWARE_1X1"}, "hardware"),
    ({"name": 5, "regionId": "us-east-1"}, "name"),
]


@pytest.mark.parametrize(("body", "words"), INVALID_CREATES)
def test_invalid_create(rpc, body, words):
    assert words in rpc.fail("CreateProject", body, "invalid_argument")
    assert list(rpc.call("ListProjects", pb.ListProjectsRequest(), pb.ListProjectsResponse).projects) == []


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ({}, "project_id is required"),
        ({"name": ""}, "name must not be empty"),
        ({"name": "y" * 100}, "name is 100 characters"),
        ({"regionId": ""}, "region_id is empty"),
        ({"regionId": "us-west-2"}, "region_id is 'us-west-2'"),
        ({"cachePolicy": {"keepGb": 1, "keepDays": -2}}, "cache_policy.keep_days is -2"),
        ({"hardware": 42}, "hardware 42"),
    ],
)
def test_invalid_update_changes_nothing(rpc, project, body, words):
    if body:
        body = {"projectId": project.project_id, **body}
    assert words in rpc.fail("UpdateProject", body, "invalid_argument")
    assert (
        rpc.call("GetProject", pb.GetProjectRequest(project_id=project.project_id), pb.GetProjectResponse).project
        == project
    )


@pytest.mark.parametrize(
    ("provider", "fields", "words"),
    [
        (None, None, "set exactly one trust policy provider"),
        ("github", {"repositoryOwner": "o"}, "github.repository must not be empty"),
        ("github", {"repository": "r"}, "github.repository_owner must not be empty"),
        ("buildkite", {"organizationSlug": "o", "pipelineSlug": " "}, "buildkite.pipeline_slug must not be empty"),
        ("circleci", {"projectUuid": "p"}, "circleci.organization_uuid must not be empty"),
        ("circleci", {"organizationUuid": "o", "projectUuid": "p" * 300}, "circleci.project_uuid is 300 characters"),
    ],
)
def test_invalid_trust_policy(rpc, project, provider, fields, words):
    body = {"projectId": project.project_id}
    if provider:
        body[provider] = fields
    assert words in rpc.fail("AddTrustPolicy", body, "invalid_argument")
    policies = rpc.call(
        "ListTrustPolicies", pb.ListTrustPoliciesRequest(project_id=project.project_id), pb.ListTrustPoliciesResponse
    )
    assert list(policies.trust_policies) == []


@pytest.mark.parametrize(
    ("method", "body", "words"),
    [
        ("GetProject", {}, "project_id is required"),
        ("DeleteProject", {}, "project_id is required"),
        ("RemoveTrustPolicy", {"projectId": "PROJECT"}, "trust_policy_id is required"),
        ("CreateToken", {"projectId": "PROJECT"}, "description must not be empty"),
        ("CreateToken", {"projectId": "PROJECT", "description": "d" * 257}, "description is 257 characters"),
        ("UpdateToken", {"tokenId": "t"}, "description must not be empty"),
        ("DeleteToken", {}, "token_id is required"),
        ("ListProjects", {"regionId": "ap-south-1"}, "region_id is 'ap-south-1'"),
        ("ListProjects", {"pageSize": -1}, "page_size is -1"),
        ("ListProjects", {"pageToken": "not-a-token"}, "page_token is not one this server issued"),
        ("ListProjects", {"pageToken": "YWZ0ZXI6eA"}, "page_token"),  # base64 of "after:x"
    ],
)
def test_invalid_other_fields(rpc, project, method, body, words):
    body = {key: project.project_id if value == "PROJECT" else value for key, value in body.items()}
    assert words in rpc.fail(method, body, "invalid_argument")


def _page_token(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


@pytest.mark.parametrize(
    "decoded",
    [
        "after:" + "9" * 30,  # past SQLite's 64-bit INTEGER: was an OverflowError and HTTP 500
        "after:" + str(2**63),
        "after:" + "9" * 5000,  # past Python's int() digit limit
        "after:-1",
        "after:+1",
        "after: 1",
        "after:\u0661",  # ARABIC-INDIC DIGIT ONE: int() accepts it
    ],
)
def test_crafted_page_tokens_are_invalid_argument_not_500(rpc, decoded):
    message = rpc.fail("ListProjects", {"pageSize": 1, "pageToken": _page_token(decoded)}, "invalid_argument")
    assert "page_token" in message


# Malformed requests


def test_unknown_json_field_is_named(rpc):
    message = rpc.fail("CreateProject", {"name": "a", "regionId": "us-east-1", "colour": "red"}, "invalid_argument")
    assert "colour" in message


@pytest.mark.parametrize(
    "body", [b"{", b"[]", b"null", b"", b"  ", b'{"name": "a"', b"\xff\xfe", b'{"name": "\\ud800"}', b"[" * 100_000]
)
def test_malformed_json(rpc, body):
    rpc.fail("CreateProject", body, "invalid_argument")


@pytest.mark.parametrize("body", [b"\xff\xff\xff", b"\x0a\x05ab", b"\x0a\x02\xff\xfe", b"\x08"])
def test_malformed_protobuf(depot, body):
    with Rpc(depot.url, depot.token, codec="proto") as rpc:
        assert "protobuf" in rpc.fail("CreateProject", body, "invalid_argument")


def test_empty_protobuf_body_is_an_empty_message(depot):
    with Rpc(depot.url, depot.token, codec="proto") as rpc:
        rpc.fail("CreateProject", b"", "invalid_argument")  # name and region missing, not a decoding failure
        assert rpc.post("ListProjects", b"").status_code == 200


def test_unknown_method_is_unimplemented_with_404(rpc):
    for path in ("depot.core.v1.ProjectService/Frobnicate", "depot.build.v1.BuildService/CreateBuild"):
        service, method = path.rsplit("/", 1)
        message = error_message(rpc.post(method, {}, service=service), "unimplemented", status=404)
        assert method in message
    error_message(rpc.http.post(f"{rpc.url}/", content=b"{}"), "unimplemented", status=404)


def test_get_is_405_with_allow(rpc):
    response = rpc.http.get(f"{rpc.url}/depot.core.v1.ProjectService/ListProjects")
    assert "POST" in error_message(response, "unimplemented", status=405)
    assert response.headers["allow"] == "POST"


@pytest.mark.parametrize("content_type", ["text/plain", "application/grpc", "application/json; charset=latin-1", ""])
def test_unsupported_content_type_is_415(rpc, content_type):
    response = rpc.post("ListProjects", b"{}", content_type=content_type or "x")
    if not content_type:
        response = rpc.http.post(
            f"{rpc.url}/depot.core.v1.ProjectService/ListProjects",
            content=b"{}",
            headers={"authorization": f"Bearer {rpc.token}"},
        )
    assert "application/json or application/proto" in error_message(response, "invalid_argument", status=415)


def test_json_charset_utf8_is_accepted(rpc):
    assert rpc.post("ListProjects", b"{}", content_type="application/json; charset=utf-8").status_code == 200


@pytest.mark.parametrize(
    ("headers", "code", "words"),
    [
        ({"connect-protocol-version": "2"}, "invalid_argument", "Connect-Protocol-Version"),
        ({"connect-timeout-ms": "soon"}, "invalid_argument", "Connect-Timeout-Ms"),
        ({"connect-timeout-ms": "12345678901"}, "invalid_argument", "Connect-Timeout-Ms"),
        ({"content-encoding": "zstd"}, "unimplemented", "zstd"),
        ({"content-encoding": "gzip"}, "invalid_argument", "not valid gzip"),
        ({"content-encoding": "br"}, "invalid_argument", "not valid brotli"),
    ],
)
def test_bad_protocol_headers(rpc, headers, code, words):
    assert words in rpc.fail("ListProjects", b"{}", code, headers=headers)


def test_connect_protocol_version_may_be_omitted(rpc):
    response = rpc.http.post(
        f"{rpc.url}/depot.core.v1.ProjectService/ListProjects",
        content=b"{}",
        headers={"authorization": f"Bearer {rpc.token}", "content-type": "application/json"},
    )
    assert response.status_code == 200
