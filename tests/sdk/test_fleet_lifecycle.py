"""A tenant fleet from a tenants file, deployed under the real `pulumi` (testing/harness/pulumi_stack.py) against
the local Depot API: up, no-op up, editing one tenant, removing one (refused with protect, only its resources
without), retain_on_delete, the depot:allowedTrust guardrail, and adopting existing projects with import ids."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from pulumi import automation as auto
from pulumi_depot_provider.proto import pb
from pulumi_depot_provider.resources.token_mark import plain
from pulumi_stack import PulumiStack, ops_of, write_program
from real_engine import TENANTS_FILE_PROGRAM, changes, fails, state_resources

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


def three_tenants_state() -> list[str]:
    """What three_tenants() puts in the state: 3 components, 3 projects, 3 trust sets, 2 tokens."""
    return sorted(
        [f"{kind}::tenant-{tenant}" for tenant in ("acme", "globex", "initech") for kind in (TENANT, PROJECT)]
        + [f"{TRUST_SET}::tenant-{tenant}-trust" for tenant in ("acme", "globex", "initech")]
        + [f"{TOKEN}::tenant-{tenant}-token" for tenant in ("acme", "globex")]
    )


@pytest.fixture
def org(request: pytest.FixtureRequest) -> Any:
    """The `depot` fixture (an organization on the local Depot API), renamed as in the SDK tests."""
    return request.getfixturevalue("depot")


class Fleet:
    """A tenants file on disk and a stack of a program that deploys it and exports its outputs."""

    def __init__(self, stack: PulumiStack, file: Path) -> None:
        self.stack = stack
        self.file = file

    def write(self, document: dict[str, Any]) -> None:
        self.file.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")

    def resources(self) -> list[str]:
        return state_resources(self.stack)


@pytest.fixture
def make_fleet(org: Any, tmp_path: Path, pulumi_stack: Callable[..., PulumiStack]) -> Callable[..., Fleet]:
    def make(**config: str) -> Fleet:
        file = tmp_path / "tenants.yaml"
        stack = pulumi_stack(write_program(tmp_path / "program", TENANTS_FILE_PROGRAM.format(path=str(file))), org)
        for key, value in config.items():
            stack.set_config(f"depot:{key}", value)
        return Fleet(stack, file)

    return make


def up_events(stack: PulumiStack) -> list[auto.EngineEvent]:
    """An up whose engine events the test reads itself (PulumiStack.up keeps only each resource's op)."""
    events: list[auto.EngineEvent] = []
    stack.stack.up(on_output=stack.log.append, on_event=events.append)
    return events


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


def test_a_fleet_file_up_noop_edit_and_removal(org: Any, make_fleet: Callable[..., Fleet]) -> None:
    client = org.client()
    fleet = make_fleet()
    stack = fleet.stack
    document = three_tenants()
    fleet.write(document)

    first = stack.up()
    # 3 projects, 3 trust sets, 2 tokens created; the 3 components beside them in the state.
    assert first == {
        **{f"tenant-{tenant}{part}": "create" for tenant in ("acme", "globex", "initech") for part in ("", "-trust")},
        "tenant-acme-token": "create",
        "tenant-globex-token": "create",
    }
    assert fleet.resources() == three_tenants_state()
    projects = depot_projects(client)
    assert sorted(projects) == ["tenant-acme", "tenant-globex", "tenant-initech"]
    assert projects["tenant-globex"].region_id == "eu-central-1"
    assert projects["tenant-globex"].hardware == pb.Hardware.Value("HARDWARE_8X16")
    assert trust_keys(client, projects["tenant-acme"].project_id) == ["github:acme/app"]
    assert trust_keys(client, projects["tenant-globex"].project_id) == []
    ids = {tenant: projects[f"tenant-{tenant}"].project_id for tenant in ("acme", "globex", "initech")}
    outputs = stack.outputs()
    assert outputs["tenants_project_ids"] == ids
    assert stack.secret_outputs() == {"tenants_tokens"}
    tokens = outputs["tenants_tokens"]
    assert sorted(tokens) == ["acme", "globex"]
    for tenant in ("acme", "globex"):
        assert tokens[tenant].startswith("depot")
        assert [plain(t.description) for t in client.list_tokens(ids[tenant])] == [f"builds of tenant {tenant}"]
    assert client.list_tokens(ids["initech"]) == []

    assert changes(stack.up()) == {}

    # Editing one tenant touches only that tenant's resources.
    document["tenants"][0] = {
        "id": "acme",
        "cache_policy": {"keep_gb": 100, "keep_days": 30},
        "trust_policies": [DEPLOY],
    }
    fleet.write(document)
    assert changes(stack.up()) == {
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
    assert changes(stack.up()) == {}  # protect is recorded in state only
    assert all(r.get("protect") for r in stack.resources().values())
    before_refusal = fleet.resources()
    fleet.write({**document, "tenants": document["tenants"][:2]})
    refusal = fails(stack.up)
    # The engine deletes dependents first: the first protected resource it meets is the trust set.
    refused = r'resource "urn:pulumi:dev::[^"]*::tenant-initech-trust" cannot be deleted\s+because it is protected'
    assert re.search(refused, refusal), refusal
    assert fleet.resources() == before_refusal
    assert ids["initech"] in {p.project_id for p in client.list_projects()}

    # Unprotected (declared once more to record it), a removed tenant takes only its own resources with it.
    document["protect"] = False
    fleet.write(document)
    stack.up()
    assert not any(r.get("protect") for r in stack.resources().values())
    fleet.write({**document, "tenants": document["tenants"][:2]})
    removed = stack.up()
    assert changes(removed) == {
        "tenant-initech": "delete",  # the project (the component of the same name is not a Depot resource)
        "tenant-initech-trust": "delete",
    }
    assert sorted(depot_projects(client)) == ["tenant-acme", "tenant-globex"]
    assert trust_keys(client, ids["acme"]) == ["buildkite:acme/deploy"]
    assert len(client.list_tokens(ids["acme"])) == 1
    assert fleet.resources() == [r for r in three_tenants_state() if "initech" not in r]  # the component too


def test_retain_on_delete_leaves_a_removed_tenant_in_depot(org: Any, make_fleet: Callable[..., Fleet]) -> None:
    client = org.client()
    fleet = make_fleet()
    document = {**three_tenants(), "retain_on_delete": True}
    fleet.write(document)
    fleet.stack.up()
    initech = depot_projects(client)["tenant-initech"].project_id
    assert all(r.get("retainOnDelete") for r in fleet.stack.resources().values())

    fleet.write({**document, "tenants": document["tenants"][:2]})
    events = up_events(fleet.stack)

    assert changes(ops_of(events)) == {"tenant-initech": "delete", "tenant-initech-trust": "delete"}
    deleted = [
        e.resource_pre_event.metadata
        for e in events
        if e.resource_pre_event is not None and e.resource_pre_event.metadata.op.value == "delete"
    ]
    assert sorted((m.type, m.urn.rsplit("::", 1)[1]) for m in deleted) == [
        (TENANT, "tenant-initech"),
        (PROJECT, "tenant-initech"),
        (TRUST_SET, "tenant-initech-trust"),
    ]
    assert all(m.old is not None and m.old.retain_on_delete for m in deleted if m.type != TENANT)
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

    message = fails(fleet.stack.preview)
    assert "resource 'tenant-globex-trust'" in message
    assert "trust policy github:evil-corp/miner is not allowed: depot:allowedTrust allows GitHub owners acme" in message
    assert "policies[0].github.repository_owner" in message
    # `pulumi up` previews first: it fails there, and nothing was created. (The Automation API's up skips the
    # preview: the projects would be created before the trust set's Check fails.)
    assert "depot:allowedTrust allows GitHub owners acme" in fails(fleet.stack.cli, "up", "--yes", "--color", "never")
    assert org.client().list_projects() == []

    document["tenants"][1]["trust_policies"] = [APP]
    fleet.write(document)
    assert set(fleet.stack.up().values()) == {"create"}
    assert fleet.resources() == three_tenants_state()


PROJECT_IDS_ONLY_PROGRAM = """
import pulumi
import pulumi_depot as depot

fleet = depot.tenant_fleet_from_file({path!r})
pulumi.export("tenants_project_ids", fleet.project_ids)
"""


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

    # The adopted token has no secret: export() refuses to forward it, naming the tenant, at preview (nothing done).
    refusal = fails(fleet.stack.preview)
    assert (
        "depot.TenantFleet 'tenants': refusing to forward the token secret: the token of tenant 'legacy' was adopted "
        "by import_id, so its secret cannot be read back" in refusal
    )
    assert "export fleet.project_ids instead of calling fleet.export()" in refusal and "Traceback" not in refusal
    assert fleet.resources() == []
    write_program(fleet.stack.program_dir, PROJECT_IDS_ONLY_PROGRAM.format(path=str(fleet.file)))

    fleet.stack.up()

    assert fleet.stack.outputs() == {"tenants_project_ids": {"legacy": legacy.project_id}}
    assert [p.project_id for p in client.list_projects()] == [legacy.project_id]
    assert [p.trust_policy_id for p in client.list_trust_policies(legacy.project_id)] == [policy.trust_policy_id]
    assert [(t.token_id, t.description) for t in client.list_tokens(legacy.project_id)] == [
        (token.token_id, "legacy CI")
    ]
    assert client.get_project(legacy.project_id).name == "Legacy Builds"
    assert changes(fleet.stack.up()) == {}


FLEET_IN_CODE = """
import pulumi
import pulumi_depot as depot

fleet = depot.TenantFleet(
    "customers",
    name_template="cust-{tenant}",
    defaults=depot.TenantDefaultsArgs(region="us-east-1", cache_policy=depot.CachePolicyArgs(keep_gb=20)),
    tenants=[
        depot.TenantArgs(id="acme", trust_policies=[depot.GitHubTrustArgs(repository_owner="acme", repository="app")]),
        {"id": "globex", "token": {"description": "globex CI"}},
    ],
)
fleet.export()
pulumi.export("acme_name", fleet.tenants["acme"].project_name)
"""


def test_a_fleet_declared_in_code(org: Any, tmp_path: Path, pulumi_stack: Callable[..., PulumiStack]) -> None:
    stack = pulumi_stack(write_program(tmp_path / "program", FLEET_IN_CODE), org)
    stack.up()

    client = org.client()
    projects = depot_projects(client)
    assert sorted(projects) == ["cust-acme", "cust-globex"]
    assert {p.cache_policy.keep_gb for p in projects.values()} == {20}
    assert trust_keys(client, projects["cust-acme"].project_id) == ["github:acme/app"]
    outputs = stack.outputs()
    assert outputs["customers_project_ids"] == {
        "acme": projects["cust-acme"].project_id,
        "globex": projects["cust-globex"].project_id,
    }
    assert "customers_tokens" in stack.secret_outputs()
    assert sorted(outputs["customers_tokens"]) == ["globex"]
    assert outputs["acme_name"] == "cust-acme"
    assert changes(stack.up()) == {}
