"""A tenant fleet from a tenants file, run by the engine-shaped runner through the real provider host against the
local Depot API: up, no-op up, editing one tenant, removing one (refused with protect, only its resources without),
retain_on_delete, the depot:allowedTrust guardrail, and adopting existing projects with import ids."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pulumi
import pulumi_depot as depot
import pytest
import yaml
from dynamic_host import Runner, RunnerError, Secret, StateFile
from pulumi_depot_provider.proto import pb

CLEAN_ENV = {"DEPOT_TOKEN": "", "DEPOT_API_URL": ""}
PROJECT = "pulumi-python:dynamic/depot:Project"
TRUST_SET = "pulumi-python:dynamic/depot:TrustPolicySet"
TOKEN = "pulumi-python:dynamic/depot:ProjectToken"
TENANT = "depot:index:TenantProject"
APP = {"github": {"repository_owner": "acme", "repository": "app"}}
DEPLOY = {"buildkite": {"organization_slug": "acme", "pipeline_slug": "deploy"}}


def three_tenants() -> dict[str, Any]:
    return {
        "name_template": "tenant-{tenant}",
        "defaults": {"region": "us-east-1", "token": True, "cache_policy": {"keep_gb": 50, "keep_days": 14}},
        "tenants": [
            {"id": "acme", "trust_policies": [APP]},
            {"id": "globex", "region": "eu-central-1", "hardware": "HARDWARE_8X16"},
            {"id": "initech", "token": False},
        ],
    }


@pytest.fixture
def org(request: pytest.FixtureRequest) -> Any:
    """The `depot` fixture (an organization on the local Depot API), renamed: `depot` is the SDK here."""
    return request.getfixturevalue("depot")


class Fleet:
    """A tenants file on disk and a runner for a program that deploys it and exports its outputs."""

    def __init__(self, org: Any, directory: Path, config: dict[str, str | Secret]) -> None:
        self.file = directory / "tenants.yaml"
        self.state = directory / "state.json"

        def program() -> None:
            depot.tenant_fleet_from_file(self.file).export()

        self.runner = Runner(
            program,
            stack="dev",
            state=self.state,
            config={"depot:token": Secret(org.token), "depot:apiUrl": org.url, **config},
            env=CLEAN_ENV,
        )

    def write(self, document: dict[str, Any]) -> None:
        self.file.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")

    def resources(self) -> list[str]:
        state = StateFile(self.state).load()
        return sorted(f"{r.type}::{r.name}" for r in state.resources) if state else []


@pytest.fixture
def make_fleet(org: Any, tmp_path: Path) -> Callable[..., Fleet]:
    def make(**config: str | Secret) -> Fleet:
        return Fleet(org, tmp_path, {f"depot:{key}": value for key, value in config.items()})

    return make


def depot_projects(client: Any) -> dict[str, pb.Project]:
    return {project.name: project for project in client.list_projects()}


def trust_keys(client: Any, project_id: str) -> list[str]:
    keys = []
    for policy in client.list_trust_policies(project_id):
        kind = policy.WhichOneof("provider")
        message = getattr(policy, kind)
        first, second = (getattr(message, field.name) for field in message.DESCRIPTOR.fields)
        keys.append(f"{kind}:{first}/{second}")
    return sorted(keys)


def tenant_ops(summary: Any, tenant: str) -> dict[str, str]:
    prefix = f"tenant-{tenant}"
    return {name: op for name, op in summary.ops().items() if name == prefix or name.startswith(f"{prefix}-")}


def test_a_fleet_file_up_noop_edit_and_removal(org: Any, make_fleet: Callable[..., Fleet]) -> None:
    client = org.client()
    fleet = make_fleet()
    document = three_tenants()
    fleet.write(document)

    first = fleet.runner.up()
    assert first.counts() == {"create": 11}  # 3 components, 3 projects, 3 trust sets, 2 tokens
    projects = depot_projects(client)
    assert sorted(projects) == ["tenant-acme", "tenant-globex", "tenant-initech"]
    assert projects["tenant-globex"].region_id == "eu-central-1"
    assert projects["tenant-globex"].hardware == pb.Hardware.Value("HARDWARE_8X16")
    assert trust_keys(client, projects["tenant-acme"].project_id) == ["github:acme/app"]
    assert trust_keys(client, projects["tenant-globex"].project_id) == []
    ids = {tenant: projects[f"tenant-{tenant}"].project_id for tenant in ("acme", "globex", "initech")}
    assert first.outputs["tenants_project_ids"] == ids
    tokens = first.outputs["tenants_tokens"]
    assert isinstance(tokens, Secret) and sorted(tokens.value) == ["acme", "globex"]
    for tenant in ("acme", "globex"):
        assert tokens.value[tenant].startswith("depot")
        assert [t.description for t in client.list_tokens(ids[tenant])] == [f"builds of tenant {tenant}"]
    assert client.list_tokens(ids["initech"]) == []

    second = fleet.runner.up()
    assert not second.changes

    # Editing one tenant touches only that tenant's resources.
    document["tenants"][0] = {
        "id": "acme",
        "cache_policy": {"keep_gb": 100, "keep_days": 30},
        "trust_policies": [DEPLOY],
    }
    fleet.write(document)
    edited = fleet.runner.up()
    assert {name: op for name, op in edited.ops().items() if op != "same"} == {
        "tenant-acme": "update",  # the project: its cache policy
        "tenant-acme-trust": "update",
    }
    acme = client.get_project(ids["acme"])
    assert (acme.cache_policy.keep_gb, acme.cache_policy.keep_days) == (100, 30)
    assert trust_keys(client, ids["acme"]) == ["buildkite:acme/deploy"]
    globex = client.get_project(ids["globex"])
    assert (globex.cache_policy.keep_gb, globex.cache_policy.keep_days) == (50, 14)

    # protect: removing a tenant is refused before anything is deleted.
    document["protect"] = True
    fleet.write(document)
    assert not fleet.runner.up().changes  # protect is recorded in state only
    before_refusal = fleet.resources()
    fleet.write({**document, "tenants": document["tenants"][:2]})
    with pytest.raises(RunnerError, match=r"refusing to delete .*'tenant-initech'.*protected"):
        fleet.runner.up()
    assert fleet.resources() == before_refusal
    assert ids["initech"] in {p.project_id for p in client.list_projects()}

    # Unprotected (declared once more to record it), a removed tenant takes only its own resources with it.
    document["protect"] = False
    fleet.write(document)
    fleet.runner.up()
    fleet.write({**document, "tenants": document["tenants"][:2]})
    removed = fleet.runner.up()
    assert {name: op for name, op in removed.ops().items() if op != "same"} == {
        "tenant-initech": "delete",  # listed once per name: the project and the component
        "tenant-initech-trust": "delete",
    }
    assert [step.type for step in removed.steps if step.op == "delete"].count(PROJECT) == 1
    assert sorted(depot_projects(client)) == ["tenant-acme", "tenant-globex"]
    assert trust_keys(client, ids["acme"]) == ["buildkite:acme/deploy"]
    assert len(client.list_tokens(ids["acme"])) == 1
    assert not any("initech" in resource for resource in fleet.resources())


def test_retain_on_delete_leaves_a_removed_tenant_in_depot(org: Any, make_fleet: Callable[..., Fleet]) -> None:
    client = org.client()
    fleet = make_fleet()
    document = {**three_tenants(), "retain_on_delete": True}
    fleet.write(document)
    fleet.runner.up()
    initech = depot_projects(client)["tenant-initech"].project_id

    fleet.write({**document, "tenants": document["tenants"][:2]})
    removed = fleet.runner.up()

    assert all(step.retained for step in removed.steps if step.op == "delete" and step.type != TENANT)
    assert client.get_project(initech).name == "tenant-initech"
    assert not any("initech" in resource for resource in fleet.resources())


def test_a_grant_outside_allowed_trust_fails_at_preview_naming_tenant_policy_and_allowlist(
    org: Any, make_fleet: Callable[..., Fleet]
) -> None:
    fleet = make_fleet(allowedTrust='{"github": ["acme"]}')
    document = three_tenants()
    evil = {"github": {"repository_owner": "evil-corp", "repository": "miner"}}
    document["tenants"][1]["trust_policies"] = [evil]
    fleet.write(document)

    with pytest.raises(RunnerError) as failure:
        fleet.runner.preview()
    message = str(failure.value)
    assert "'tenant-globex-trust'" in message
    assert "trust policy github:evil-corp/miner is not allowed: depot:allowedTrust allows GitHub owners acme" in message
    assert "policies[0].github.repository_owner" in message
    with pytest.raises(RunnerError):
        fleet.runner.up()
    assert org.client().list_projects() == []  # up previews first: nothing was created

    document["tenants"][1]["trust_policies"] = [APP]
    fleet.write(document)
    assert fleet.runner.up().counts() == {"create": 11}


def test_a_fleet_file_adopting_existing_projects_changes_nothing_in_depot(
    org: Any, make_fleet: Callable[..., Fleet]
) -> None:
    client = org.client()
    legacy = client.create_project(
        "Legacy Builds", "eu-central-1", cache_policy=pb.CachePolicy(keep_gb=80, keep_days=7)
    )
    policy = client.add_trust_policy(
        legacy.project_id, github=pb.TrustPolicy.GitHub(repository_owner="acme", repository="app")
    )
    token = client.create_token(legacy.project_id, "legacy CI")
    fleet = make_fleet()
    fleet.write(
        {
            "tenants": [
                {
                    "id": "legacy",
                    "name": "Legacy Builds",
                    "import_id": legacy.project_id,
                    "region": "eu-central-1",
                    "cache_policy": {"keep_gb": 80, "keep_days": 7},
                    "trust_policies": [APP],
                    "token": {"description": "legacy CI", "import_id": token.token_id},
                }
            ]
        }
    )

    summary = fleet.runner.up()

    assert summary.outputs["tenants_project_ids"] == {"legacy": legacy.project_id}
    assert [p.project_id for p in client.list_projects()] == [legacy.project_id]
    assert [p.trust_policy_id for p in client.list_trust_policies(legacy.project_id)] == [policy.trust_policy_id]
    assert [(t.token_id, t.description) for t in client.list_tokens(legacy.project_id)] == [
        (token.token_id, "legacy CI")
    ]
    assert client.get_project(legacy.project_id).name == "Legacy Builds"
    assert not fleet.runner.up().changes


def test_a_fleet_declared_in_code(org: Any, tmp_path: Path) -> None:
    def program() -> None:
        fleet = depot.TenantFleet(
            "customers",
            name_template="cust-{tenant}",
            defaults=depot.TenantDefaultsArgs(region="us-east-1", cache_policy=depot.CachePolicyArgs(keep_gb=20)),
            tenants=[
                depot.TenantArgs(
                    id="acme", trust_policies=[depot.GitHubTrustArgs(repository_owner="acme", repository="app")]
                ),
                {"id": "globex", "token": {"description": "globex CI"}},
            ],
        )
        fleet.export()
        pulumi.export("acme_name", fleet.tenants["acme"].project_name)

    runner = Runner(
        program,
        stack="dev",
        state=tmp_path / "state.json",
        config={"depot:token": Secret(org.token), "depot:apiUrl": org.url},
        env=CLEAN_ENV,
    )
    summary = runner.up()

    client = org.client()
    projects = depot_projects(client)
    assert sorted(projects) == ["cust-acme", "cust-globex"]
    assert {p.cache_policy.keep_gb for p in projects.values()} == {20}
    assert trust_keys(client, projects["cust-acme"].project_id) == ["github:acme/app"]
    assert summary.outputs["customers_project_ids"] == {
        "acme": projects["cust-acme"].project_id,
        "globex": projects["cust-globex"].project_id,
    }
    assert sorted(summary.outputs["customers_tokens"].value) == ["globex"]
    assert summary.outputs["acme_name"] == "cust-acme"
    assert not runner.up().changes
