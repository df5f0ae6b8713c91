"""The admin API: organizations and their tokens, stats, its errors, and its loopback-only rule."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator

import httpx
import pytest
from connect_rpc import ORGANIZATION_SERVICE, Rpc
from pulumi_depot_provider.proto import pb

from depot_local.admin import AdminApi
from depot_local.faults import FaultInjector
from depot_local.stats import Stats
from depot_local.store import Store


@pytest.fixture
def admin(depot) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=depot.admin_url, trust_env=False) as http:
        yield http


def organizations(url: str, token: str) -> list[tuple[str, str]]:
    with Rpc(url, token) as rpc:
        listed = rpc.call(
            "ListOrganizations",
            pb.ListOrganizationsRequest(),
            pb.ListOrganizationsResponse,
            service=ORGANIZATION_SERVICE,
        )
    return [(org.org_id, org.name) for org in listed.organizations]


def test_create_organization_returns_a_working_token(admin, depot):
    response = admin.post("/organizations", json={"name": "acme"})
    assert response.status_code == 201
    created = response.json()
    assert created["token"].startswith("depot_org_")
    assert organizations(depot.url, created["token"]) == [(created["org_id"], "acme")]
    listed = admin.get("/organizations").json()
    assert {"org_id": created["org_id"], "name": "acme"}.items() <= next(
        org for org in listed if org["org_id"] == created["org_id"]
    ).items()
    assert all("token" not in org for org in listed)


def test_seeded_tokens(admin, depot):
    seeded = "depot_org_seeded_" + depot.org_id
    created = admin.post("/organizations", json={"name": "seeded", "token": seeded}).json()
    assert created["token"] == seeded
    assert organizations(depot.url, seeded) == [(created["org_id"], "seeded")]
    orgs_before = admin.get("/organizations").json()
    again = admin.post("/organizations", json={"name": "dup", "token": seeded})
    assert again.status_code == 409 and "already registered" in again.json()["error"]
    assert admin.get("/organizations").json() == orgs_before  # no organization without a token left behind
    extra = admin.post(f"/organizations/{created['org_id']}/tokens", json={"description": "second key"})
    assert extra.status_code == 201
    assert organizations(depot.url, extra.json()["token"]) == [(created["org_id"], "seeded")]
    taken = admin.post(f"/organizations/{created['org_id']}/tokens", json={"token": seeded})
    assert taken.status_code == 409 and "already registered" in taken.json()["error"]
    missing = admin.post("/organizations/zzzzzzzzzz/tokens", json={})
    assert missing.status_code == 404 and "zzzzzzzzzz" in missing.json()["error"]


@pytest.mark.parametrize(
    ("method", "path", "body", "status", "words"),
    [
        ("GET", "/nope", None, 404, "no admin endpoint"),
        ("DELETE", "/organizations", None, 405, "takes GET or POST"),
        ("POST", "/organizations", b"{", 400, "invalid CreateOrganization"),
        ("POST", "/organizations", b'{"name": ""}', 400, "name"),
        ("POST", "/organizations", b'{"name": "x", "token": "has space"}', 400, "token"),
        ("POST", "/organizations", b'{"name": "x", "plan": "pro"}', 400, "plan"),
        ("PUT", "/faults", b"x" * (65 * 1024), 413, "at most"),
    ],
)
def test_admin_errors(admin, method, path, body, status, words):
    response = admin.request(method, path, content=body)
    assert response.status_code == status
    assert words in response.json()["error"]


def test_health(admin, depot):
    assert admin.get("/health").json() == {"status": "ok", "default_org_id": depot.server.org_id}


def test_stats_count_calls_per_method_and_reset(start_depot_server):
    server = start_depot_server()
    with Rpc(server.url, server.token) as rpc:
        rpc.post("ListProjects", {})
        rpc.post("GetProject", {"projectId": "x"})
        rpc.post("GetProject", {})
    assert server.stats() == {
        "GetProject": {"calls": 2, "results": {"not_found": 1, "invalid_argument": 1}, "injected": {}},
        "ListProjects": {"calls": 1, "results": {"ok": 1}, "injected": {}},
    }
    server.reset_stats()
    assert server.stats() == {}


def _call_admin(client: tuple[str, int] | None) -> tuple[int, dict]:
    """Drives the admin ASGI app in-process, as if the request came from `client`."""
    store = Store(":memory:")
    app = AdminApi(store, FaultInjector(), Stats(), store.default_org("x").org_id)
    sent: list[dict] = []

    async def receive() -> dict:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict) -> None:
        sent.append(message)

    scope = {"type": "http", "method": "GET", "path": "/_admin/health", "headers": [], "client": client}
    asyncio.run(app(scope, receive, send))
    store.close()
    return sent[0]["status"], json.loads(sent[1]["body"])


@pytest.mark.parametrize(
    ("client", "allowed"),
    [
        (("127.0.0.1", 5000), True),
        (("127.8.9.10", 5000), True),
        (("::1", 5000), True),
        (("::ffff:127.0.0.1", 5000), True),
        (("10.0.0.7", 5000), False),
        (("192.168.1.2", 5000), False),
        (("2001:db8::1", 5000), False),
        (("::ffff:10.0.0.7", 5000), False),
        (None, False),
        (("not-an-address", 1), False),
    ],
)
def test_admin_answers_only_loopback_clients(client, allowed):
    status, body = _call_admin(client)
    if allowed:
        assert (status, body["status"]) == (200, "ok")
    else:
        assert (status, body) == (403, {"error": "the admin API answers only loopback clients"})
