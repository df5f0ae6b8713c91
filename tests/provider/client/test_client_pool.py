"""The connection pool holds as many connections as the client's callers run calls at once (counted, not timed)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from pulumi_depot_provider.client.client import DEFAULT_CONCURRENCY, DepotClient, pool_limits
from pulumi_depot_provider.client.errors import ConfigurationError
from pulumi_depot_provider.config import DYNAMIC_HOST_CONCURRENCY
from pulumi_depot_provider.resources.session import Session

CALLERS = 32  # more than httpx's default of 20 kept-alive connections


class BarrierServer(ThreadingHTTPServer):
    """Answers GetProject only once `parties` requests are in flight together, and records each request's
    client address: one address per connection."""

    daemon_threads = True

    def __init__(self, parties: int) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.barrier = threading.Barrier(parties, timeout=60)
        self.peers: list[tuple[str, int]] = []
        self.lock = threading.Lock()


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive
    server: BarrierServer

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("content-length", "0")))
        with self.server.lock:
            self.server.peers.append(self.client_address)
        self.server.barrier.wait()
        body = json.dumps({"project": {"projectId": "p1", "name": "api", "regionId": "us-east-1"}}).encode()
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def barrier_server() -> Iterator[BarrierServer]:
    server = BarrierServer(CALLERS)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def round_of_calls(client: DepotClient) -> None:
    with ThreadPoolExecutor(CALLERS) as pool:
        assert {p.project_id for p in pool.map(lambda _: client.get_project("p1"), range(CALLERS))} == {"p1"}


@pytest.mark.parametrize(("concurrency", "new_in_second_round"), [(CALLERS, 0), (DEFAULT_CONCURRENCY, 12)])
def test_connections_kept_for_every_concurrent_caller(
    barrier_server: BarrierServer, concurrency: int, new_in_second_round: int
) -> None:
    """32 calls at once, twice. A pool sized to 32 reuses its 32 connections in the second round; httpx's default
    keeps 20, so 12 calls of the second round pay for a new connection each."""
    url = f"http://127.0.0.1:{barrier_server.server_address[1]}"
    with DepotClient(url, "depot_org_test", concurrency=concurrency) as client:
        round_of_calls(client)
        first = set(barrier_server.peers)
        round_of_calls(client)
    second = set(barrier_server.peers[CALLERS:])
    assert len(first) == CALLERS  # the barrier holds every call: each needs a connection of its own
    assert len(second - first) == new_in_second_round


def test_pool_limits_never_below_httpx_defaults() -> None:
    assert (pool_limits(4).max_connections, pool_limits(4).max_keepalive_connections) == (100, 20)
    assert (pool_limits(64).max_connections, pool_limits(64).max_keepalive_connections) == (100, 64)
    assert (pool_limits(500).max_connections, pool_limits(500).max_keepalive_connections) == (500, 500)
    for wrong in (0, -1, True, 2.5):
        with pytest.raises(ConfigurationError, match="concurrency"):
            pool_limits(wrong)  # type: ignore[arg-type]


def test_the_providers_client_covers_the_dynamic_hosts_threads() -> None:
    session = Session({"depot:token": "depot_org_pool_test", "depot:apiUrl": "http://127.0.0.1:9"}, environ={})
    client = session.client()
    assert session.client() is client  # one per session, shared by every resource and host thread
    pool = client._http._transport._pool  # type: ignore[attr-defined]
    assert pool._max_keepalive_connections >= DYNAMIC_HOST_CONCURRENCY
    assert pool._max_connections >= DYNAMIC_HOST_CONCURRENCY
