"""Check through the real host: each bad input fails naming its property, unknowns in preview never fail or crash,
and the provider's configuration (stack config, environment, missing token) behaves as documented."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from dynamic_host import UNKNOWN, DynamicProviderHost, HostError
from engine_steps import EngineResource, assert_one_line_error
from pulumi.dynamic import ResourceProvider
from pulumi_depot_provider.resources.project import ProjectProvider
from pulumi_depot_provider.resources.project_token import ProjectTokenProvider
from pulumi_depot_provider.resources.trust_policy import TrustPolicyProvider

PROJECT = "pulumi-python:dynamic/depot:Project"
TRUST_POLICY = "pulumi-python:dynamic/depot:TrustPolicy"
PROJECT_TOKEN = "pulumi-python:dynamic/depot:ProjectToken"
GIB = 1024**3
VALID_PROJECT = {"name": "api", "region": "us-east-1"}
GITHUB = {"repository_owner": "acme", "repository": "api"}
# Check never calls Depot: a host configured with this token and an unroutable URL is enough.
FAKE_TOKEN = "depot_org_fake_check_token"


@pytest.fixture(scope="module")
def check_host() -> Iterator[DynamicProviderHost]:
    with DynamicProviderHost(env={"DEPOT_TOKEN": "", "DEPOT_API_URL": ""}) as host:
        host.configure({"depot:token": FAKE_TOKEN, "depot:apiUrl": "http://127.0.0.1:9"}, secret_keys={"depot:token"})
        yield host


def resource(host: DynamicProviderHost, provider: ResourceProvider, type_: str) -> EngineResource:
    return EngineResource(host, provider, type_, "r")


BAD_INPUTS: list[tuple[ResourceProvider, str, dict[str, Any], str, str]] = [
    (ProjectProvider(), PROJECT, {"region": "us-east-1"}, "name", "is required"),
    (ProjectProvider(), PROJECT, {**VALID_PROJECT, "name": ""}, "name", "at least 1 character"),
    (ProjectProvider(), PROJECT, {**VALID_PROJECT, "name": "x" * 65}, "name", "is 65 characters long; at most 64"),
    (ProjectProvider(), PROJECT, {**VALID_PROJECT, "name": "   "}, "name", "must not be blank"),
    (ProjectProvider(), PROJECT, {"name": "api"}, "region", "is required"),
    (ProjectProvider(), PROJECT, {**VALID_PROJECT, "region": "mars-1"}, "region", "'us-east-1' or 'eu-central-1'"),
    (ProjectProvider(), PROJECT, {**VALID_PROJECT, "cache_policy": {"keep_gb": 0}}, "cache_policy.keep_gb", ">= 1"),
    (ProjectProvider(), PROJECT, {**VALID_PROJECT, "cache_policy": {"keep_days": -1}}, "cache_policy.keep_days", "0"),
    (ProjectProvider(), PROJECT, {**VALID_PROJECT, "cache_policy": {}}, "cache_policy.keep_gb", "set keep_gb"),
    (
        ProjectProvider(),
        PROJECT,
        {**VALID_PROJECT, "cache_policy": {"keep_bytes": GIB + 1}},
        "cache_policy.keep_bytes",
        "whole number of GB",
    ),
    (
        ProjectProvider(),
        PROJECT,
        {**VALID_PROJECT, "cache_policy": {"keep_gb": 10, "keep_bytes": 20 * GIB}},
        "cache_policy.keep_gb",
        "disagree",
    ),
    (ProjectProvider(), PROJECT, {**VALID_PROJECT, "cache_policy": {"keep_mb": 5}}, "cache_policy.keep_mb", "keep_gb"),
    (ProjectProvider(), PROJECT, {**VALID_PROJECT, "cache_policy": "big"}, "cache_policy", "dictionary"),
    (ProjectProvider(), PROJECT, {**VALID_PROJECT, "hardware": "HARDWARE_HUGE"}, "hardware", "'HARDWARE_32X64'"),
    (ProjectProvider(), PROJECT, {**VALID_PROJECT, "regoin": "x"}, "regoin", "allowed here: name, region"),
    (
        TrustPolicyProvider(),
        TRUST_POLICY,
        {"project_id": "p"},
        "github",
        "exactly one of github, buildkite or circleci",
    ),
    (
        TrustPolicyProvider(),
        TRUST_POLICY,
        {"project_id": "p", "github": GITHUB, "buildkite": {"organization_slug": "a", "pipeline_slug": "b"}},
        "buildkite",
        "exactly one provider",
    ),
    (TrustPolicyProvider(), TRUST_POLICY, {"github": GITHUB}, "project_id", "is required"),
    (
        TrustPolicyProvider(),
        TRUST_POLICY,
        {"project_id": "p", "github": {"repository_owner": "acme"}},
        "github.repository",
        "required",
    ),
    (
        TrustPolicyProvider(),
        TRUST_POLICY,
        {
            "project_id": "p",
            "circleci": {"organization_uuid": "0b6e1c53-2b5e-4f3a-9d57-1a1e3c6f7a01", "project_uuid": ""},
        },
        "circleci.project_uuid",
        "at least 1 character",
    ),
    (ProjectTokenProvider(), PROJECT_TOKEN, {"project_id": "p"}, "description", "required"),
    (ProjectTokenProvider(), PROJECT_TOKEN, {"project_id": "p", "description": "d" * 257}, "description", "256"),
    (ProjectTokenProvider(), PROJECT_TOKEN, {"description": "CI"}, "project_id", "required"),
]


@pytest.mark.parametrize(
    ("provider", "type_", "inputs", "prop", "reason"),
    BAD_INPUTS,
    ids=[f"{case[3]}-{i}" for i, case in enumerate(BAD_INPUTS)],
)
def test_each_bad_input_fails_naming_the_property(
    check_host: DynamicProviderHost,
    provider: ResourceProvider,
    type_: str,
    inputs: dict[str, Any],
    prop: str,
    reason: str,
) -> None:
    failures = resource(check_host, provider, type_).check(inputs).failures
    # The path leads the reason; the property itself is empty, so the engine never prints the value beside it.
    assert [(f.property, f.reason.split(": ", 1)[0]) for f in failures] == [("", prop)], failures
    assert reason.replace(">= 1", "greater than or equal to 1") in failures[0].reason


def test_valid_inputs_pass_and_come_back_normalised(check_host: DynamicProviderHost) -> None:
    checked = resource(check_host, ProjectProvider(), PROJECT).check(
        {**VALID_PROJECT, "cache_policy": {"keep_bytes": 3 * GIB, "keep_days": 0}}
    )
    assert checked.failures == []
    assert checked.inputs["cache_policy"] == {"keep_gb": 3, "keep_days": 0}


PREVIEW_UNKNOWNS: list[tuple[ResourceProvider, str, dict[str, Any]]] = [
    (ProjectProvider(), PROJECT, {"name": UNKNOWN, "region": "us-east-1"}),
    (ProjectProvider(), PROJECT, {**VALID_PROJECT, "cache_policy": UNKNOWN, "hardware": UNKNOWN}),
    (ProjectProvider(), PROJECT, {**VALID_PROJECT, "cache_policy": {"keep_gb": UNKNOWN}}),
    (TrustPolicyProvider(), TRUST_POLICY, {"project_id": UNKNOWN, "github": GITHUB}),
    (TrustPolicyProvider(), TRUST_POLICY, {"project_id": "p", "github": UNKNOWN}),
    (
        TrustPolicyProvider(),
        TRUST_POLICY,
        {"project_id": "p", "github": {"repository_owner": "acme", "repository": UNKNOWN}},
    ),
    (ProjectTokenProvider(), PROJECT_TOKEN, {"project_id": UNKNOWN, "description": UNKNOWN}),
]


@pytest.mark.parametrize(("provider", "type_", "inputs"), PREVIEW_UNKNOWNS)
def test_unknowns_in_preview_are_not_validated(
    check_host: DynamicProviderHost, provider: ResourceProvider, type_: str, inputs: dict[str, Any]
) -> None:
    checked = resource(check_host, provider, type_).check(inputs, preview=True)
    assert checked.failures == []
    for key, value in inputs.items():
        assert checked.inputs[key] == value


def test_known_mistakes_are_still_reported_next_to_unknowns(check_host: DynamicProviderHost) -> None:
    project = resource(check_host, ProjectProvider(), PROJECT)
    failures = project.check(
        {"name": UNKNOWN, "region": "mars-1", "cache_policy": {"keep_gb": UNKNOWN, "keep_days": -1}}, preview=True
    ).failures
    assert sorted(f.reason.split(":")[0] for f in failures) == ["cache_policy.keep_days", "region"]
    policy = resource(check_host, TrustPolicyProvider(), TRUST_POLICY)
    failures = policy.check({"project_id": UNKNOWN}, preview=True).failures
    assert [f.reason.split(":")[0] for f in failures] == ["github"]


def test_diff_in_preview_reports_unknown_inputs_as_changes(check_host: DynamicProviderHost) -> None:
    project = resource(check_host, ProjectProvider(), PROJECT)
    project.id = "7f76t7vghb"
    project.outputs = {
        "name": "api",
        "region": "us-east-1",
        "cache_policy": {"keep_gb": 50, "keep_days": 14, "keep_bytes": 50 * GIB},
        "hardware": "HARDWARE_UNSPECIFIED",
        "organization_id": "org",
        "created_at": "2024-01-01T00:00:00Z",
    }
    project.inputs = {**VALID_PROJECT}
    diff = project.diff({"name": UNKNOWN, "region": "us-east-1"}, preview=True)
    assert (diff.changes, diff.replaces) == ("some", [])
    diff = project.diff({**VALID_PROJECT, "organization_id": UNKNOWN}, preview=True)
    assert (diff.changes, diff.replaces) == ("some", ["organization_id"])

    policy = resource(check_host, TrustPolicyProvider(), TRUST_POLICY)
    policy.id, policy.inputs = "tp1", {"project_id": "p", "github": GITHUB}
    policy.outputs = dict(policy.inputs)
    diff = policy.diff({"project_id": UNKNOWN, "github": GITHUB}, preview=True)
    assert (diff.changes, diff.replaces) == ("some", ["project_id"])


def test_missing_token_fails_at_preview_saying_how_to_set_it(start_host: Callable[..., DynamicProviderHost]) -> None:
    host = start_host()  # no depot:token, no DEPOT_TOKEN
    project = resource(host, ProjectProvider(), PROJECT)
    failures = project.check(VALID_PROJECT, preview=True).failures
    assert len(failures) == 1 and failures[0].property == ""
    assert "pulumi config set --secret depot:token" in failures[0].reason and "DEPOT_TOKEN" in failures[0].reason
    with pytest.raises(HostError) as failure:
        host.create(project.urn, project.news(VALID_PROJECT))
    assert_one_line_error(failure.value, "unused", "depot:Project 'api': create failed: no Depot token")


def test_a_bad_api_url_fails_at_preview_naming_the_setting(start_host: Callable[..., DynamicProviderHost]) -> None:
    host = start_host(env={"DEPOT_TOKEN": "t", "DEPOT_API_URL": "api.depot.dev"})
    failures = resource(host, ProjectProvider(), PROJECT).check(VALID_PROJECT).failures
    assert [f.property for f in failures] == [""]
    assert "DEPOT_API_URL" in failures[0].reason and "http" in failures[0].reason


def test_environment_is_the_fallback_and_stack_config_wins(
    depot: Any, start_host: Callable[..., DynamicProviderHost]
) -> None:
    from_env = start_host(env={"DEPOT_TOKEN": depot.token, "DEPOT_API_URL": depot.url})
    project = resource(from_env, ProjectProvider(), PROJECT)
    assert project.up(VALID_PROJECT) == "create"

    class Config:
        url, token, org_id = depot.url, depot.token, depot.org_id

    # Stack config holds the working token; the environment's is wrong and must not be used.
    config_wins = start_host(Config, env={"DEPOT_TOKEN": "depot_org_wrong", "DEPOT_API_URL": "http://127.0.0.1:9"})
    other = resource(config_wins, ProjectProvider(), PROJECT)
    assert other.up({"name": "web", "region": "us-east-1"}) == "create"
    assert sorted(p.name for p in depot.client().list_projects()) == ["api", "web"]


def test_failures_never_repeat_a_string_input(check_host: DynamicProviderHost) -> None:
    pasted_token = "depot_project_" + "s3cr3t" * 50  # a secret pasted into the wrong input
    token = resource(check_host, ProjectTokenProvider(), PROJECT_TOKEN)
    failures = token.check({"project_id": "p", "description": pasted_token}).failures
    assert [(f.property, f.reason.split(":")[0]) for f in failures] == [("", "description")]
    assert "s3cr3t" not in failures[0].reason and "is 314 characters long; at most 256" in failures[0].reason
    numbers = resource(check_host, ProjectProvider(), PROJECT).check({**VALID_PROJECT, "cache_policy": {"keep_gb": 0}})
    assert numbers.failures[0].reason.endswith("(got 0)")
