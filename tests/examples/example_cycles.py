"""One full cycle per example under the real `pulumi`: up -> up again (no changes) -> change -> up ->
out-of-band change in Depot -> refresh -> up (drift corrected) -> destroy, asserting what Depot holds after each
step. ``CYCLES`` maps an example's directory name to its cycle.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Final, Protocol

import pytest
import yaml
from example_harness import ProjectView, depot_projects, only_project
from pulumi_depot_provider.client import DepotClient, DepotError, PermissionDenied
from pulumi_depot_provider.proto import pb
from pulumi_stack import PulumiStack as Deployer


class Org(Protocol):
    """An organization on the local Depot API (conftest's DepotOrg)."""

    url: str
    token: str

    def client(self) -> DepotClient: ...


def unchanged(ops: dict[str, str]) -> bool:
    return set(ops.values()) == {"same"}


def assert_project_token_works(org: Org, token: str, project_id: str) -> None:
    """``token`` is a real project token of ``project_id``: it reads that project and may not list projects."""
    with DepotClient(base_url=org.url, token=token) as scoped:
        assert scoped.get_project(project_id).project_id == project_id
        with pytest.raises(PermissionDenied):
            scoped.list_projects()


def quickstart(deployer: Deployer, org: Org) -> None:
    client = org.client()

    assert deployer.up() == {"app": "create", "github": "create", "ci": "create"}
    project = only_project(client)
    assert (project.name, project.region, project.keep_gb, project.keep_days) == ("quickstart", "us-east-1", 50, 14)
    assert project.trusted() == ["github:my-org/my-app"]
    (token,) = project.tokens
    assert token.description == "CI builds of the quickstart project"
    outputs = deployer.outputs()
    assert outputs["projectId"] == project.id
    assert outputs["trustPolicyId"] == project.trust_id("github:my-org/my-app")
    assert outputs["tokenId"] == token.id
    assert deployer.secret_outputs() == {"token"}
    assert_project_token_works(org, outputs["token"], project.id)

    assert unchanged(deployer.up())
    assert depot_projects(client) == {project.id: project}

    deployer.set_config("keepGb", "100")
    deployer.set_config("githubRepository", "other-app")
    assert deployer.up() == {"app": "update", "github": "replace", "ci": "same"}
    changed = only_project(client)
    assert (changed.id, changed.keep_gb, changed.keep_days) == (project.id, 100, 14)
    assert changed.trusted() == ["github:my-org/other-app"]
    assert changed.tokens == project.tokens

    client.update_project(project.id, name="renamed-by-hand")
    client.remove_trust_policy(project.id, changed.trust_id("github:my-org/other-app"))
    client.delete_token(token.id)
    deployer.refresh()
    assert deployer.up() == {"app": "update", "github": "create", "ci": "create"}
    corrected = only_project(client)
    assert (corrected.id, corrected.name, corrected.keep_gb) == (project.id, "quickstart", 100)
    assert corrected.trusted() == ["github:my-org/other-app"]
    (new_token,) = corrected.tokens
    assert new_token.id != token.id
    assert_project_token_works(org, deployer.outputs()["token"], project.id)

    deployer.destroy()
    assert depot_projects(client) == {}


def github_trust(deployer: Deployer, org: Org) -> None:
    client = org.client()
    deployer.set_config("repositories", json.dumps(["acme/api", "acme/web"]))

    assert deployer.up() == {"app": "create", "github-acme-api": "create", "github-acme-web": "create"}
    project = only_project(client)
    assert project.trusted() == ["github:acme/api", "github:acme/web"]
    assert deployer.outputs()["trustPolicyIds"] == {
        "acme/api": project.trust_id("github:acme/api"),
        "acme/web": project.trust_id("github:acme/web"),
    }

    assert unchanged(deployer.up())
    assert depot_projects(client) == {project.id: project}

    deployer.set_config("repositories", json.dumps(["acme/api", "acme/Docs.Site"]))
    assert deployer.up() == {
        "app": "same",
        "github-acme-api": "same",
        "github-acme-docs-site": "create",
        "github-acme-web": "delete",
    }
    changed = only_project(client)
    assert changed.trusted() == ["github:acme/Docs.Site", "github:acme/api"]
    assert changed.trust_id("github:acme/api") == project.trust_id("github:acme/api")

    client.remove_trust_policy(project.id, changed.trust_id("github:acme/api"))
    deployer.refresh()
    assert deployer.up() == {"app": "same", "github-acme-api": "create", "github-acme-docs-site": "same"}
    assert only_project(client).trusted() == ["github:acme/Docs.Site", "github:acme/api"]

    deployer.destroy()
    assert depot_projects(client) == {}


def buildkite_trust(deployer: Deployer, org: Org) -> None:
    client = org.client()
    deployer.set_config("organizationSlug", "acme")
    deployer.set_config("pipelineSlug", "deploy")

    assert deployer.up() == {"app": "create", "buildkite": "create"}
    project = only_project(client)
    assert (project.name, project.hardware) == ("buildkite-builds", "HARDWARE_8X16")
    assert project.trusted() == ["buildkite:acme/deploy"]
    assert deployer.outputs()["trustPolicyId"] == project.trust_id("buildkite:acme/deploy")

    assert unchanged(deployer.up())
    assert depot_projects(client) == {project.id: project}

    deployer.set_config("pipelineSlug", "release")
    assert deployer.up() == {"app": "same", "buildkite": "replace"}
    changed = only_project(client)
    assert changed.trusted() == ["buildkite:acme/release"]
    assert deployer.outputs()["trustPolicyId"] == changed.trust_id("buildkite:acme/release")

    client.update_project(project.id, hardware=pb.Hardware.Value("HARDWARE_4X4"))
    deployer.refresh()
    assert deployer.up() == {"app": "update", "buildkite": "same"}
    assert only_project(client).hardware == "HARDWARE_8X16"

    deployer.destroy()
    assert depot_projects(client) == {}


CIRCLECI_ORG: Final = "1c7d8d3e-5b0a-4c55-9d3e-2f0a6b1e8c41"
CIRCLECI_PROJECT: Final = "5f2a0b9c-8e7d-4a61-b3c2-0d9e8f7a6b51"
CIRCLECI_OTHER_PROJECT: Final = "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c61"


def circleci_trust(deployer: Deployer, org: Org) -> None:
    client = org.client()
    deployer.set_config("organizationUuid", CIRCLECI_ORG)
    deployer.set_config("projectUuid", CIRCLECI_PROJECT)

    assert deployer.up() == {"app": "create", "circleci": "create"}
    project = only_project(client)
    assert project.trusted() == [f"circleci:{CIRCLECI_ORG}/{CIRCLECI_PROJECT}"]

    assert unchanged(deployer.up())
    assert depot_projects(client) == {project.id: project}

    deployer.set_config("projectUuid", CIRCLECI_OTHER_PROJECT)
    assert deployer.up() == {"app": "same", "circleci": "replace"}
    assert only_project(client).trusted() == [f"circleci:{CIRCLECI_ORG}/{CIRCLECI_OTHER_PROJECT}"]

    # Deleted by hand: refresh finds the project (and so its policy) gone, and up creates both again.
    client.delete_project(project.id)
    deployer.refresh()
    assert deployer.up() == {"app": "create", "circleci": "create"}
    recreated = only_project(client)
    assert recreated.id != project.id
    assert recreated.trusted() == [f"circleci:{CIRCLECI_ORG}/{CIRCLECI_OTHER_PROJECT}"]
    assert deployer.outputs()["projectId"] == recreated.id

    deployer.destroy()
    assert depot_projects(client) == {}


def adopt_existing(deployer: Deployer, org: Org) -> None:
    client = org.client()
    existing = client.create_project("legacy-app", "us-east-1")
    deployer.set_config("projectId", existing.project_id)
    deployer.set_config("projectName", "legacy-app")
    deployer.set_config("keepGb", "60")

    assert deployer.up() == {"app": "create"}  # adopted: no new project
    adopted = only_project(client)
    assert (adopted.id, adopted.name, adopted.keep_gb, adopted.keep_days) == (existing.project_id, "legacy-app", 60, 14)
    assert deployer.outputs()["importChanges"] == ["cache_policy.keep_gb: 50 -> 60"]

    assert unchanged(deployer.up())
    assert depot_projects(client) == {adopted.id: adopted}

    deployer.set_config("projectName", "legacy-app-managed")
    assert deployer.up() == {"app": "update"}
    assert only_project(client).name == "legacy-app-managed"

    client.update_project(existing.project_id, cache_policy=pb.CachePolicy(keep_gb=5, keep_days=1))
    deployer.refresh()
    assert deployer.up() == {"app": "update"}
    corrected = only_project(client)
    # keep_days is not declared, so the hand-made value stays; keep_gb is, so it is put back.
    assert (corrected.id, corrected.keep_gb, corrected.keep_days) == (existing.project_id, 60, 1)

    deployer.destroy()  # retain_on_delete: the project stays in Depot
    assert list(depot_projects(client)) == [existing.project_id]


def projects_by_name(client: DepotClient) -> dict[str, ProjectView]:
    projects = depot_projects(client)
    by_name = {project.name: project for project in projects.values()}
    assert len(by_name) == len(projects), f"two projects share a name: {sorted(p.name for p in projects.values())}"
    return by_name


def fleet_ops(ops: dict[str, str], **tenants: str) -> dict[str, str]:
    """``fleet_ops(same, acme="create")``: the expected op of every resource of each tenant (project, trust set,
    token), overridden per resource by ``ops`` (``{"tenant-acme-trust": "update"}``)."""
    expected = {f"tenant-{tenant}{part}": op for tenant, op in tenants.items() for part in ("", "-trust", "-token")}
    expected.update(ops)
    return expected


def fleet_drift_heals(deployer: Deployer, client: DepotClient, acme_id: str, initech_id: str) -> None:
    """The tenant fleets' drift step (Python and YAML): by hand in Depot, a policy nobody declared on acme's project
    and other hardware on initech's; refresh, then up puts back exactly what the program declares."""
    client.add_trust_policy(acme_id, github=pb.TrustPolicy.GitHub(repository_owner="intruder", repository="x"))
    client.update_project(initech_id, hardware=pb.Hardware.Value("HARDWARE_4X4"))
    deployer.refresh()
    assert deployer.up() == {
        **fleet_ops({"tenant-acme-trust": "update"}, acme="same"),
        "tenant-initech": "update",
        "tenant-initech-trust": "same",
    }
    projects = projects_by_name(client)
    assert projects["tenant-acme"].trusted() == ["github:acme/app", "github:acme/docs"]
    assert projects["tenant-initech"].hardware == "HARDWARE_16X32"


def tenant_fleet(deployer: Deployer, org: Org) -> None:
    client = org.client()
    tenants_file = deployer.program_dir / "tenants.yaml"

    assert deployer.up() == fleet_ops({}, acme="create", globex="create")
    projects = projects_by_name(client)
    assert sorted(projects) == ["tenant-acme", "tenant-globex"]
    acme, globex = projects["tenant-acme"], projects["tenant-globex"]
    assert (acme.region, acme.keep_gb, acme.keep_days, acme.trusted()) == ("us-east-1", 50, 14, ["github:acme/app"])
    assert (globex.region, globex.keep_gb, globex.keep_days) == ("eu-central-1", 100, 30)
    assert globex.trusted() == ["buildkite:globex/deploy"]
    assert len(acme.tokens) == len(globex.tokens) == 1
    outputs = deployer.outputs()
    assert outputs["tenants_project_ids"] == {"acme": acme.id, "globex": globex.id}
    assert deployer.secret_outputs() == {"tenants_tokens"}
    assert set(outputs["tenants_tokens"]) == {"acme", "globex"}
    assert_project_token_works(org, outputs["tenants_tokens"]["acme"], acme.id)
    assert_project_token_works(org, outputs["tenants_tokens"]["globex"], globex.id)

    assert unchanged(deployer.up())
    assert depot_projects(client) == {acme.id: acme, globex.id: globex}

    # One edit of the file: acme trusts a second repository, globex leaves, initech joins (no token, no trust).
    fleet = yaml.safe_load(tenants_file.read_text())
    app, docs = ({"github": {"repository_owner": "acme", "repository": name}} for name in ("app", "docs"))
    fleet["tenants"] = [
        {"id": "acme", "trust_policies": [app, docs]},
        {"id": "initech", "hardware": "HARDWARE_16X32", "token": False},
    ]
    tenants_file.write_text(yaml.safe_dump(fleet))
    assert deployer.up() == {
        **fleet_ops({"tenant-acme-trust": "update"}, acme="same", globex="delete"),
        "tenant-initech": "create",
        "tenant-initech-trust": "create",
    }
    projects = projects_by_name(client)
    assert sorted(projects) == ["tenant-acme", "tenant-initech"]
    edited, initech = projects["tenant-acme"], projects["tenant-initech"]
    assert (edited.id, edited.tokens) == (acme.id, acme.tokens)
    assert edited.trusted() == ["github:acme/app", "github:acme/docs"]
    assert edited.trust_id("github:acme/app") == acme.trust_id("github:acme/app")  # kept, not re-created
    assert (initech.hardware, initech.trust, initech.tokens) == ("HARDWARE_16X32", {}, ())
    assert deployer.outputs()["tenants_tokens"] == {"acme": outputs["tenants_tokens"]["acme"]}

    fleet_drift_heals(deployer, client, acme.id, initech.id)

    deployer.destroy()
    assert depot_projects(client) == {}


TENANT_SINKS = ("", "-trust", "-token", "-token-secret", "-token-parameter")


def tenant_tokens_aws(deployer: Deployer, org: Org) -> list[str]:
    """examples/tenant-tokens-aws, with moto's server at the stack's depot:awsEndpointUrl: tokens in both stores,
    a rotation (AWSPREVIOUS keeps the old token, which Depot no longer accepts), drift in AWS put right, and a
    destroy that leaves the secrets scheduled for deletion (recovery_window_days: 7). Returns every token seen."""
    from aws_local import AwsLocal

    aws = AwsLocal.attached(deployer.stack.get_config("depot:awsEndpointUrl").value)
    client = org.client()
    tenants_file = deployer.program_dir / "tenants.yaml"
    every = {f"tenant-{tenant}{part}": "create" for tenant in ("acme", "globex") for part in TENANT_SINKS}

    ops = deployer.up()
    assert ops == every, ops
    projects = projects_by_name(client)
    acme, globex = projects["tenant-acme"], projects["tenant-globex"]
    assert (acme.region, globex.region) == ("us-east-1", "eu-central-1")
    outputs = deployer.outputs()
    assert outputs["tenants_project_ids"] == {"acme": acme.id, "globex": globex.id}
    assert deployer.secret_outputs() == set()  # the tokens are in AWS, not in the stack's outputs
    tokens: dict[str, str] = {}
    for tenant, project in (("acme", acme), ("globex", globex)):
        token = aws.secret_value(f"depot/{tenant}/token")
        assert token is not None and aws.parameter_value(f"/depot/{tenant}/token") == token
        assert_project_token_works(org, token, project.id)
        secret = aws.describe_secret(f"depot/{tenant}/token")
        assert secret is not None and outputs["tenants_token_secret_arns"][tenant] == secret["ARN"]
        tokens[tenant] = token
    sm = aws.client("secretsmanager")
    policy = json.loads(sm.get_resource_policy(SecretId="depot/acme/token")["ResourcePolicy"])
    assert policy["Statement"][0]["Principal"] == {"AWS": ["arn:aws:iam::111122223333:role/acme-builds"]}
    assert aws.describe_secret("depot/acme/token")["KmsKeyId"] == "alias/depot-tenant-tokens"  # type: ignore[index]

    assert unchanged(deployer.up())

    # Rotate acme's token: the new token in both stores, the old one kept as AWSPREVIOUS and deleted in Depot.
    fleet = yaml.safe_load(tenants_file.read_text())
    fleet["tenants"][0]["token"]["rotation_trigger"] = "2024-07"
    tenants_file.write_text(yaml.safe_dump(fleet))
    ops = deployer.up()
    assert ops == {
        **{name: "same" for name in every},
        "tenant-acme-token": "replace",
        "tenant-acme-token-secret": "update",
        "tenant-acme-token-parameter": "update",
    }
    rotated = aws.secret_value("depot/acme/token")
    assert rotated is not None and rotated != tokens["acme"]
    assert aws.parameter_value("/depot/acme/token") == rotated
    assert aws.secret_value("depot/acme/token", stage="AWSPREVIOUS") == tokens["acme"]
    assert_project_token_works(org, rotated, acme.id)
    assert len(projects_by_name(client)["tenant-acme"].tokens) == 1
    with DepotClient(base_url=org.url, token=tokens["acme"]) as old, pytest.raises(DepotError):
        old.get_project(acme.id)

    # By hand in AWS: globex's secret overwritten, acme's parameter deleted, acme's secret scheduled for deletion.
    sm.put_secret_value(SecretId="depot/globex/token", SecretString="pasted-by-hand")
    aws.client("ssm").delete_parameter(Name="/depot/acme/token")
    sm.delete_secret(SecretId="depot/acme/token", RecoveryWindowInDays=30)
    deployer.refresh()
    assert deployer.up() == {
        **{name: "same" for name in every},
        "tenant-globex-token-secret": "update",
        "tenant-acme-token-parameter": "create",
        "tenant-acme-token-secret": "update",
    }
    assert aws.secret_value("depot/globex/token") == tokens["globex"]
    assert aws.parameter_value("/depot/acme/token") == rotated
    restored = aws.describe_secret("depot/acme/token")
    assert restored is not None and restored.get("DeletedDate") is None
    assert aws.secret_value("depot/acme/token") == rotated
    assert unchanged(deployer.up())

    deployer.destroy()
    assert depot_projects(client) == {}
    for tenant in ("acme", "globex"):
        scheduled = aws.describe_secret(f"depot/{tenant}/token")
        assert scheduled is not None and scheduled.get("DeletedDate") is not None  # restorable for 7 days
        assert aws.parameter_value(f"/depot/{tenant}/token") is None
    return [*tokens.values(), rotated]


CYCLES: Final[dict[str, Callable[[Deployer, Org], object]]] = {
    "quickstart": quickstart,
    "github-trust": github_trust,
    "buildkite-trust": buildkite_trust,
    "circleci-trust": circleci_trust,
    "adopt-existing": adopt_existing,
    "tenant-fleet": tenant_fleet,
    "tenant-tokens-aws": tenant_tokens_aws,
}
