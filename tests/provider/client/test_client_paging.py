"""ListProjects follows next_page_token, works with servers that do not page, and stops on broken paging."""

from __future__ import annotations

import httpx
import pytest
from client_fakes import ScriptedServer, json_reply, make_client, request_json
from pulumi_depot_provider.client.errors import Code, TransportError
from pulumi_depot_provider.proto import pb


def projects(*ids: str) -> list[pb.Project]:
    return [pb.Project(project_id=project_id, name=f"name-{project_id}") for project_id in ids]


def page(ids: list[str], next_token: str | None = None) -> httpx.Response:
    return json_reply(pb.ListProjectsResponse(projects=projects(*ids), next_page_token=next_token))


@pytest.mark.parametrize("codec", ["json", "proto"])
def test_follows_next_page_token_in_json_whatever_the_codec(codec: str) -> None:
    server = ScriptedServer(script=[page(["a", "b"], "t1"), page(["c", "d"], "t2"), page(["e"])])
    with make_client(server, codec=codec) as client:
        listed = client.list_projects(region_id="eu-central-1", page_size=2)
    assert [p.project_id for p in listed] == ["a", "b", "c", "d", "e"]
    assert [r.headers["content-type"] for r in server.requests] == ["application/json"] * 3
    assert [request_json(r) for r in server.requests] == [
        {"regionId": "eu-central-1", "pageSize": 2},
        {"regionId": "eu-central-1", "pageSize": 2, "pageToken": "t1"},
        {"regionId": "eu-central-1", "pageSize": 2, "pageToken": "t2"},
    ]


def test_server_that_returns_everything_at_once() -> None:
    everything = pb.ListProjectsResponse(projects=projects("a", "b", "c"))
    server = ScriptedServer(script=[json_reply(everything)])
    with make_client(server) as client:
        assert client.list_projects(page_size=1) == list(everything.projects)
    assert len(server.requests) == 1
    assert request_json(server.requests[0]) == {"pageSize": 1}


def test_no_arguments_send_an_empty_request() -> None:
    server = ScriptedServer(script=[page([])])
    with make_client(server) as client:
        assert client.list_projects() == []
    assert request_json(server.requests[0]) == {}


def test_empty_next_page_token_ends_the_listing() -> None:
    server = ScriptedServer(script=[page(["a"], "")])
    with make_client(server) as client:
        assert [p.project_id for p in client.list_projects()] == ["a"]


@pytest.mark.parametrize(
    "tokens",
    [["same", "same"], ["t1", "t2", "t1"]],
    ids=["repeated", "cycle"],
)
def test_repeated_page_token_is_an_error_not_a_loop(tokens: list[str]) -> None:
    server = ScriptedServer(script=[page([f"p{n}"], token) for n, token in enumerate(tokens)])
    with make_client(server) as client, pytest.raises(TransportError) as caught:
        client.list_projects()
    assert len(server.requests) == len(tokens)
    error = caught.value
    assert error.code is Code.INTERNAL
    assert error.method == "ListProjects"
    assert f"sent page token {tokens[-1]!r} a second time" in error.message
    assert error.url == "https://depot.test/depot.core.v1.ProjectService/ListProjects"


def test_a_failing_page_is_retried_alone() -> None:
    unavailable = httpx.Response(503, json={"code": "unavailable", "message": "busy"})
    server = ScriptedServer(script=[page(["a"], "t1"), unavailable, page(["b"])])
    with make_client(server) as client:
        assert [p.project_id for p in client.list_projects()] == ["a", "b"]
    assert [request_json(r).get("pageToken") for r in server.requests] == [None, "t1", "t1"]
