"""The client against the real local Depot API (`depot-local serve` on loopback): every method in both codecs
over HTTP/1.1 and h2c, the error paths, retries through injected faults, and ambiguous failures."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from pulumi_depot_provider.client.client import DepotClient, RetryPolicy
from pulumi_depot_provider.client.errors import (
    DeadlineExceeded,
    DepotError,
    InvalidArgument,
    NotFound,
    PermissionDenied,
    TransportError,
    Unauthenticated,
    Unavailable,
)
from pulumi_depot_provider.client.wire import GZIP_MIN_BYTES
from pulumi_depot_provider.proto import pb

GIB = 1024**3
VARIANTS = [
    pytest.param({"codec": codec, "http2": http2}, id=f"{codec}-{'h2c' if http2 else 'http1'}")
    for codec in ("json", "proto")
    for http2 in (False, True)
]


class Sleeps(list[float]):
    """Records backoff instead of waiting: the server answers at once, so real waits would only slow tests."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


@pytest.fixture(params=VARIANTS)
def variant(request: pytest.FixtureRequest) -> dict[str, Any]:
    return dict(request.param)


@pytest.fixture
def client(depot: Any, variant: dict[str, Any]) -> Iterator[DepotClient]:
    with depot.client(**variant) as made:
        yield made


def http_versions(caplog: pytest.LogCaptureFixture) -> set[str]:
    """The HTTP versions httpx reports in its per-request log lines ("HTTP Request: POST ... "HTTP/2 200 OK"")."""
    return {
        match["version"]
        for record in caplog.records
        if record.name == "httpx" and (match := re.search(r'"(?P<version>HTTP/[\d.]+) \d+', record.getMessage()))
    }


def test_every_method(
    client: DepotClient, depot: Any, variant: dict[str, Any], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="httpx")
    assert depot.org_id in [org.org_id for org in client.list_organizations()]
    assert client.list_projects() == []

    created = client.create_project(
        "web", "eu-central-1", cache_policy=pb.CachePolicy(keep_gb=20, keep_days=7), hardware=pb.HARDWARE_8X16
    )
    assert re.fullmatch(r"[a-z0-9]{10}", created.project_id)
    assert (created.organization_id, created.name, created.region_id) == (depot.org_id, "web", "eu-central-1")
    assert created.created_at.seconds > 0
    assert (created.cache_policy.keep_gb, created.cache_policy.keep_days) == (20, 7)
    assert created.cache_policy.keep_bytes == 20 * GIB
    assert created.hardware == pb.HARDWARE_8X16
    project_id = created.project_id
    assert client.get_project(project_id) == created

    updated = client.update_project(project_id, name="api")
    assert updated.name == "api"
    assert (updated.region_id, updated.cache_policy, updated.hardware) == (
        created.region_id,
        created.cache_policy,
        created.hardware,
    )
    assert client.list_projects() == [updated]
    assert client.list_projects(region_id="us-east-1") == []

    github = client.add_trust_policy(
        project_id, github=pb.TrustPolicy.GitHub(repository_owner="acme", repository="web")
    )
    buildkite = client.add_trust_policy(
        project_id, buildkite=pb.TrustPolicy.Buildkite(organization_slug="acme", pipeline_slug="deploy")
    )
    circleci = client.add_trust_policy(
        project_id, circleci=pb.TrustPolicy.CircleCI(organization_uuid="o-uuid", project_uuid="p-uuid")
    )
    assert github.github.repository == "web" and buildkite.buildkite.pipeline_slug == "deploy"
    assert circleci.circleci.project_uuid == "p-uuid"
    assert sorted(p.trust_policy_id for p in client.list_trust_policies(project_id)) == sorted(
        p.trust_policy_id for p in (github, buildkite, circleci)
    )
    client.remove_trust_policy(project_id, buildkite.trust_policy_id)
    assert [p.WhichOneof("provider") for p in client.list_trust_policies(project_id)] == ["github", "circleci"]

    token = client.create_token(project_id, "ci")
    assert token.token_id and token.secret
    assert client.list_tokens(project_id) == [pb.ListTokensResponse.Token(token_id=token.token_id, description="ci")]
    with DepotClient(depot.url, token.secret, **variant) as project_client:
        assert project_client.get_project(project_id).name == "api"
    client.update_token(token.token_id, "deploys")
    assert [t.description for t in client.list_tokens(project_id)] == ["deploys"]
    client.delete_token(token.token_id)
    assert client.list_tokens(project_id) == []

    client.reset_project(project_id)
    assert client.get_project(project_id).name == "api"
    client.delete_project(project_id)
    with pytest.raises(NotFound):
        client.get_project(project_id)
    assert client.list_projects() == []

    assert http_versions(caplog) == {"HTTP/2" if variant["http2"] else "HTTP/1.1"}


def test_list_projects_pages_through_everything(client: DepotClient) -> None:
    created = {client.create_project(f"p{n}", "us-east-1").project_id for n in range(5)}
    assert {p.project_id for p in client.list_projects(page_size=2)} == created
    assert len(client.list_projects(page_size=2)) == 5
    assert {p.project_id for p in client.list_projects()} == created


def test_gzipped_request_reaches_the_server(client: DepotClient) -> None:
    # Gzipped on the wire (long enough); the server can only name the length if it inflated the body.
    name = "x" * (GZIP_MIN_BYTES * 2)
    with pytest.raises(InvalidArgument, match=f"name is {len(name)} characters"):
        client.create_project(name, "us-east-1")


def certain(error: DepotError) -> DepotError:
    assert error.ambiguous is False
    assert error.attempts == 1
    return error


@pytest.mark.parametrize(
    "call",
    [
        lambda c: c.get_project("zzzzzzzzzz"),
        lambda c: c.update_project("zzzzzzzzzz", name="x"),
        lambda c: c.delete_project("zzzzzzzzzz"),
        lambda c: c.reset_project("zzzzzzzzzz"),
        lambda c: c.list_trust_policies("zzzzzzzzzz"),
        lambda c: c.delete_token("zzzzzzzzzz"),
        lambda c: c.update_token("zzzzzzzzzz", "x"),
    ],
    ids=["get", "update", "delete", "reset", "list-trust", "delete-token", "update-token"],
)
def test_not_found(client: DepotClient, call: Callable[[DepotClient], Any]) -> None:
    with pytest.raises(NotFound) as caught:
        call(client)
    certain(caught.value)


def test_removing_a_missing_trust_policy_is_not_found(client: DepotClient) -> None:
    project_id = client.create_project("web", "us-east-1").project_id
    with pytest.raises(NotFound) as caught:
        client.remove_trust_policy(project_id, "missing")
    certain(caught.value)


@pytest.mark.parametrize(
    ("call", "field"),
    [
        (lambda c: c.create_project("", "us-east-1"), "name"),
        (lambda c: c.create_project("web", "mars-1"), "region_id"),
        (lambda c: c.create_project("web", "us-east-1", cache_policy=pb.CachePolicy(keep_gb=-1)), "keep_gb"),
        (lambda c: c.create_project("web", "us-east-1", hardware=99), "hardware"),
        (lambda c: c.list_projects(region_id="mars-1"), "region_id"),
    ],
    ids=["empty-name", "region", "negative-cache", "hardware", "list-region"],
)
def test_invalid_argument_names_the_field(client: DepotClient, call: Callable[[DepotClient], Any], field: str) -> None:
    with pytest.raises(InvalidArgument, match=field) as caught:
        call(client)
    certain(caught.value)


def test_invalid_trust_policy(client: DepotClient) -> None:
    project_id = client.create_project("web", "us-east-1").project_id
    with pytest.raises(InvalidArgument, match="repository") as caught:
        client.add_trust_policy(project_id, github=pb.TrustPolicy.GitHub(repository_owner="acme"))
    certain(caught.value)


def test_unknown_token_is_unauthenticated(depot: Any, variant: dict[str, Any]) -> None:
    with DepotClient(depot.url, "depot_org_not_a_real_token", **variant) as stranger:
        with pytest.raises(Unauthenticated) as caught:
            stranger.list_projects()
        certain(caught.value)
        assert "depot_org_not_a_real_token" not in str(caught.value)


def test_project_token_may_not_manage_projects(client: DepotClient, depot: Any, variant: dict[str, Any]) -> None:
    project_id = client.create_project("web", "us-east-1").project_id
    other_id = client.create_project("other", "us-east-1").project_id
    secret = client.create_token(project_id, "build").secret
    with DepotClient(depot.url, secret, **variant) as scoped:
        calls: list[Callable[[], object]] = [
            lambda: scoped.list_projects(),
            lambda: scoped.create_project("sneaky", "us-east-1"),
            lambda: scoped.create_token(project_id, "more"),
            lambda: scoped.delete_project(project_id),
            lambda: scoped.get_project(other_id),
        ]
        for call in calls:
            with pytest.raises(PermissionDenied) as caught:
                call()
            certain(caught.value)
            assert secret not in str(caught.value) and secret not in repr(caught.value)


def test_another_organizations_project_is_not_found(client: DepotClient, depot: Any, variant: dict[str, Any]) -> None:
    project_id = client.create_project("web", "us-east-1").project_id
    with depot.server.create_org("neighbour").client(**variant) as neighbour:
        with pytest.raises(NotFound):
            neighbour.get_project(project_id)
        assert neighbour.list_projects() == []


def test_proxy_settings_never_divert_loopback_calls(depot: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "all_proxy"):
        monkeypatch.setenv(name, "http://127.0.0.1:9")  # nothing listens there: a diverted call would fail
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    with depot.client() as client:
        assert client.list_projects() == []


def test_token_never_reaches_any_log(client: DepotClient, depot: Any, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)  # httpx, httpcore, h2 and hpack at their most verbose
    project_id = client.create_project("web", "us-east-1").project_id
    client.get_project(project_id)
    with pytest.raises(NotFound):
        client.get_project("zzzzzzzzzz")
    messages = [record.getMessage() for record in caplog.records]
    assert any("ProjectService/GetProject" in message for message in messages)
    assert not [message for message in messages if depot.token in message]


# --- faults, on a dedicated server -------------------------------------------------------------------------------


@pytest.fixture
def faulty(start_depot_server: Callable[..., Any]) -> Any:
    return start_depot_server()


@pytest.mark.parametrize("variant", VARIANTS)
def test_unavailable_before_doing_is_retried(faulty: Any, variant: dict[str, Any]) -> None:
    sleeps = Sleeps()
    with faulty.client(sleep=sleeps, **variant) as client:
        project_id = client.create_project("web", "us-east-1").project_id
        faulty.reset_stats()
        faulty.set_faults(unavailable_next={"GetProject": 2, "UpdateProject": 1})
        assert client.get_project(project_id).name == "web"
        assert client.update_project(project_id, name="api").name == "api"
    assert len(sleeps) == 3
    stats = faulty.stats()
    assert stats["GetProject"]["calls"] == 3 and stats["GetProject"]["injected"] == {"unavailable": 2}
    assert stats["UpdateProject"]["calls"] == 2 and stats["UpdateProject"]["injected"] == {"unavailable": 1}


def test_retries_stop_at_max_attempts(faulty: Any) -> None:
    sleeps = Sleeps()
    with faulty.client(sleep=sleeps, retry=RetryPolicy(max_attempts=3)) as client:
        faulty.set_faults(unavailable_next={"ListProjects": 10})
        with pytest.raises(Unavailable) as caught:
            client.list_projects()
    assert caught.value.attempts == 3 and len(sleeps) == 2
    assert faulty.stats()["ListProjects"]["calls"] == 3


def test_create_project_unavailable_is_ambiguous_and_not_retried(faulty: Any) -> None:
    sleeps = Sleeps()
    with faulty.client(sleep=sleeps) as client:
        faulty.set_faults(unavailable_next={"CreateProject": 1})
        with pytest.raises(Unavailable) as caught:
            client.create_project("web", "us-east-1")
        assert caught.value.ambiguous is True and caught.value.attempts == 1
        assert client.list_projects() == []  # this time the server had done nothing; the client cannot know
    assert sleeps == []
    assert faulty.stats()["CreateProject"]["calls"] == 1


@pytest.mark.parametrize("variant", VARIANTS)
def test_commit_then_unavailable_is_reported_ambiguous(faulty: Any, variant: dict[str, Any]) -> None:
    sleeps = Sleeps()
    with faulty.client(sleep=sleeps, **variant) as client:
        faulty.set_faults(commit_then_unavailable_next={"CreateProject": 1, "CreateToken": 1})
        with pytest.raises(Unavailable) as caught:
            client.create_project("web", "us-east-1")
        assert caught.value.ambiguous is True and caught.value.attempts == 1
        (committed,) = client.list_projects()  # exactly one: the client did not retry into a duplicate
        assert committed.name == "web"
        with pytest.raises(Unavailable) as caught:
            client.create_token(committed.project_id, "ci")
        assert caught.value.ambiguous is True
        assert len(client.list_tokens(committed.project_id)) == 1
    assert sleeps == []


def test_server_gone_is_certain_and_retried(faulty: Any) -> None:
    sleeps = Sleeps()
    client = faulty.client(sleep=sleeps, retry=RetryPolicy(max_attempts=3))
    faulty.stop()
    with client, pytest.raises(TransportError) as caught:
        client.create_project("web", "us-east-1")
    assert caught.value.ambiguous is False
    assert caught.value.attempts == 3 and len(sleeps) == 2
    assert f"could not connect to {faulty.url}/depot.core.v1.ProjectService/CreateProject" in caught.value.message


def test_slow_server_answers_deadline_exceeded(faulty: Any) -> None:
    faulty.set_faults(latency_ms=5000, methods=["GetProject"])
    client = faulty.client(timeout=0.3, retry=RetryPolicy(max_attempts=1))
    with client, pytest.raises(DepotError) as caught:
        client.get_project("abcdefghij")
    # The server enforces Connect-Timeout-Ms (deadline_exceeded); if httpx's read timeout fires first it is a
    # TransportError with the same code. Either way nobody knows whether work was done.
    assert isinstance(caught.value, DeadlineExceeded | TransportError)
    assert caught.value.code.value == "deadline_exceeded"
    assert caught.value.ambiguous is True
