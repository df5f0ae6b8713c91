"""Retries: which failures, how often, how long apart, and never an ambiguous non-idempotent call."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from client_fakes import (
    TOKEN,
    FakeClock,
    ScriptedServer,
    UpperBoundRandom,
    connect_error,
    json_reply,
    make_client,
)
from pulumi_depot_provider.client.client import DepotClient, RetryPolicy
from pulumi_depot_provider.client.errors import (
    DeadlineExceeded,
    DepotError,
    InvalidArgument,
    NotFound,
    ResourceExhausted,
    TransportError,
    Unavailable,
)
from pulumi_depot_provider.proto import pb

PROJECT = pb.Project(project_id="abcdefghij", name="web")
GET_OK = json_reply(pb.GetProjectResponse(project=PROJECT))
CREATE_OK = json_reply(pb.CreateProjectResponse(project=PROJECT))
UNAVAILABLE = connect_error("unavailable", "try later", status=503)


def get(client: DepotClient) -> Any:
    return client.get_project("abcdefghij")


def create(client: DepotClient) -> Any:
    return client.create_project("web", "us-east-1")


def test_unavailable_is_retried_until_success() -> None:
    clock = FakeClock()
    server = ScriptedServer(script=[UNAVAILABLE, UNAVAILABLE, GET_OK])
    with make_client(server, clock=clock) as client:
        assert get(client) == PROJECT
    assert len(server.requests) == 3
    assert len(clock.sleeps) == 2


def test_backoff_doubles_up_to_its_cap() -> None:
    clock = FakeClock()
    policy = RetryPolicy(max_attempts=7, initial_backoff=0.5, max_backoff=3.0, total_timeout=600)
    server = ScriptedServer(script=[UNAVAILABLE] * 7)
    client = make_client(server, clock=clock, retry=policy, rng=UpperBoundRandom())
    with client, pytest.raises(Unavailable) as caught:
        get(client)
    assert clock.sleeps == [0.5, 1.0, 2.0, 3.0, 3.0, 3.0]
    assert caught.value.attempts == 7
    assert len(server.requests) == 7


def test_backoff_is_full_jitter_below_the_ceiling() -> None:
    clock = FakeClock()
    policy = RetryPolicy(max_attempts=40, initial_backoff=1.0, max_backoff=1.0, total_timeout=10_000)
    server = ScriptedServer(script=[UNAVAILABLE] * 40)
    with make_client(server, clock=clock, retry=policy) as client, pytest.raises(Unavailable):
        get(client)
    assert len(clock.sleeps) == 39
    assert all(0 <= delay <= 1.0 for delay in clock.sleeps)
    assert len(set(clock.sleeps)) == 39  # drawn, not fixed
    assert min(clock.sleeps) < 0.5 < max(clock.sleeps)


def test_attempts_are_bounded_by_total_time() -> None:
    clock = FakeClock()
    policy = RetryPolicy(max_attempts=100, initial_backoff=2.0, max_backoff=2.0, total_timeout=7.0)
    server = ScriptedServer(script=[UNAVAILABLE] * 100)
    client = make_client(server, clock=clock, retry=policy, rng=UpperBoundRandom())
    with client, pytest.raises(Unavailable) as caught:
        get(client)
    # Sleeps of 2 s at t=0, 2, 4; the one that would end at t=8 is past the 7 s deadline, so the call gives up.
    assert clock.sleeps == [2.0, 2.0, 2.0]
    assert caught.value.attempts == 4
    assert clock.now - 1000.0 <= 7.0


def test_retry_after_is_honoured() -> None:
    clock = FakeClock()
    server = ScriptedServer(
        script=[connect_error("resource_exhausted", "slow down", status=429, **{"Retry-After": "3"}), GET_OK]
    )
    with make_client(server, clock=clock) as client:
        assert get(client) == PROJECT
    assert clock.sleeps == [3.0]


def test_retry_after_is_capped() -> None:
    clock = FakeClock()
    policy = RetryPolicy(max_retry_after=5.0)
    server = ScriptedServer(script=[connect_error("unavailable", status=503, **{"Retry-After": "3600"}), GET_OK])
    with make_client(server, clock=clock, retry=policy) as client:
        get(client)
    assert clock.sleeps == [5.0]


def test_retry_after_beyond_the_deadline_gives_up_at_once() -> None:
    clock = FakeClock()
    policy = RetryPolicy(total_timeout=10.0, max_retry_after=60.0)
    reply = connect_error("resource_exhausted", "quota", status=429, **{"Retry-After": "30"})
    server = ScriptedServer(script=[reply])
    with make_client(server, clock=clock, retry=policy) as client, pytest.raises(ResourceExhausted) as caught:
        get(client)
    assert clock.sleeps == []
    assert caught.value.retry_after == 30.0


@pytest.mark.parametrize("value", ["soon", "Wed, 21 Oct 2015 07:28:00 GMT", "-1", "nan"])
def test_unusable_retry_after_falls_back_to_backoff(value: str) -> None:
    clock = FakeClock()
    server = ScriptedServer(script=[connect_error("unavailable", status=503, **{"Retry-After": value}), GET_OK])
    with make_client(server, clock=clock, rng=UpperBoundRandom()) as client:
        get(client)
    assert clock.sleeps == [RetryPolicy().initial_backoff]


@pytest.mark.parametrize(
    "failure",
    [
        httpx.ConnectError("refused"),
        httpx.ConnectTimeout("timed out"),
        httpx.ReadTimeout("timed out"),
        httpx.RemoteProtocolError("Server disconnected"),
        httpx.Response(502, html="<h1>Bad Gateway</h1>"),
        httpx.Response(429, text="rate limited"),
    ],
    ids=["refused", "connect-timeout", "read-timeout", "dropped", "proxy-502", "proxy-429"],
)
def test_transport_failures_are_retried_for_idempotent_calls(failure: httpx.Response | Exception) -> None:
    server = ScriptedServer(script=[failure, GET_OK])
    with make_client(server) as client:
        assert get(client) == PROJECT
    assert len(server.requests) == 2


@pytest.mark.parametrize(
    "reply",
    [
        connect_error("invalid_argument", status=400),
        connect_error("not_found", status=404),
        connect_error("permission_denied", status=403),
        connect_error("unauthenticated", status=401),
        connect_error("already_exists", status=409),
        connect_error("failed_precondition", status=400),
        connect_error("internal", status=500),
        connect_error("deadline_exceeded", status=504),
        httpx.Response(404, text="no such page"),
        httpx.Response(500, text="crash"),
        httpx.Response(200, text="not json"),
    ],
    ids=lambda reply: f"{reply.status_code}-{reply.content[:24]!r}",
)
def test_other_failures_are_never_retried(reply: httpx.Response) -> None:
    clock = FakeClock()
    server = ScriptedServer(script=[reply])
    with make_client(server, clock=clock) as client, pytest.raises(DepotError) as caught:
        get(client)
    assert len(server.requests) == 1
    assert clock.sleeps == []
    assert caught.value.attempts == 1


@pytest.mark.parametrize(
    ("method", "call", "ok"),
    [
        ("CreateProject", create, CREATE_OK),
        (
            "AddTrustPolicy",
            lambda c: c.add_trust_policy("p", github=pb.TrustPolicy.GitHub(repository="r")),
            json_reply(pb.AddTrustPolicyResponse()),
        ),
        ("CreateToken", lambda c: c.create_token("p", "ci"), json_reply(pb.CreateTokenResponse(token_id="k"))),
    ],
)
@pytest.mark.parametrize(
    ("failure", "error_type"),
    [
        (UNAVAILABLE, Unavailable),
        (httpx.ReadTimeout("timed out"), TransportError),
        (httpx.RemoteProtocolError("Server disconnected"), TransportError),
        (httpx.Response(502, html="<h1>Bad Gateway</h1>"), TransportError),
    ],
    ids=["unavailable", "read-timeout", "dropped", "proxy-502"],
)
def test_non_idempotent_calls_raise_ambiguous_failures_at_once(
    method: str,
    call: Callable[[DepotClient], Any],
    ok: httpx.Response,
    failure: httpx.Response | Exception,
    error_type: type[DepotError],
) -> None:
    clock = FakeClock()
    server = ScriptedServer(script=[failure, ok])
    with make_client(server, clock=clock) as client, pytest.raises(error_type) as caught:
        call(client)
    assert caught.value.ambiguous is True
    assert caught.value.method == method
    assert caught.value.attempts == 1
    assert len(server.requests) == 1
    assert clock.sleeps == []


@pytest.mark.parametrize(
    "failure",
    [
        httpx.ConnectError("refused"),
        httpx.ConnectTimeout("timed out"),
        connect_error("resource_exhausted", "rate limited", status=429),
    ],
    ids=["refused", "connect-timeout", "429"],
)
def test_non_idempotent_calls_retry_certain_failures(failure: httpx.Response | Exception) -> None:
    server = ScriptedServer(script=[failure, failure, CREATE_OK])
    with make_client(server) as client:
        assert create(client) == PROJECT
    assert len(server.requests) == 3


def test_idempotent_call_reports_the_last_ambiguous_failure() -> None:
    server = ScriptedServer(script=[httpx.ConnectError("refused")] * 2 + [httpx.ReadTimeout("slow")] * 3)
    with make_client(server) as client, pytest.raises(TransportError) as caught:
        client.delete_project("abcdefghij")
    assert caught.value.ambiguous is True
    assert caught.value.attempts == 5
    assert "no answer from" in caught.value.message


def test_deadline_exceeded_from_server_is_typed() -> None:
    server = ScriptedServer(script=[connect_error("deadline_exceeded", status=504)])
    with make_client(server) as client, pytest.raises(DeadlineExceeded) as caught:
        get(client)
    assert caught.value.ambiguous is True


def test_retries_are_logged_without_the_token(caplog: pytest.LogCaptureFixture) -> None:
    server = ScriptedServer(script=[connect_error("unavailable", f"bad {TOKEN}", status=503), GET_OK])
    with caplog.at_level(logging.DEBUG), make_client(server) as client:
        get(client)
    retries = [r for r in caplog.records if r.name == "pulumi_depot_provider.client"]
    assert len(retries) == 1
    assert "GetProject failed (unavailable, attempt 1); retrying in" in retries[0].getMessage()
    assert all(TOKEN not in record.getMessage() for record in caplog.records)


def test_not_found_is_not_retried_even_with_retry_after() -> None:
    server = ScriptedServer(script=[connect_error("not_found", status=404, **{"Retry-After": "1"})])
    with make_client(server) as client, pytest.raises(NotFound):
        get(client)
    assert len(server.requests) == 1


def test_invalid_argument_is_certain() -> None:
    server = ScriptedServer(script=[connect_error("invalid_argument", "name: must not be empty", status=400)])
    with make_client(server) as client, pytest.raises(InvalidArgument) as caught:
        create(client)
    assert caught.value.ambiguous is False
    assert str(caught.value) == "CreateProject: invalid_argument: name: must not be empty"
