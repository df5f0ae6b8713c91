"""Connect transport details: compression both ways, size limits and decompression bombs, h2c multiplexing,
Connect-Timeout-Ms."""

from __future__ import annotations

import asyncio
import gzip
import json
import socket
from collections.abc import Iterator

import brotli
import httpx
import pytest
from connect_rpc import Rpc, decode, encode, error_message
from h2_client import Answer, H2Client
from pulumi_depot_provider.proto import pb

MIB = 1024 * 1024
COMPRESSORS = {"gzip": gzip.compress, "br": brotli.compress}


@pytest.fixture
def rpc(depot) -> Iterator[Rpc]:
    with Rpc(depot.url, depot.token) as client:
        yield client


@pytest.mark.parametrize("codec", ["json", "proto"])
@pytest.mark.parametrize("encoding", ["gzip", "br"])
def test_compressed_request_bodies(depot, codec, encoding):
    request = pb.CreateProjectRequest(name="zipped", region_id="us-east-1")
    body = COMPRESSORS[encoding](encode(codec, request))
    with Rpc(depot.url, depot.token, codec=codec) as rpc:
        created = rpc.call("CreateProject", body, pb.CreateProjectResponse, headers={"content-encoding": encoding})
    assert created.project.name == "zipped"


@pytest.mark.parametrize(
    ("accept", "expected"),
    [("gzip", "gzip"), ("br", "br"), ("br, gzip", "br"), ("gzip;q=0, br", "br"), ("identity", None), ("", None)],
)
def test_response_compression_follows_accept_encoding(rpc, accept, expected):
    rpc.call("CreateProject", pb.CreateProjectRequest(name="a", region_id="us-east-1"), pb.CreateProjectResponse)
    request = rpc.http.build_request(
        "POST",
        f"{rpc.url}/depot.core.v1.ProjectService/ListProjects",
        content=b"{}",
        headers={"authorization": f"Bearer {rpc.token}", "content-type": "application/json", "accept-encoding": accept},
    )
    response = rpc.http.send(request, stream=True)
    raw = b"".join(response.iter_raw())
    response.close()
    assert response.status_code == 200
    assert response.headers.get("content-encoding") == expected
    plain = {"gzip": gzip.decompress, "br": brotli.decompress, None: bytes}[expected](raw)
    assert [p.name for p in decode("json", plain, pb.ListProjectsResponse).projects] == ["a"]


def test_oversize_body_is_rejected_and_the_connection_survives(rpc):
    message = rpc.fail("CreateProject", b"{" + b" " * (2 * MIB) + b"}", "invalid_argument")
    assert "exceeds 1048576 bytes" in message
    assert rpc.post("ListProjects", {}).status_code == 200


@pytest.mark.parametrize("encoding", ["gzip", "br"])
def test_decompression_bombs_are_rejected(rpc, encoding):
    bomb = COMPRESSORS[encoding](b'{"name": "' + b"a" * (64 * MIB) + b'"}')
    assert len(bomb) < 128 * 1024
    message = rpc.fail("CreateProject", bomb, "invalid_argument", headers={"content-encoding": encoding})
    assert "decompressed request body exceeds" in message


def test_gzip_followed_by_garbage_is_rejected(rpc):
    body = gzip.compress(b"{}") + b"junk"
    assert "gzip" in rpc.fail("ListProjects", body, "invalid_argument", headers={"content-encoding": "gzip"})


def test_h2c_streams_multiplex_and_early_errors_do_not_break_the_connection(depot):
    """Unknown methods and bad bodies are answered on the same HTTP/2 connection as good calls, concurrently,
    and an oversize body does not cost the connection either.

    Concurrent bodies stay small: httpcore's HTTP/2 client deadlocks when concurrent uploads wait on flow control
    (pydantic/httpx2#1133); Depot's Node SDK does not, and tests/depot_local/test_node_sdk.py drives it."""
    headers = {"authorization": f"Bearer {depot.token}", "content-type": "application/json"}
    service = f"{depot.url}/depot.core.v1.ProjectService"
    calls = [("CreateProject", b'{"name": "p", "regionId": "us-east-1"}', 200)] * 6
    calls += [("Frobnicate", b"{" + b" " * 4000 + b"}", 404)] * 6
    calls += [("CreateProject", b"{" * 3000, 400)] * 3

    async def run() -> tuple[list[int], int, set[str], int]:
        async with httpx.AsyncClient(http1=False, http2=True, trust_env=False, timeout=20.0) as http:

            async def burst() -> list[httpx.Response]:
                return await asyncio.gather(
                    *(http.post(f"{service}/{method}", content=body, headers=headers) for method, body, _ in calls)
                )

            first = await burst()
            oversize = await http.post(f"{service}/CreateProject", content=b" " * (MIB + 1), headers=headers)
            second = await burst()
            listed = await http.post(f"{service}/ListProjects", content=b"{}", headers=headers)
        responses = [*first, *second]
        projects = decode("json", listed.content, pb.ListProjectsResponse).projects
        versions = {r.http_version for r in [*responses, oversize, listed]}
        return [r.status_code for r in responses], oversize.status_code, versions, len(projects)

    statuses, oversize_status, versions, created = asyncio.run(run())
    assert statuses == [expected for _, _, expected in calls] * 2
    assert oversize_status == 400
    assert versions == {"HTTP/2"}
    assert created == 12


def test_admin_api_answers_over_h2c(depot):
    with Rpc(depot.url, depot.token, http2=True) as rpc:
        response = rpc.http.get(f"{depot.admin_url}/health")
    assert response.http_version == "HTTP/2"
    assert response.json()["status"] == "ok"


def test_connect_timeout_ms_gives_deadline_exceeded(start_depot_server):
    server = start_depot_server(latency_ms=60_000, fault_methods=["ListProjects"])
    with Rpc(server.url, server.token) as rpc:
        response = rpc.post("ListProjects", {}, headers={"connect-timeout-ms": "50"})
        assert "Connect-Timeout-Ms" in error_message(response, "deadline_exceeded")
        # A method the latency does not affect finishes within a deadline shorter than the latency, however loaded
        # the machine (if it were affected, it would be deadline_exceeded).
        assert rpc.post("GetProject", {"projectId": "x"}, headers={"connect-timeout-ms": "15000"}).status_code == 404


def test_a_long_lived_h2c_connection_is_not_cut_after_1000_requests(depot):
    with Rpc(depot.url, depot.token, http2=True) as rpc:
        statuses = {rpc.post("ListProjects", {}).status_code for _ in range(1010)}
    assert statuses == {200}


PROJECT_SERVICE_PATH = "/depot.core.v1.ProjectService"


def _json_headers(token: str, **extra: str) -> dict[str, str]:
    return {"authorization": f"Bearer {token}", "content-type": "application/json", **extra}


def _connect_code(answer: Answer) -> str:
    assert answer.headers["content-type"] == "application/json", answer.headers
    return str(answer.json()["code"])


def test_h2c_body_over_16_mib_is_answered_on_its_stream_and_the_connection_survives(depot):
    """Past the drain limit the server answers at once; the rest of that body, still arriving on the same
    connection, is discarded instead of ending every stream (hypercorn's KeyError on data for a finished stream)."""
    headers = _json_headers(depot.token)
    with H2Client(depot.url) as h2c:
        big = h2c.start(f"{PROJECT_SERVICE_PATH}/CreateProject", headers)
        small = h2c.start(f"{PROJECT_SERVICE_PATH}/ListProjects", headers)
        h2c.send(small, b"{}", end=True)
        h2c.send(big, b"{" + b" " * (20 * MIB) + b"}", end=True)
        big_answer, small_answer = h2c.wait(big, small)
        after = h2c.call(f"{PROJECT_SERVICE_PATH}/ListProjects", b"{}", headers)
    assert (big_answer.status, _connect_code(big_answer)) == (400, "invalid_argument")
    assert "exceeds 1048576 bytes" in big_answer.json()["message"]
    assert small_answer.status == 200
    assert after.status == 200


def test_h2c_stalled_body_times_out_on_its_stream_only(start_depot_server):
    server = start_depot_server(body_timeout=1)
    headers = _json_headers(server.token)
    create = f"{PROJECT_SERVICE_PATH}/CreateProject"
    with H2Client(server.url) as h2c:
        first, rest = b'{"name": "never-finished"', b', "regionId": "us-east-1"}'
        stalled = h2c.start(create, {**headers, "content-length": str(len(first + rest))})
        h2c.send(stalled, first, end=False)
        [answer] = h2c.wait(stalled)  # the server's timeout answers it: the client never finishes the body
        meanwhile = h2c.call(f"{PROJECT_SERVICE_PATH}/ListProjects", b"{}", headers)
        h2c.send(stalled, rest, end=True)  # arrives after the answer: discarded
        after = h2c.call(f"{PROJECT_SERVICE_PATH}/ListProjects", b"{}", headers)
    assert (answer.status, _connect_code(answer)) == (504, "deadline_exceeded")
    assert "--body-timeout" in answer.json()["message"]
    assert meanwhile.status == after.status == 200
    assert decode("json", bytes(after.body), pb.ListProjectsResponse).projects == []  # nothing was created


def _http11_exchange(url: str, request: bytes) -> bytes:
    """Sends raw bytes and reads until the server closes the connection (a generous bound, never a hang)."""
    host, port = url.removeprefix("http://").rsplit(":", 1)
    with socket.create_connection((host, int(port)), timeout=60) as sock:
        sock.sendall(request)
        received = b""
        while chunk := sock.recv(65536):
            received += chunk
    return received


def test_http11_body_shorter_than_content_length_is_answered_and_closed(start_depot_server):
    server = start_depot_server(body_timeout=1)
    head = (
        "POST /depot.core.v1.ProjectService/ListProjects HTTP/1.1\r\n"
        "Host: depot-local\r\n"
        "Content-Type: application/json\r\n"
        f"Authorization: Bearer {server.token}\r\n"
        "Content-Length: 100\r\n\r\n"
    )
    received = _http11_exchange(server.url, head.encode() + b"{}")
    status_line, _, rest = received.partition(b"\r\n")
    assert status_line.startswith(b"HTTP/1.1 504 "), received[:300]
    body = json.loads(rest.partition(b"\r\n\r\n")[2])
    assert body["code"] == "deadline_exceeded"
    assert "100 bytes" in body["message"] and "--body-timeout" in body["message"]
    with Rpc(server.url, server.token) as rpc:  # the server is still serving
        assert rpc.post("ListProjects", {}).status_code == 200


def test_admin_api_times_out_stalled_bodies_too(start_depot_server):
    server = start_depot_server(body_timeout=1)
    head = "PUT /_admin/faults HTTP/1.1\r\nHost: depot-local\r\nContent-Length: 50\r\n\r\n"
    received = _http11_exchange(server.url, head.encode() + b"{")
    assert received.startswith(b"HTTP/1.1 408 "), received[:300]
    assert b"--body-timeout" in received
