"""depot:TrustPolicy through the real dynamic provider host against the local Depot API."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from dynamic_host import DynamicProviderHost, HostError
from engine_steps import EngineResource, assert_one_line_error
from pulumi_depot_provider.proto import pb
from pulumi_depot_provider.resources.trust_policy import TrustPolicyProvider

TRUST_POLICY = "pulumi-python:dynamic/depot:TrustPolicy"
GITHUB = {"repository_owner": "acme", "repository": "api"}


def trust_policy(host: DynamicProviderHost, name: str = "gh") -> EngineResource:
    return EngineResource(host, TrustPolicyProvider(), TRUST_POLICY, name)


def policies(client: Any, project_id: str) -> dict[str, tuple[str | None, dict[str, str]]]:
    found = {}
    for policy in client.list_trust_policies(project_id):
        kind = policy.WhichOneof("provider")
        message = getattr(policy, kind)
        found[policy.trust_policy_id] = (kind, {f.name: getattr(message, f.name) for f in message.DESCRIPTOR.fields})
    return found


@pytest.mark.parametrize(
    ("kind", "fields"),
    [
        ("github", GITHUB),
        ("buildkite", {"organization_slug": "acme", "pipeline_slug": "deploy"}),
        (
            "circleci",
            {
                "organization_uuid": "0b3c9a61-3f2e-4d1c-8a7b-5e6f7a8b9c0d",
                "project_uuid": "9f2e0b1c-2d3e-4f5a-8b6c-7d8e9f0a1b2c",
            },
        ),
    ],
)
def test_each_provider_creates_reads_and_deletes(
    host: DynamicProviderHost, depot: Any, kind: str, fields: dict[str, str]
) -> None:
    client = depot.client()
    project_id = client.create_project("api", "us-east-1").project_id
    policy = trust_policy(host)

    assert policy.up({"project_id": project_id, kind: fields}) == "create"
    assert policies(client, project_id) == {policy.id: (kind, fields)}
    assert policy.outputs[kind] == fields
    assert policy.up({kind: fields, "project_id": project_id}) == "same"
    assert policy.refresh().outs[kind] == fields

    policy.destroy()
    assert policies(client, project_id) == {}


def test_create_noop_replacements_drift_recreate_import_delete(host: DynamicProviderHost, depot: Any) -> None:
    client = depot.client()
    project_id = client.create_project("api", "us-east-1").project_id
    other_project_id = client.create_project("web", "us-east-1").project_id
    gh = trust_policy(host)
    inputs: dict[str, Any] = {"project_id": project_id, "github": GITHUB}

    assert gh.up(inputs) == "create"
    first_id = gh.id
    assert gh.diff(inputs).changes == "none"
    assert gh.up(inputs) == "same"

    # Depot has no update: every change replaces, and the diff says which property forces it.
    assert gh.diff({**inputs, "github": {**GITHUB, "repository": "web"}}).replaces == ["github"]
    switched = {"project_id": project_id, "buildkite": {"organization_slug": "acme", "pipeline_slug": "deploy"}}
    assert sorted(gh.diff(switched).replaces) == ["buildkite", "github"]
    assert gh.diff({**inputs, "project_id": other_project_id}).replaces == ["project_id"]

    inputs = {**inputs, "github": {**GITHUB, "repository": "web"}}
    assert gh.up(inputs) == "replace"
    assert gh.id != first_id
    assert policies(client, project_id) == {gh.id: ("github", {"repository_owner": "acme", "repository": "web"})}

    inputs = {**inputs, "project_id": other_project_id}
    assert gh.up(inputs) == "replace"
    assert policies(client, project_id) == {}
    assert list(policies(client, other_project_id)) == [gh.id]

    # Removed by hand: refresh says gone, the next up adds it again.
    client.remove_trust_policy(other_project_id, gh.id)
    assert gh.refresh().id == ""
    assert gh.up(inputs) == "create"
    assert list(policies(client, other_project_id)) == [gh.id]

    last_id, last_outputs = gh.id, dict(gh.outputs)
    gh.destroy()
    assert policies(client, other_project_id) == {}
    host.delete(gh.urn, last_id, last_outputs)  # already gone: success


def test_import_adopts_the_policy_by_id(
    host: DynamicProviderHost, depot: Any, start_host: Callable[..., DynamicProviderHost]
) -> None:
    client = depot.client()
    project_id = client.create_project("api", "us-east-1").project_id
    existing = client.add_trust_policy(project_id, github=pb.TrustPolicy.GitHub(**GITHUB))
    adopted = trust_policy(host)
    inputs = {"project_id": project_id, "github": GITHUB, "import_id": existing.trust_policy_id}

    assert adopted.up(inputs) == "create"
    assert adopted.id == existing.trust_policy_id
    assert list(policies(client, project_id)) == [existing.trust_policy_id]
    assert adopted.up(inputs) == "same"
    # Every `pulumi up` runs its own provider host: what this one adopted, a later deployment may delete.
    adopted.host = start_host(depot)

    # A replacement while import_id is declared would adopt the policy again and then delete it: refused.
    changed = {**inputs, "github": {**GITHUB, "repository": "web"}}
    with pytest.raises(HostError) as refused:
        adopted.up(changed)
    assert_one_line_error(
        refused.value,
        depot.token,
        f"depot:TrustPolicy github acme/api in project {project_id} (id {existing.trust_policy_id}): "
        "replace refused: github changed",
        "remove import_id — it only matters at creation — then run up again",
    )
    assert list(policies(client, project_id)) == [existing.trust_policy_id]

    # Without import_id (no change by itself), the replacement creates a new policy and removes the adopted one.
    changed.pop("import_id")
    assert adopted.up({**changed, "github": GITHUB}) == "same"
    assert adopted.up(changed) == "replace"
    assert adopted.id != existing.trust_policy_id
    assert policies(client, project_id) == {adopted.id: ("github", {"repository_owner": "acme", "repository": "web"})}
    adopted.destroy()
    assert policies(client, project_id) == {}


def test_import_refuses_a_policy_that_differs_or_is_missing(host: DynamicProviderHost, depot: Any) -> None:
    client = depot.client()
    project_id = client.create_project("api", "us-east-1").project_id
    existing = client.add_trust_policy(
        project_id, github=pb.TrustPolicy.GitHub(repository_owner="acme", repository="old")
    )
    adopted = trust_policy(host)

    with pytest.raises(HostError) as differs:
        adopted.up({"project_id": project_id, "github": GITHUB, "import_id": existing.trust_policy_id})
    assert_one_line_error(differs.value, depot.token, "is github acme/old, not the declared github acme/api")
    with pytest.raises(HostError) as missing:
        adopted.up({"project_id": project_id, "github": GITHUB, "import_id": "nosuchpolicy"})
    assert_one_line_error(
        missing.value, depot.token, "depot:TrustPolicy github acme/api", "no trust policy with this id"
    )
    assert list(policies(client, project_id)) == [existing.trust_policy_id]


def test_a_missing_project_reads_as_gone_and_deletes_cleanly(host: DynamicProviderHost, depot: Any) -> None:
    client = depot.client()
    project_id = client.create_project("api", "us-east-1").project_id
    gh = trust_policy(host)
    gh.up({"project_id": project_id, "github": GITHUB})
    outputs, policy_id = dict(gh.outputs), gh.id

    client.delete_project(project_id)  # the project went first (out of band, or declared and deleted first)
    host.delete(gh.urn, policy_id, outputs)
    assert gh.refresh().id == ""


def test_adding_to_a_missing_project_names_policy_operation_and_code(host: DynamicProviderHost, depot: Any) -> None:
    with pytest.raises(HostError) as failure:
        trust_policy(host).up({"project_id": "nosuchproj", "github": GITHUB})
    assert_one_line_error(
        failure.value,
        depot.token,
        "depot:TrustPolicy github acme/api in project nosuchproj: create failed",
        "not_found",
    )


def test_a_policy_differing_only_in_letter_case_is_the_same_grant(host: DynamicProviderHost, depot: Any) -> None:
    """GitHub names and CircleCI UUIDs ignore case, so ACME/API already grants acme/api: a second policy would keep
    granting after the first is revoked. Create refuses it, naming the existing one; adoption needs the exact
    letters (the live values become the state)."""
    client = depot.client()
    project_id = client.create_project("api", "us-east-1").project_id
    upper = client.add_trust_policy(project_id, github=pb.TrustPolicy.GitHub(repository_owner="ACME", repository="API"))
    circleci = {
        "organization_uuid": "0b3c9a61-3f2e-4d1c-8a7b-5e6f7a8b9c0d",
        "project_uuid": "9f2e0b1c-2d3e-4f5a-8b6c-7d8e9f0a1b2c",
    }
    upper_ci = client.add_trust_policy(
        project_id, circleci=pb.TrustPolicy.CircleCI(**{k: v.upper() for k, v in circleci.items()})
    )

    with pytest.raises(HostError) as refused:
        trust_policy(host, "lower").up({"project_id": project_id, "github": GITHUB})
    assert_one_line_error(
        refused.value, depot.token, f"trust policy {upper.trust_policy_id} is already github acme/api"
    )
    assert "case-insensitively" in refused.value.details
    with pytest.raises(HostError) as refused_ci:
        trust_policy(host, "ci").up({"project_id": project_id, "circleci": circleci})
    assert f"trust policy {upper_ci.trust_policy_id} is already circleci" in refused_ci.value.details
    with pytest.raises(HostError) as adopt:
        trust_policy(host, "adopt").up({"project_id": project_id, "github": GITHUB, "import_id": upper.trust_policy_id})
    assert "is github ACME/API, not the declared github acme/api" in adopt.value.details
    assert sorted(policies(client, project_id)) == sorted([upper.trust_policy_id, upper_ci.trust_policy_id])
