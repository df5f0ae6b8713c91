"""Real sockets misbehaving on loopback: the exceptions httpx raises for them map to the right failures.
(The unit tests raise httpx's exceptions by hand; these prove which ones real silence and hang-ups produce.)"""

from __future__ import annotations

import socket
import socketserver
import threading
from collections.abc import Callable, Iterator

import pytest
from pulumi_depot_provider.client.client import DepotClient, RetryPolicy
from pulumi_depot_provider.client.errors import Code, TransportError
from pulumi_depot_provider.proto import pb

TOKEN = "depot_org_network_test_token"


class Sleeps(list[float]):
    def __call__(self, seconds: float) -> None:
        self.append(seconds)


class RawServer(socketserver.ThreadingTCPServer):
    """Reads each request's head, then does `behaviour(connection)`; counts connections."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, behaviour: Callable[[socket.socket, threading.Event], None]) -> None:
        self.behaviour = behaviour
        self.released = threading.Event()
        self.connections = 0
        super().__init__(("127.0.0.1", 0), _Handler)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class _Handler(socketserver.BaseRequestHandler):
    server: RawServer

    def handle(self) -> None:
        self.server.connections += 1
        received = b""
        while b"\r\n\r\n" not in received:
            chunk = self.request.recv(65536)
            if not chunk:
                return
            received += chunk
        self.server.behaviour(self.request, self.server.released)


def silent(connection: socket.socket, released: threading.Event) -> None:
    released.wait(30)  # hold the connection open without answering until the test ends


def hang_up(connection: socket.socket, released: threading.Event) -> None:
    connection.shutdown(socket.SHUT_RDWR)


def proxy_page(connection: socket.socket, released: threading.Event) -> None:
    body = b"<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>"
    connection.sendall(
        b"HTTP/1.1 502 Bad Gateway\r\nContent-Type: text/html\r\nConnection: close\r\n"
        + f"Content-Length: {len(body)}\r\n\r\n".encode()
        + body
    )


@pytest.fixture
def raw_server() -> Iterator[Callable[[Callable[[socket.socket, threading.Event], None]], RawServer]]:
    servers: list[RawServer] = []

    def start(behaviour: Callable[[socket.socket, threading.Event], None]) -> RawServer:
        server = RawServer(behaviour)
        threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.released.set()
        server.shutdown()
        server.server_close()


def test_silence_is_a_timeout_and_ambiguous(raw_server: Callable[..., RawServer]) -> None:
    server = raw_server(silent)
    sleeps = Sleeps()
    with DepotClient(server.url, TOKEN, timeout=0.2, retry=RetryPolicy(max_attempts=2), sleep=sleeps) as client:
        with pytest.raises(TransportError) as caught:
            client.get_project("abcdefghij")
        assert caught.value.code is Code.DEADLINE_EXCEEDED
        assert caught.value.ambiguous is True
        assert caught.value.attempts == 2 and len(sleeps) == 1
        assert caught.value.message.startswith(f"no answer from {server.url}/depot.core.v1.ProjectService/GetProject")
        with pytest.raises(TransportError) as caught:
            client.create_project("web", "us-east-1")
        assert caught.value.ambiguous is True and caught.value.attempts == 1
    assert server.connections == 3


def test_hang_up_after_the_request_is_ambiguous(raw_server: Callable[..., RawServer]) -> None:
    server = raw_server(hang_up)
    sleeps = Sleeps()
    with DepotClient(server.url, TOKEN, retry=RetryPolicy(max_attempts=3), sleep=sleeps) as client:
        with pytest.raises(TransportError) as caught:
            client.delete_project("abcdefghij")
        assert caught.value.ambiguous is True and caught.value.attempts == 3
        assert caught.value.message.startswith(f"the connection to {server.url}/")
        with pytest.raises(TransportError) as caught:
            client.add_trust_policy("abcdefghij", circleci=pb.TrustPolicy.CircleCI(organization_uuid="o"))
        assert caught.value.ambiguous is True and caught.value.attempts == 1


def test_a_proxys_error_page_says_what_came_back(raw_server: Callable[..., RawServer]) -> None:
    server = raw_server(proxy_page)
    client = DepotClient(server.url, TOKEN, retry=RetryPolicy(max_attempts=1))
    with client, pytest.raises(TransportError) as caught:
        client.list_tokens("abcdefghij")
    message = caught.value.message
    assert message.startswith(f"HTTP 502 from {server.url}/depot.core.v1.ProjectService/ListTokens is not a Connect")
    assert "text/html body '<html><head><title>502 Bad Gateway</title>" in message
    assert caught.value.ambiguous is True and caught.value.code is Code.UNAVAILABLE


def test_nothing_listening_is_certain(raw_server: Callable[..., RawServer]) -> None:
    server = raw_server(silent)
    url = server.url
    server.shutdown()
    server.server_close()  # the port is now closed: connection refused
    sleeps = Sleeps()
    client = DepotClient(url, TOKEN, retry=RetryPolicy(max_attempts=2), sleep=sleeps)
    with client, pytest.raises(TransportError) as caught:
        client.create_token("abcdefghij", "ci")
    assert caught.value.ambiguous is False and caught.value.attempts == 2
    assert caught.value.message.startswith(f"could not connect to {url}/")
