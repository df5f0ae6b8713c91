"""What the client puts on the wire and how it reads answers: paths, headers, both codecs, gzip."""

from __future__ import annotations

import gzip
import json
from collections.abc import Callable
from importlib.metadata import version
from typing import Any

import httpx
import pytest
from client_fakes import (
    TOKEN,
    FakeClock,
    ScriptedServer,
    UpperBoundRandom,
    json_reply,
    make_client,
    method_of,
    proto_reply,
    request_body,
    request_json,
)
from google.protobuf import json_format
from google.protobuf.message import Message
from pulumi_depot_provider.client.client import RPCS, DepotClient, RetryPolicy
from pulumi_depot_provider.client.wire import GZIP_MIN_BYTES
from pulumi_depot_provider.proto import pb

PROJECT = pb.Project(project_id="abcdefghij", organization_id="org", name="web", region_id="us-east-1")
PROJECT.created_at.FromSeconds(1_700_000_000)

# Each public method: how to call it, the request the server must receive and what the server answers.
CALLS: list[tuple[str, Callable[[DepotClient], Any], Message, Message]] = [
    (
        "ListProjects",
        lambda c: c.list_projects(),
        pb.ListProjectsRequest(),
        pb.ListProjectsResponse(projects=[PROJECT]),
    ),
    (
        "GetProject",
        lambda c: c.get_project("abcdefghij"),
        pb.GetProjectRequest(project_id="abcdefghij"),
        pb.GetProjectResponse(project=PROJECT),
    ),
    (
        "CreateProject",
        lambda c: c.create_project(
            "web", "us-east-1", cache_policy=pb.CachePolicy(keep_gb=20, keep_days=7), hardware=pb.HARDWARE_8X16
        ),
        pb.CreateProjectRequest(
            name="web",
            region_id="us-east-1",
            cache_policy=pb.CachePolicy(keep_gb=20, keep_days=7),
            hardware=pb.HARDWARE_8X16,
        ),
        pb.CreateProjectResponse(project=PROJECT),
    ),
    (
        "UpdateProject",
        lambda c: c.update_project("abcdefghij", name="api"),
        pb.UpdateProjectRequest(project_id="abcdefghij", name="api"),
        pb.UpdateProjectResponse(project=PROJECT),
    ),
    (
        "DeleteProject",
        lambda c: c.delete_project("abcdefghij"),
        pb.DeleteProjectRequest(project_id="abcdefghij"),
        pb.DeleteProjectResponse(),
    ),
    (
        "ResetProject",
        lambda c: c.reset_project("abcdefghij"),
        pb.ResetProjectRequest(project_id="abcdefghij"),
        pb.ResetProjectResponse(),
    ),
    (
        "ListTrustPolicies",
        lambda c: c.list_trust_policies("abcdefghij"),
        pb.ListTrustPoliciesRequest(project_id="abcdefghij"),
        pb.ListTrustPoliciesResponse(
            trust_policies=[pb.TrustPolicy(trust_policy_id="t1", github=pb.TrustPolicy.GitHub(repository="r"))]
        ),
    ),
    (
        "AddTrustPolicy",
        lambda c: c.add_trust_policy("abcdefghij", buildkite=pb.TrustPolicy.Buildkite(organization_slug="o")),
        pb.AddTrustPolicyRequest(project_id="abcdefghij", buildkite=pb.TrustPolicy.Buildkite(organization_slug="o")),
        pb.AddTrustPolicyResponse(trust_policy=pb.TrustPolicy(trust_policy_id="t2")),
    ),
    (
        "RemoveTrustPolicy",
        lambda c: c.remove_trust_policy("abcdefghij", "t2"),
        pb.RemoveTrustPolicyRequest(project_id="abcdefghij", trust_policy_id="t2"),
        pb.RemoveTrustPolicyResponse(),
    ),
    (
        "ListTokens",
        lambda c: c.list_tokens("abcdefghij"),
        pb.ListTokensRequest(project_id="abcdefghij"),
        pb.ListTokensResponse(tokens=[pb.ListTokensResponse.Token(token_id="k", description="ci")]),
    ),
    (
        "CreateToken",
        lambda c: c.create_token("abcdefghij", "ci"),
        pb.CreateTokenRequest(project_id="abcdefghij", description="ci"),
        pb.CreateTokenResponse(token_id="k", secret="s"),
    ),
    (
        "UpdateToken",
        lambda c: c.update_token("k", "deploys"),
        pb.UpdateTokenRequest(token_id="k", description="deploys"),
        pb.UpdateTokenResponse(),
    ),
    ("DeleteToken", lambda c: c.delete_token("k"), pb.DeleteTokenRequest(token_id="k"), pb.DeleteTokenResponse()),
    (
        "ListOrganizations",
        lambda c: c.list_organizations(),
        pb.ListOrganizationsRequest(),
        pb.ListOrganizationsResponse(organizations=[pb.Organization(org_id="org", name="Acme")]),
    ),
]


def test_calls_cover_every_method() -> None:
    assert sorted(name for name, *_ in CALLS) == sorted(RPCS)


def echo(codec: str, answer: Message) -> Callable[[httpx.Request], httpx.Response]:
    return lambda request: json_reply(answer) if codec == "json" else proto_reply(answer)


@pytest.mark.parametrize("codec", ["json", "proto"])
@pytest.mark.parametrize(("method", "call", "expected_request", "answer"), CALLS, ids=[c[0] for c in CALLS])
def test_each_method_round_trips(
    codec: str, method: str, call: Callable[[DepotClient], Any], expected_request: Message, answer: Message
) -> None:
    # ListProjects speaks JSON whatever the client's codec (its paging fields have no published numbers).
    wire_codec = "json" if method == "ListProjects" else codec
    server = ScriptedServer(default=echo(wire_codec, answer))
    with make_client(server, codec=codec) as client:
        result = call(client)
    (request,) = server.requests
    service = "OrganizationService" if method == "ListOrganizations" else "ProjectService"
    assert request.method == "POST"
    assert str(request.url) == f"https://depot.test/depot.core.v1.{service}/{method}"
    received = type(expected_request)()
    if wire_codec == "json":
        assert request.headers["content-type"] == "application/json"
        json_format.Parse(request_body(request), received)
    else:
        assert request.headers["content-type"] == "application/proto"
        received.ParseFromString(request_body(request))
    assert received == expected_request
    expected_result = _unwrap(answer)
    assert result == expected_result


def _unwrap(answer: Message) -> Any:
    """What the client method returns for `answer`: the one interesting field, or None for empty answers."""
    if isinstance(answer, pb.CreateTokenResponse):
        return answer
    fields = answer.DESCRIPTOR.fields
    if not fields:
        return None
    value = getattr(answer, fields[0].name)
    return list(value) if fields[0].is_repeated else value


def test_json_uses_lower_camel_case_and_sends_only_present_fields() -> None:
    server = ScriptedServer(default=echo("json", pb.UpdateProjectResponse(project=PROJECT)))
    with make_client(server) as client:
        client.update_project("abcdefghij", cache_policy=pb.CachePolicy(keep_gb=0, keep_days=0), hardware=0)
    assert request_json(server.requests[0]) == {
        "projectId": "abcdefghij",
        "cachePolicy": {},
        "hardware": "HARDWARE_UNSPECIFIED",
    }


def test_int64_goes_as_a_json_string() -> None:
    server = ScriptedServer(default=echo("json", pb.CreateProjectResponse(project=PROJECT)))
    with make_client(server) as client:
        client.create_project("web", "us-east-1", cache_policy=pb.CachePolicy(keep_bytes=50 * 1024**3))
    assert request_json(server.requests[0])["cachePolicy"] == {"keepBytes": str(50 * 1024**3)}


@pytest.mark.parametrize("codec", ["json", "proto"])
def test_headers(codec: str) -> None:
    server = ScriptedServer(default=echo(codec, pb.GetProjectResponse(project=PROJECT)))
    with make_client(server, codec=codec, timeout=12.5) as client:
        client.get_project("abcdefghij")
    headers = server.requests[0].headers
    assert headers["connect-protocol-version"] == "1"
    assert headers["authorization"] == f"Bearer {TOKEN}"
    assert headers["user-agent"] == f"pulumi-depot/{version('pulumi-depot')} (python httpx)"
    assert headers["accept-encoding"] == "gzip"
    assert headers["connect-timeout-ms"] == "12500"
    assert "content-encoding" not in headers  # a small body goes uncompressed


def test_timeout_is_the_attempts_httpx_timeout() -> None:
    server = ScriptedServer(default=echo("json", pb.GetProjectResponse()))
    with make_client(server, timeout=3.0) as client:
        client.get_project("p")
    assert server.requests[0].extensions["timeout"] == {"connect": 3.0, "read": 3.0, "write": 3.0, "pool": 3.0}


def test_connect_timeout_ms_shrinks_to_the_calls_remaining_deadline() -> None:
    clock = FakeClock()
    server = ScriptedServer(
        script=[httpx.ConnectError("refused")], default=echo("json", pb.GetProjectResponse(project=PROJECT))
    )
    policy = RetryPolicy(total_timeout=10.0, initial_backoff=4.0, max_backoff=4.0)
    with make_client(server, clock=clock, retry=policy, timeout=30.0, rng=UpperBoundRandom()) as client:
        client.get_project("p")
    assert clock.sleeps == [4.0]
    assert [r.headers["connect-timeout-ms"] for r in server.requests] == ["10000", "6000"]


def test_large_request_bodies_are_gzipped() -> None:
    server = ScriptedServer(default=echo("json", pb.CreateProjectResponse(project=PROJECT)))
    name = "n" * (GZIP_MIN_BYTES + 10)
    with make_client(server) as client:
        client.create_project(name, "us-east-1")
    request = server.requests[0]
    assert request.headers["content-encoding"] == "gzip"
    assert len(request.content) < GZIP_MIN_BYTES
    assert json.loads(gzip.decompress(request.content)) == {"name": name, "regionId": "us-east-1"}


@pytest.mark.parametrize("codec", ["json", "proto"])
def test_gzipped_answers_are_decoded(codec: str) -> None:
    answer = pb.GetProjectResponse(project=PROJECT)
    plain = echo(codec, answer)

    def gzipped(request: httpx.Request) -> httpx.Response:
        reply = plain(request)
        return httpx.Response(
            200,
            content=gzip.compress(reply.content),
            headers={"content-type": reply.headers["content-type"], "content-encoding": "gzip"},
        )

    with make_client(ScriptedServer(default=gzipped), codec=codec) as client:
        assert client.get_project("abcdefghij") == PROJECT


def test_unknown_fields_from_a_newer_server_are_ignored() -> None:
    answer = pb.GetProjectResponse(project=PROJECT)
    server = ScriptedServer(default=lambda request: json_reply(answer, futureField={"x": 1}))
    with make_client(server) as client:
        assert client.get_project("abcdefghij") == PROJECT


def test_json_answer_with_charset_is_accepted() -> None:
    body = json.dumps({"project": {"projectId": "abcdefghij"}}).encode()
    reply = httpx.Response(200, content=body, headers={"content-type": "application/json; charset=utf-8"})
    with make_client(ScriptedServer(default=lambda request: reply)) as client:
        assert client.get_project("abcdefghij").project_id == "abcdefghij"


def test_call_checks_method_and_response_type() -> None:
    with make_client(ScriptedServer()) as client:
        with pytest.raises(ValueError, match="'GetProjects' is not a method"):
            client.call("GetProjects", pb.GetProjectRequest(), pb.GetProjectResponse)
        with pytest.raises(TypeError, match="GetProject answers GetProjectResponse"):
            client.call("GetProject", pb.GetProjectRequest(), pb.ListProjectsResponse)


def test_one_client_serves_concurrent_threads() -> None:
    from concurrent.futures import ThreadPoolExecutor

    def answer(request: httpx.Request) -> httpx.Response:
        project_id = request_json(request)["projectId"]
        return json_reply(pb.GetProjectResponse(project=pb.Project(project_id=project_id)))

    ids = [f"p{n:09d}" for n in range(64)]
    with make_client(ScriptedServer(default=answer)) as client, ThreadPoolExecutor(4) as pool:
        results = list(pool.map(lambda project_id: client.get_project(project_id).project_id, ids))
    assert results == ids


def test_method_paths_are_connect_paths() -> None:
    seen: list[str] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(method_of(request))
        return json_reply(pb.DeleteTokenResponse())

    with make_client(ScriptedServer(default=answer)) as client:
        client.delete_token("k")
    assert seen == ["DeleteToken"]
