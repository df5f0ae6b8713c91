"""Pulumi programs using `import pulumi_depot as depot`, run on the engine harness's recording mock monitor."""

from __future__ import annotations

import base64
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pulumi
import pulumi_depot as depot
import pytest
from dynamic_host import (
    PROVIDER_KEY,
    UNKNOWN,
    DynamicProviderHost,
    RegisteredResource,
    Secret,
    mark_secret_outputs,
    run_program,
)
from pulumi_depot_provider.resources.create_journal import CreateJournal
from pulumi_depot_provider.resources.token_mark import plain

PROJECT = "pulumi-python:dynamic/depot:Project"
TRUST_POLICY = "pulumi-python:dynamic/depot:TrustPolicy"
PROJECT_TOKEN = "pulumi-python:dynamic/depot:ProjectToken"
GIB = 1024**3


def issue_example() -> None:
    """The program from the issue, word for word (plus an export of a resolved output type)."""
    api = depot.Project(
        "api",
        name="api",
        region="us-east-1",
        cache_policy=depot.CachePolicyArgs(keep_gb=50, keep_days=14),
        hardware="HARDWARE_32X64",
    )
    depot.TrustPolicy("gh", project_id=api.id, github=depot.GitHubTrustArgs(repository_owner="acme", repository="api"))
    depot.TrustPolicy(
        "bk", project_id=api.id, buildkite=depot.BuildkiteTrustArgs(organization_slug="acme", pipeline_slug="deploy")
    )
    depot.TrustPolicy(
        "cc",
        project_id=api.id,
        circleci=depot.CircleCITrustArgs(
            organization_uuid="1c7d8d3e-5b0a-4c55-9d3e-2f0a6b1e8c41",
            project_uuid="5f2a0b9c-8e7d-4a61-b3c2-0d9e8f7a6b51",
        ),
    )
    ci = depot.ProjectToken("ci", project_id=api.id, description="CI builds")
    pulumi.export("token", ci.secret)
    depot.Project("legacy", name="legacy", region="us-east-1", import_id="7f76t7vghb")
    pulumi.export("keep_gb", api.cache_policy.apply(lambda policy: (type(policy.keep_gb).__name__, policy.keep_gb)))


def fake_depot(record: RegisteredResource) -> tuple[str, Mapping[str, Any]]:
    """What the provider would answer, without a host: inputs plus Depot's computed outputs."""
    outputs = dict(record.inputs)
    if record.type == PROJECT:
        outputs.update(organization_id="org1", created_at="2024-01-01T00:00:00Z", hardware="HARDWARE_32X64")
        # Numbers travel as doubles on Pulumi's wire, as the real host sends them.
        outputs["cache_policy"] = {"keep_gb": 50.0, "keep_days": 14.0, "keep_bytes": float(50 * GIB)}
    if record.type == PROJECT_TOKEN:
        outputs["secret"] = "depot_project_secret"
    return f"{record.name}-id", outputs


def own_inputs(record: RegisteredResource) -> dict[str, Any]:
    return {key: value for key, value in record.inputs.items() if key != PROVIDER_KEY}


def test_types_inputs_dependencies_and_secret_outputs() -> None:
    run = run_program(issue_example, new_resource=fake_depot)

    assert {r.name: r.type for r in run.resources} == {
        "api": PROJECT,
        "gh": TRUST_POLICY,
        "bk": TRUST_POLICY,
        "cc": TRUST_POLICY,
        "ci": PROJECT_TOKEN,
        "legacy": PROJECT,
    }
    api, gh, bk, cc, ci, legacy = (run.get(name) for name in ("api", "gh", "bk", "cc", "ci", "legacy"))
    assert own_inputs(api) == {
        "name": "api",
        "region": "us-east-1",
        "cache_policy": {"keep_gb": 50, "keep_days": 14},
        "hardware": "HARDWARE_32X64",
    }
    assert own_inputs(gh) == {"project_id": "api-id", "github": {"repository_owner": "acme", "repository": "api"}}
    assert own_inputs(bk)["buildkite"] == {"organization_slug": "acme", "pipeline_slug": "deploy"}
    assert own_inputs(cc)["circleci"] == {
        "organization_uuid": "1c7d8d3e-5b0a-4c55-9d3e-2f0a6b1e8c41",
        "project_uuid": "5f2a0b9c-8e7d-4a61-b3c2-0d9e8f7a6b51",
    }
    assert own_inputs(ci) == {"project_id": "api-id", "description": "CI builds"}
    assert own_inputs(legacy) == {"name": "legacy", "region": "us-east-1", "import_id": "7f76t7vghb"}

    for policy in (gh, bk, cc, ci):
        assert policy.dependencies == [api.urn]
        assert policy.property_dependencies["project_id"] == [api.urn]
    assert ci.additional_secret_outputs == ["secret"]
    assert api.additional_secret_outputs == [] and gh.additional_secret_outputs == []

    for record in run.resources:
        provider = record.inputs[PROVIDER_KEY]
        assert isinstance(provider, str) and len(provider) < 300  # nothing secret in it: stored plain
        assert b"pulumi_depot_provider.resources" in base64.b64decode(provider)
    # The output type's int annotation turns the wire's 50.0 back into an int for the program.
    assert run.outputs["keep_gb"] == ["int", 50]


def test_token_options_merge_with_the_users() -> None:
    def program() -> None:
        api = depot.Project("api", name="api", region="us-east-1")
        depot.ProjectToken(
            "ci",
            project_id=api.id,
            description="CI",
            rotation_trigger="2024-Q1",
            opts=pulumi.ResourceOptions(additional_secret_outputs=["description"], protect=True),
        )

    ci = run_program(program, new_resource=fake_depot).get("ci")
    assert sorted(ci.additional_secret_outputs) == ["description", "secret"]
    assert ci.protect is True
    assert own_inputs(ci)["rotation_trigger"] == "2024-Q1"


def test_preview_sends_unknown_project_ids() -> None:
    def preview_depot(record: RegisteredResource) -> tuple[str, Mapping[str, Any]]:
        return "", record.inputs  # nothing is created in a preview: ids are unknown

    run = run_program(issue_example, preview=True, new_resource=preview_depot)
    assert own_inputs(run.get("gh"))["project_id"] is UNKNOWN
    assert own_inputs(run.get("ci")) == {"project_id": UNKNOWN, "description": "CI builds"}


@pytest.fixture
def org(request: pytest.FixtureRequest) -> Any:
    """The `depot` fixture (an organization on the local Depot API), renamed: `depot` is the SDK here."""
    return request.getfixturevalue("depot")


@pytest.fixture
def depot_host(org: Any) -> Iterator[DynamicProviderHost]:
    with DynamicProviderHost(env={"DEPOT_TOKEN": "", "DEPOT_API_URL": ""}) as host:
        host.configure({"depot:token": org.token, "depot:apiUrl": org.url}, secret_keys={"depot:token"})
        yield host


def test_the_example_runs_against_the_local_depot_api_through_the_real_host(
    org: Any, depot_host: DynamicProviderHost
) -> None:
    client = org.client()
    legacy = client.create_project("legacy", "us-east-1")

    def program() -> None:
        api = depot.Project("api", name="api", region="us-east-1", cache_policy=depot.CachePolicyArgs(keep_gb=60))
        github = depot.GitHubTrustArgs(repository_owner="acme", repository="api")
        depot.TrustPolicy("gh", project_id=api.id, github=github)
        ci = depot.ProjectToken("ci", project_id=api.id, description="CI builds")
        depot.Project("legacy", name="legacy", region="us-east-1", import_id=legacy.project_id)
        pulumi.export("token", ci.secret)
        pulumi.export("project_id", api.id)

    def through_host(record: RegisteredResource) -> tuple[str, Mapping[str, Any]]:
        checked = depot_host.check(record.urn, {}, record.inputs)
        assert checked.failures == []
        created = depot_host.create(record.urn, checked.inputs)
        return created.id, mark_secret_outputs(created.outs, record.additional_secret_outputs)

    run = run_program(program, new_resource=through_host)

    project_id = run.outputs["project_id"]
    assert client.get_project(project_id).cache_policy.keep_gb == 60
    assert [p.github.repository for p in client.list_trust_policies(project_id)] == ["api"]
    assert [plain(t.description) for t in client.list_tokens(project_id)] == ["CI builds"]
    assert run.get("legacy").id == legacy.project_id
    assert sorted(p.name for p in client.list_projects()) == ["api", "legacy"]
    token = run.outputs["token"]
    assert isinstance(token, Secret) and token.value.startswith("depot")


def test_the_id_the_program_receives_leaves_the_create_journal_alone(create_journal_dir: Path) -> None:
    """Receiving an id does not prove the engine recorded it: after a second Ctrl-C the engine answers the program
    for a create that finished but skips its checkpoint. So the program neither voids the record of that create
    (the next up recovers the object from it) nor records the id as held (the next up would then make a second
    object and orphan the first)."""
    journal = CreateJournal(create_journal_dir)
    owner = "project/stack/depot:Project//api"
    journal.begin(owner, "project", {"name": "api"}, before=[])
    journal.answered(owner, "api-id")

    run_program(issue_example, new_resource=fake_depot)

    fresh = CreateJournal(create_journal_dir)  # what the next deployment's provider reads from disk
    recorded = fresh.pending(owner, "project", {"name": "api"})
    assert recorded is not None and recorded.created_id == "api-id"
    assert "api-id" not in fresh.held(owner)
    assert fresh.held("project/stack/depot:ProjectToken//ci") == frozenset()
