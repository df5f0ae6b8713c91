"""What goes into users' state (`__provider`) and what users read when something fails."""

from __future__ import annotations

import base64
import json
import pickle
from collections.abc import Callable
from pathlib import Path
from typing import Any

import dill
import pytest
from dynamic_host import PROVIDER_KEY, DynamicProviderHost, HostError, Secret, provider_input
from engine_steps import EngineResource, assert_one_line_error
from pulumi.dynamic import Config, ConfigureRequest, ResourceProvider
from pulumi_depot_provider import dynamic as dynamic_front
from pulumi_depot_provider.dynamic import provider_class
from pulumi_depot_provider.resources.project import ProjectProvider
from pulumi_depot_provider.resources.project_token import ProjectTokenProvider
from pulumi_depot_provider.resources.registry import RESOURCES, Registered
from pulumi_depot_provider.resources.trust_policy import TrustPolicyProvider

PROJECT = "pulumi-python:dynamic/depot:Project"
ACME = '{"github": ["acme"]}'
# Import paths are part of users' Pulumi state: changing one breaks existing stacks.
STABLE_PATHS: list[tuple[ResourceProvider, str, str]] = [
    (ProjectProvider(), "pulumi_depot_provider.resources.project", "ProjectProvider"),
    (TrustPolicyProvider(), "pulumi_depot_provider.resources.trust_policy", "TrustPolicyProvider"),
    (ProjectTokenProvider(), "pulumi_depot_provider.resources.project_token", "ProjectTokenProvider"),
]


@pytest.mark.parametrize(("provider", "module", "name"), STABLE_PATHS, ids=[p[2] for p in STABLE_PATHS])
def test_provider_pickles_by_reference_under_200_bytes(provider: ResourceProvider, module: str, name: str) -> None:
    serialized = provider_input(provider)
    assert isinstance(serialized, str)  # nothing secret in it: stored plain, a third of a secret's bytes
    assert len(serialized) < 200
    pickled = base64.b64decode(serialized)
    assert module.encode() in pickled and name.encode() in pickled
    assert b"co_code" not in pickled and b"DepotClient" not in pickled


def test_a_trust_provider_pickle_is_a_secret_when_the_stack_keeps_its_allowlist_secret(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(dynamic_front, "is_config_secret", lambda key: key == "depot:allowedTrust")
    assert isinstance(provider_input(TrustPolicyProvider()), Secret)
    assert isinstance(provider_input(ProjectProvider()), str)  # carries no allowlist
    monkeypatch.setattr(dynamic_front, "is_config_secret", lambda key: False)
    assert isinstance(provider_input(TrustPolicyProvider()), str)


def test_provider_in_state_holds_no_token_or_config(host: DynamicProviderHost, depot: Any) -> None:
    api = EngineResource(host, ProjectProvider(), PROJECT, "api")
    api.up({"name": "api", "region": "us-east-1"})
    stored_value = api.outputs[PROVIDER_KEY]
    assert stored_value == provider_input(ProjectProvider())  # configure() changed nothing that is pickled
    pickled = base64.b64decode(stored_value)
    assert depot.token.encode() not in pickled and depot.url.encode() not in pickled
    assert all(depot.token not in str(value) for value in api.outputs.values())


def test_a_rejected_token_is_one_line_without_the_token(
    depot: Any, start_host: Callable[..., DynamicProviderHost]
) -> None:
    class WrongToken:
        url, token, org_id = depot.url, "depot_org_not_a_real_token_5f3a9c", depot.org_id

    host = start_host(WrongToken)
    with pytest.raises(HostError) as failure:
        EngineResource(host, ProjectProvider(), PROJECT, "api").up({"name": "api", "region": "us-east-1"})
    assert_one_line_error(failure.value, WrongToken.token, "depot:Project 'api': create failed", "unauthenticated")


def test_unreadable_state_is_one_line(host: DynamicProviderHost, depot: Any) -> None:
    api = EngineResource(host, ProjectProvider(), PROJECT, "api")
    with pytest.raises(HostError) as failure:
        host.read(api.urn, "7f76t7vghb", api.news({"name": "api"}))
    assert_one_line_error(
        failure.value, depot.token, "depot:Project (id 7f76t7vghb): read failed", "state cannot be read"
    )


def test_a_failure_naming_what_depot_holds_is_escaped(
    depot: Any, host: DynamicProviderHost, start_host: Callable[..., DynamicProviderHost]
) -> None:
    # Depot accepts names pulumi-depot's inputs refuse: one renamed outside Pulumi reaches the state by refresh,
    # and a failure names it (issue 22: control, bidi and invisible characters never reach the terminal).
    api = EngineResource(host, ProjectProvider(), PROJECT, "api")
    api.up({"name": "api", "region": "us-east-1"})
    depot.client().update_project(api.id, name="api\u3164\x1b[2J\u202e")
    api.refresh()
    assert api.outputs["name"] == "api\u3164\x1b[2J\u202e"

    class WrongToken:
        url, token, org_id = depot.url, "depot_org_not_a_real_token_5f3a9c", depot.org_id

    with pytest.raises(HostError) as failure:
        start_host(WrongToken).read(api.urn, api.id, api.news(api.outputs))
    details = assert_one_line_error(failure.value, WrongToken.token, "read failed", "unauthenticated")
    assert "depot:Project 'api\\u3164\\x1b[2J\\u202e'" in details, details
    assert not any(character in details for character in "\u3164\x1b\u202e"), ascii(details)


STORED_BY_E77F6E2 = Path(__file__).parent / "data" / "stored_providers_e77f6e2.json"


@pytest.mark.parametrize("entry", RESOURCES, ids=[entry.stored.rsplit(".", 1)[1] for entry in RESOURCES])
def test_a_provider_pickled_by_the_previous_code_loads_and_works(entry: Registered) -> None:
    """Every provider class in users' state, pickled by e77f6e2 (before the core split; how: the fixture's
    `made_by`), unpickles as the dynamic front end's class at the same path with the same attributes, pickles back
    to the same bytes, and serves check once configured."""
    encoded = json.loads(STORED_BY_E77F6E2.read_text(encoding="utf-8"))["pickles"][entry.stored.rsplit(".", 1)[1]]
    loaded = dill.loads(base64.b64decode(encoded))
    assert type(loaded) is provider_class(entry)
    assert f"{type(loaded).__module__}.{type(loaded).__qualname__}" == entry.stored
    owner = f"proj/dev/{entry.core.type_token}//x"
    if entry.core.carries_stack_allowed_trust:
        assert loaded.__dict__ == {"owner": owner, "stack_allowed_trust": ACME}
    else:
        assert loaded.__dict__ == {"owner": owner}
        assert base64.b64encode(dill.dumps(loaded, protocol=pickle.DEFAULT_PROTOCOL, recurse=True)).decode() == encoded
    loaded.configure(ConfigureRequest(Config({"depot:token": "t"}, "proj")))
    failures = loaded.check({}, {"__provider": encoded}).failures  # no inputs: the required ones are named
    assert all(failure.property == "" for failure in failures)
    assert any("is required" in failure.reason for failure in failures)
    if entry.core.carries_stack_allowed_trust:  # the captured allowlist still applies
        declared = {"project_id": "p1", "github": {"repository_owner": "evil", "repository": "app"}}
        if entry.core.type_token.endswith("Set"):
            declared = {"project_id": "p1", "policies": [{"github": declared["github"]}]}
        assert any("is not allowed" in failure.reason for failure in loaded.check({}, declared).failures)
