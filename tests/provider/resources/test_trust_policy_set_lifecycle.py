"""depot:TrustPolicySet through the real dynamic provider host against the local Depot API: adoption, drift at
preview and refresh, removal of what is not declared, changes limited to the difference, check failures."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from dynamic_host import UNKNOWN, DynamicProviderHost, HostError
from engine_steps import CheckFailed, EngineResource, assert_one_line_error
from pulumi_depot_provider.proto import pb
from pulumi_depot_provider.resources.trust_policy_set import TrustPolicySetProvider

TRUST_POLICY_SET = "pulumi-python:dynamic/depot:TrustPolicySet"
API = {"github": {"repository_owner": "acme", "repository": "api"}}
DEPLOY = {"buildkite": {"organization_slug": "acme", "pipeline_slug": "deploy"}}
NIGHTLY_KEY = "circleci:0b3c9a61-3f2e-4d1c-8a7b-5e6f7a8b9c0d/9f2e0b1c-2d3e-4f5a-8b6c-7d8e9f0a1b2c"
NIGHTLY = {
    "circleci": {
        "organization_uuid": "0b3c9a61-3f2e-4d1c-8a7b-5e6f7a8b9c0d",
        "project_uuid": "9f2e0b1c-2d3e-4f5a-8b6c-7d8e9f0a1b2c",
    }
}
MESSAGES = {
    "github": pb.TrustPolicy.GitHub,
    "buildkite": pb.TrustPolicy.Buildkite,
    "circleci": pb.TrustPolicy.CircleCI,
}


def trust_set(host: DynamicProviderHost, name: str = "trust") -> EngineResource:
    return EngineResource(host, TrustPolicySetProvider(), TRUST_POLICY_SET, name)


def add(client: Any, project_id: str, entry: dict[str, dict[str, str]]) -> str:
    ((kind, fields),) = entry.items()
    policy_id: str = client.add_trust_policy(project_id, **{kind: MESSAGES[kind](**fields)}).trust_policy_id
    return policy_id


def live(client: Any, project_id: str) -> dict[str, str]:
    """policy key -> id of what Depot holds."""
    found = {}
    for policy in client.list_trust_policies(project_id):
        kind = policy.WhichOneof("provider")
        first, second = (getattr(getattr(policy, kind), f.name) for f in getattr(policy, kind).DESCRIPTOR.fields)
        found[f"{kind}:{first}/{second}"] = policy.trust_policy_id
    return found


@pytest.fixture
def project_id(depot: Any) -> str:
    return str(depot.client().create_project("api", "us-east-1").project_id)


def test_create_adopts_matches_adds_missing_and_removes_the_rest(
    host: DynamicProviderHost, depot: Any, project_id: str
) -> None:
    client = depot.client()
    api_id = add(client, project_id, API)
    stray_id = add(client, project_id, {"github": {"repository_owner": "evil", "repository": "x"}})
    trust = trust_set(host)

    assert trust.up({"project_id": project_id, "policies": [DEPLOY, API]}) == "create"

    now = live(client, project_id)
    assert set(now) == {"github:acme/api", "buildkite:acme/deploy"}
    assert now["github:acme/api"] == api_id  # adopted, not re-created
    assert trust.outputs["policy_ids"] == now
    assert trust.outputs["changes"] == [
        f"+ buildkite:acme/deploy (id {now['buildkite:acme/deploy']}): added",
        f"= github:acme/api (id {api_id}): adopted",
        f"- github:evil/x (id {stray_id}): removed, not declared",
    ]
    assert trust.outputs["granted"] == {
        "buildkite:acme/deploy": "Buildkite pipeline acme/deploy",
        "github:acme/api": "GitHub repository acme/api",
    }
    assert trust.outputs["policies"] == [DEPLOY, API]  # sorted by key
    assert trust.up({"project_id": project_id, "policies": [API, DEPLOY]}) == "same"  # order does not matter


def test_adopting_a_project_whose_policies_match_changes_nothing(
    host: DynamicProviderHost, depot: Any, project_id: str
) -> None:
    client = depot.client()
    before = {add(client, project_id, entry) for entry in (API, DEPLOY, NIGHTLY)}
    trust = trust_set(host)

    assert trust.up({"project_id": project_id, "policies": [NIGHTLY, API, DEPLOY]}) == "create"

    assert set(live(client, project_id).values()) == before
    assert [line.split(" ")[0] for line in trust.outputs["changes"]] == ["=", "=", "="]
    assert trust.diff({"project_id": project_id, "policies": [API, DEPLOY, NIGHTLY]}).changes == "none"


def test_a_hand_added_policy_shows_at_preview_and_refresh_and_the_next_up_removes_it(
    host: DynamicProviderHost, depot: Any, project_id: str
) -> None:
    client = depot.client()
    trust = trust_set(host)
    declared = {"project_id": project_id, "policies": [API]}
    trust.up(declared)
    api_id = live(client, project_id)["github:acme/api"]
    hand_id = add(client, project_id, {"github": {"repository_owner": "evil", "repository": "x"}})

    # Preview, without a refresh: diff reads Depot and names the policy it would remove.
    assert trust.diff(declared, preview=True).changes == "some"
    assert f"- github:evil/x (id {hand_id}): remove, not declared" in host.output()

    refreshed = trust.refresh()
    assert refreshed.outs["drift"] == [f"+ github:evil/x (id {hand_id}): added outside Pulumi; the next up removes it"]
    assert refreshed.inputs is not None and sorted(refreshed.inputs["granted"]) == ["github:acme/api", "github:evil/x"]

    assert trust.up(declared) == "update"
    assert live(client, project_id) == {"github:acme/api": api_id}  # only the stray one went
    assert trust.outputs["changes"] == [f"- github:evil/x (id {hand_id}): removed, not declared"]
    assert trust.up(declared) == "same"


def test_a_policy_removed_by_hand_is_drift_and_is_added_again(
    host: DynamicProviderHost, depot: Any, project_id: str
) -> None:
    client = depot.client()
    trust = trust_set(host)
    declared = {"project_id": project_id, "policies": [API, DEPLOY]}
    trust.up(declared)
    client.remove_trust_policy(project_id, live(client, project_id)["github:acme/api"])

    assert trust.refresh().outs["drift"] == ["- github:acme/api: removed outside Pulumi; the next up adds it again"]
    assert trust.up(declared) == "update"
    assert sorted(live(client, project_id)) == ["buildkite:acme/deploy", "github:acme/api"]


def test_changing_the_list_adds_and_removes_only_the_difference(
    host: DynamicProviderHost, depot: Any, project_id: str
) -> None:
    client = depot.client()
    trust = trust_set(host)
    trust.up({"project_id": project_id, "policies": [API, DEPLOY]})
    kept_id = live(client, project_id)["buildkite:acme/deploy"]
    removed_id = live(client, project_id)["github:acme/api"]

    assert trust.up({"project_id": project_id, "policies": [DEPLOY, NIGHTLY]}) == "update"

    now = live(client, project_id)
    assert now["buildkite:acme/deploy"] == kept_id
    assert trust.outputs["changes"] == [
        f"+ {NIGHTLY_KEY} (id {now[NIGHTLY_KEY]}): added",
        f"- github:acme/api (id {removed_id}): removed, not declared",
    ]
    assert set(now) == {"buildkite:acme/deploy", NIGHTLY_KEY}

    assert trust.up({"project_id": project_id, "policies": []}) == "update"
    assert live(client, project_id) == {}


def test_duplicates_fail_check_even_while_the_project_id_is_unknown(host: DynamicProviderHost, project_id: str) -> None:
    trust = trust_set(host)
    for given in (project_id, UNKNOWN):
        result = trust.check({"project_id": given, "policies": [API, DEPLOY, API]}, preview=given is UNKNOWN)
        assert [(f.property, f.reason) for f in result.failures] == [
            (
                "",
                "policies[2]: github:acme/api is declared twice (policies[0] and policies[2], compared "
                "case-insensitively); a set holds each policy once: remove one",
            )
        ]


def test_entries_with_no_or_two_providers_fail_check_at_their_index(host: DynamicProviderHost, project_id: str) -> None:
    result = trust_set(host).check({"project_id": project_id, "policies": [API, {}, {**API, **DEPLOY}, {"gitlab": {}}]})
    assert sorted(f.reason.split(":")[0] for f in result.failures) == [
        "policies[1].github",
        "policies[2].buildkite",
        "policies[3].gitlab",
    ]


def test_changing_the_project_replaces_the_set(host: DynamicProviderHost, depot: Any, project_id: str) -> None:
    client = depot.client()
    other = client.create_project("web", "us-east-1").project_id
    trust = trust_set(host)
    trust.up({"project_id": project_id, "policies": [API]})

    assert trust.diff({"project_id": other, "policies": [API]}).replaces == ["project_id"]
    assert trust.up({"project_id": other, "policies": [API]}) == "replace"
    assert live(client, project_id) == {}
    assert list(live(client, other)) == ["github:acme/api"]


def test_delete_removes_its_policies_and_a_deleted_project_reads_as_gone(
    host: DynamicProviderHost, depot: Any, project_id: str
) -> None:
    client = depot.client()
    trust = trust_set(host)
    trust.up({"project_id": project_id, "policies": [API, DEPLOY]})
    trust.destroy()
    assert live(client, project_id) == {}

    trust.up({"project_id": project_id, "policies": [API]})
    outputs, set_id = dict(trust.outputs), trust.id
    client.delete_project(project_id)
    assert trust.refresh().id == ""
    host.delete(trust.urn, set_id, outputs)  # the project went first: deleting succeeds


def test_a_missing_project_fails_create_in_one_line(host: DynamicProviderHost, depot: Any) -> None:
    with pytest.raises(HostError) as failure:
        trust_set(host).up({"project_id": "nosuchproj", "policies": [API]})
    assert_one_line_error(failure.value, depot.token, "depot:TrustPolicySet of project nosuchproj: create failed")


# --- the depot:allowedTrust guardrail --------------------------------------------------------------------------

CLEAN_ENV = {"DEPOT_TOKEN": "", "DEPOT_API_URL": ""}


@pytest.fixture
def guarded_host(depot: Any) -> Any:
    hosts: list[DynamicProviderHost] = []

    def start(allowed: str | None) -> DynamicProviderHost:
        host = DynamicProviderHost(env=CLEAN_ENV)
        hosts.append(host)
        host.start()
        config = {"depot:token": depot.token, "depot:apiUrl": depot.url}
        if allowed is not None:
            config["depot:allowedTrust"] = allowed
        host.configure(config, secret_keys={"depot:token"})
        return host

    yield start
    for host in hosts:
        host.close()


def test_policies_outside_the_allowlist_fail_check_naming_policy_and_allowlist(
    guarded_host: Callable[[str | None], DynamicProviderHost], project_id: str
) -> None:
    host = guarded_host('{"github": ["Acme", "acme-labs"], "circleci": ["0B3C9A61-3F2E-4D1C-8A7B-5E6F7A8B9C0D"]}')
    evil = {"github": {"repository_owner": "evil", "repository": "x"}}
    result = trust_set(host).check({"project_id": project_id, "policies": [API, evil, DEPLOY, NIGHTLY]})
    # Property "": the engine would print the input's raw value; the reason names the path.
    assert [(f.property, f.reason) for f in result.failures if "is not allowed" in f.reason] == [
        (
            "",
            "policies[1].github.repository_owner: trust policy github:evil/x is not allowed: depot:allowedTrust "
            "allows GitHub owners Acme, acme-labs; add 'evil' to the 'github' list of depot:allowedTrust if this "
            "grant is intended",
        ),
        (
            "",
            "policies[2].buildkite.organization_slug: trust policy buildkite:acme/deploy is not allowed: "
            "depot:allowedTrust allows no Buildkite organizations; add 'acme' to the 'buildkite' list of "
            "depot:allowedTrust if this grant is intended",
        ),
    ]
    with pytest.raises(CheckFailed):
        trust_set(host).up({"project_id": project_id, "policies": [evil]})


def test_the_guardrail_applies_to_plain_trust_policies_and_skips_unknowns(
    guarded_host: Callable[[str | None], DynamicProviderHost], project_id: str
) -> None:
    from pulumi_depot_provider.resources.trust_policy import TrustPolicyProvider

    host = guarded_host('{"github": ["acme"]}')
    policy = EngineResource(host, TrustPolicyProvider(), "pulumi-python:dynamic/depot:TrustPolicy", "gh")
    outside = policy.check({"project_id": project_id, "github": {"repository_owner": "evil", "repository": "x"}})
    assert [f.property for f in outside.failures] == [""]
    assert "github.repository_owner: trust policy github:evil/x is not allowed" in outside.failures[0].reason

    unknown_owner = {"github": {"repository_owner": UNKNOWN, "repository": "x"}}
    assert policy.check({"project_id": UNKNOWN, **unknown_owner}, preview=True).failures == []
    assert trust_set(host).check({"project_id": project_id, "policies": [API]}).failures == []


@pytest.mark.parametrize(
    ("allowed", "problem"),
    [
        ("github: [acme]", "depot:allowedTrust is not valid JSON"),
        ('["acme"]', "depot:allowedTrust[0]: give {kind: github, buildkite or circleci, names: [...]}"),
        ('{"gitlab": ["acme"]}', "depot:allowedTrust: unknown key 'gitlab'"),
        ('{"github": "acme"}', "depot:allowedTrust: github:"),
        ('{"github": [""]}', "depot:allowedTrust: github.0:"),
    ],
)
def test_a_malformed_allowlist_fails_check_naming_the_setting_and_its_shape(
    guarded_host: Callable[[str | None], DynamicProviderHost], project_id: str, allowed: str, problem: str
) -> None:
    result = trust_set(guarded_host(allowed)).check({"project_id": project_id, "policies": [API]})
    assert len(result.failures) == 1
    reason = result.failures[0].reason
    assert problem in reason and 'a JSON object such as {"github": ["<repository owner>", ...]' in reason


def test_no_allowlist_means_no_restriction(
    guarded_host: Callable[[str | None], DynamicProviderHost], project_id: str
) -> None:
    evil = {"github": {"repository_owner": "evil", "repository": "x"}}
    assert trust_set(guarded_host(None)).check({"project_id": project_id, "policies": [evil]}).failures == []


def test_a_hand_added_copy_of_a_declared_policy_is_drift_and_the_held_one_stays(
    host: DynamicProviderHost, depot: Any, project_id: str
) -> None:
    client = depot.client()
    trust = trust_set(host)
    declared = {"project_id": project_id, "policies": [API]}
    trust.up(declared)
    held = trust.outputs["policy_ids"]["github:acme/api"]
    copy_id = add(client, project_id, API)

    assert trust.refresh().outs["drift"] == ["+ github:acme/api: 2 copies; the next up removes 1"]
    assert trust.up(declared) == "update"
    assert [p.trust_policy_id for p in client.list_trust_policies(project_id)] == [held]
    assert trust.outputs["changes"] == [f"- github:acme/api (id {copy_id}): removed, not declared"]


@pytest.mark.parametrize(
    ("fault", "add_calls"),
    [("commit_then_unavailable_next", 2), ("unavailable_next", 3)],  # committed: found, not sent again
)
def test_an_ambiguous_add_leaves_exactly_one_policy_per_key(
    start_depot_server: Callable[..., Any], start_host: Callable[..., DynamicProviderHost], fault: str, add_calls: int
) -> None:
    server = start_depot_server()
    client = server.client()
    project_id = client.create_project("api", "us-east-1").project_id
    server.reset_stats()
    server.set_faults(**{fault: {"AddTrustPolicy": 1}})

    trust = trust_set(start_host(server))
    assert trust.up({"project_id": project_id, "policies": [API, DEPLOY]}) == "create"

    assert sorted(live(client, project_id)) == ["buildkite:acme/deploy", "github:acme/api"]
    assert len(client.list_trust_policies(project_id)) == 2
    assert trust.outputs["policy_ids"] == live(client, project_id)
    assert server.stats()["AddTrustPolicy"]["calls"] == add_calls
