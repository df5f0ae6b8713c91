"""Where the client connects, with which token, and how it refuses bad settings."""

from __future__ import annotations

import pickle
from typing import Any

import pytest
from client_fakes import BASE_URL, TOKEN, ScriptedServer, json_reply, make_client
from pulumi_depot_provider.client.client import DEFAULT_BASE_URL, DepotClient, RetryPolicy
from pulumi_depot_provider.client.config import is_loopback
from pulumi_depot_provider.client.errors import ConfigurationError
from pulumi_depot_provider.config import DepotSettings, new_client
from pulumi_depot_provider.proto import pb


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DEPOT_API_URL", raising=False)
    monkeypatch.delenv("DEPOT_TOKEN", raising=False)
    monkeypatch.delenv("DEPOT_ALLOW_INSECURE_HTTP", raising=False)


def test_arguments_win_over_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DEPOT_API_URL", "http://127.0.0.1:9")
    monkeypatch.setenv("DEPOT_TOKEN", "env-token")
    server = ScriptedServer(default=lambda request: json_reply(pb.GetProjectResponse()))
    with make_client(server) as client:
        assert client.base_url == BASE_URL
        client.get_project("p")
    assert server.requests[0].headers["authorization"] == f"Bearer {TOKEN}"


def test_environment_used_when_arguments_absent(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DEPOT_API_URL", "http://127.0.0.1:8787/")
    monkeypatch.setenv("DEPOT_TOKEN", "env-token")
    with DepotClient() as client:
        assert client.base_url == "http://127.0.0.1:8787"


def test_default_base_url_is_depots(monkeypatch: pytest.MonkeyPatch) -> None:
    with DepotClient(token="t") as client:
        assert client.base_url == DEFAULT_BASE_URL == "https://api.depot.dev"


def test_base_url_may_carry_a_path_prefix() -> None:
    with DepotClient("https://proxy.example/depot/", "t") as client:
        assert client.base_url == "https://proxy.example/depot"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("ftp://api.depot.dev", "must start with http:// or https://"),
        ("api.depot.dev", "must start with http:// or https://"),
        ("http://", "has no host"),
        ("https://api.depot.dev/?x=1", "must not have a query"),
        ("   ", "is empty"),
        ("http://[::1", "not a valid URL"),
    ],
)
def test_bad_base_url_is_a_clear_error(url: str, expected: str) -> None:
    with pytest.raises(ConfigurationError, match="base_url") as caught:
        DepotClient(url, "t")
    assert expected in str(caught.value)


def test_bad_base_url_from_environment_names_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DEPOT_API_URL", "localhost:8787")
    with pytest.raises(ConfigurationError, match="DEPOT_API_URL"):
        DepotClient(token="t")


def test_credentials_in_base_url_are_refused_without_echoing_them() -> None:
    with pytest.raises(ConfigurationError, match="must not contain credentials") as caught:
        DepotClient("https://user:hunter2@api.depot.dev", "t")
    assert "hunter2" not in str(caught.value)


@pytest.mark.parametrize(
    ("url", "loopback"),
    [
        ("http://127.0.0.1:8787", True),
        ("http://127.8.0.1", True),
        ("http://localhost:8787", True),
        ("http://[::1]:8787", True),
        ("https://api.depot.dev", False),
        ("http://10.0.0.1:8787", False),
    ],
)
def test_loopback_detection(url: str, loopback: bool) -> None:
    assert is_loopback(url) is loopback


def test_missing_token_says_how_to_set_it() -> None:
    with pytest.raises(ConfigurationError) as caught:
        DepotClient("http://127.0.0.1:8787")
    assert "DEPOT_TOKEN" in str(caught.value)
    assert "depot:token" in str(caught.value)


@pytest.mark.parametrize("token", ["", "  \n"])
def test_empty_token_is_refused(token: str) -> None:
    with pytest.raises(ConfigurationError, match="empty"):
        DepotClient("http://127.0.0.1:8787", token)


def test_malformed_token_is_refused_without_echoing_it() -> None:
    with pytest.raises(ConfigurationError, match="printable ASCII") as caught:
        DepotClient("http://127.0.0.1:8787", "secret part\x00two")
    assert "secret" not in str(caught.value)


def test_token_is_not_in_repr_or_str() -> None:
    with DepotClient("http://127.0.0.1:8787", TOKEN) as client:
        assert TOKEN not in repr(client)
        assert TOKEN not in str(client)
        assert TOKEN not in repr(vars(client))


def test_client_refuses_pickling_with_a_reason() -> None:
    with DepotClient("http://127.0.0.1:8787", TOKEN) as client, pytest.raises(TypeError, match="holds the Depot token"):
        pickle.dumps(client)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"max_attempts": 0}, "max_attempts"),
        ({"max_attempts": 2.5}, "max_attempts"),
        ({"initial_backoff": -1}, "initial_backoff"),
        ({"max_backoff": float("nan")}, "max_backoff"),
        ({"total_timeout": 0}, "total_timeout"),
        ({"max_retry_after": "5"}, "max_retry_after"),
    ],
)
def test_retry_policy_validates_each_field(kwargs: dict[str, Any], field: str) -> None:
    with pytest.raises(ConfigurationError, match=f"RetryPolicy.{field}"):
        RetryPolicy(**kwargs)


@pytest.mark.parametrize(
    ("kwargs", "field"), [({"codec": "xml"}, "codec"), ({"codec": ["json"]}, "codec"), ({"timeout": 0}, "timeout")]
)
def test_client_options_are_validated(kwargs: dict[str, Any], field: str) -> None:
    with pytest.raises(ConfigurationError, match=field):
        DepotClient("http://127.0.0.1:8787", "t", **kwargs)


def test_add_trust_policy_needs_exactly_one_provider() -> None:
    server = ScriptedServer()
    with make_client(server) as client:
        with pytest.raises(ValueError, match="exactly one of buildkite=, circleci=, github="):
            client.add_trust_policy("p")
        with pytest.raises(ValueError, match=r"\['github', 'circleci'\]"):
            client.add_trust_policy(
                "p", github=pb.TrustPolicy.GitHub(), circleci=pb.TrustPolicy.CircleCI(organization_uuid="o")
            )
        with pytest.raises(ValueError, match=r"\['no_such_kind'\]"):  # the kinds are the request's oneof members
            client.add_trust_policy("p", no_such_kind=pb.TrustPolicy.GitHub(repository_owner="o"))
    assert server.requests == []


@pytest.mark.parametrize("page_size", [0, -3, True])
def test_page_size_must_be_positive(page_size: int) -> None:
    server = ScriptedServer()
    with make_client(server) as client, pytest.raises(ValueError, match="page_size"):
        client.list_projects(page_size=page_size)
    assert server.requests == []


# Cleartext http:// is for loopback only: the token is sent with every call.


@pytest.mark.parametrize(
    "url", ["http://10.0.0.1:8787", "http://depot.internal", "http://api.depot.dev", "http://[2001:db8::1]:8787"]
)
def test_http_to_a_host_that_is_not_loopback_is_refused(url: str) -> None:
    with pytest.raises(ConfigurationError) as caught:
        DepotClient(url, "t")
    message = str(caught.value)
    assert url in message and "cleartext" in message
    assert "https://" in message and "allow_insecure_http=True" in message and "DEPOT_ALLOW_INSECURE_HTTP=1" in message


def test_http_refusal_names_the_environment_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DEPOT_API_URL", "http://10.0.0.1:8787")
    with pytest.raises(ConfigurationError, match="DEPOT_API_URL"):
        DepotClient(token="t")


@pytest.mark.parametrize(
    "url", ["http://127.0.0.1:8787", "http://127.8.0.1", "http://localhost:8787", "http://[::1]:8787"]
)
def test_http_to_loopback_stays_allowed(url: str) -> None:
    with DepotClient(url, "t") as client:
        assert client.base_url == url


def test_insecure_http_can_be_allowed_explicitly(monkeypatch: pytest.MonkeyPatch) -> None:
    with DepotClient("http://10.0.0.1:8787", "t", allow_insecure_http=True) as client:
        assert client.base_url == "http://10.0.0.1:8787"
    monkeypatch.setenv("DEPOT_ALLOW_INSECURE_HTTP", "1")
    with DepotClient("http://10.0.0.1:8787", "t") as client:
        assert client.base_url == "http://10.0.0.1:8787"
    with pytest.raises(ConfigurationError, match="cleartext"):  # the argument wins over the environment
        DepotClient("http://10.0.0.1:8787", "t", allow_insecure_http=False)


@pytest.mark.parametrize(("value", "allowed"), [("0", False), ("", False), ("true", True), ("yes", True)])
def test_insecure_http_environment_values(monkeypatch: pytest.MonkeyPatch, value: str, allowed: bool) -> None:
    monkeypatch.setenv("DEPOT_ALLOW_INSECURE_HTTP", value)
    if allowed:
        DepotClient("http://10.0.0.1:8787", "t").close()
    else:
        with pytest.raises(ConfigurationError, match="cleartext"):
            DepotClient("http://10.0.0.1:8787", "t")


def test_unreadable_insecure_http_setting_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DEPOT_ALLOW_INSECURE_HTTP", "perhaps")
    with pytest.raises(ConfigurationError, match="DEPOT_ALLOW_INSECURE_HTTP") as caught:
        DepotClient("http://10.0.0.1:8787", "t")
    assert "'perhaps'" in str(caught.value)


def test_provider_settings_refuse_cleartext_unless_allowed() -> None:
    with pytest.raises(ConfigurationError) as caught:
        DepotSettings.resolve({"depot:apiUrl": "http://depot.internal:8787", "depot:token": "t"}, environ={})
    assert "depot:apiUrl" in str(caught.value) and "depot:allowInsecureHttp" in str(caught.value)
    for config, environ in [
        ({"depot:allowInsecureHttp": "true"}, {}),
        ({"depot:allowInsecureHttp": True}, {}),
        ({}, {"DEPOT_ALLOW_INSECURE_HTTP": "1"}),
    ]:
        settings = DepotSettings.resolve(
            {"depot:apiUrl": "http://depot.internal:8787", "depot:token": "t", **config}, environ
        )
        assert settings.allow_insecure_http and settings.api_url == "http://depot.internal:8787"
        assert new_client(settings).base_url == "http://depot.internal:8787"
    with pytest.raises(ConfigurationError, match="depot:allowInsecureHttp"):
        DepotSettings.resolve({"depot:allowInsecureHttp": "sometimes"}, environ={})
