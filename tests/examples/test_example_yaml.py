"""The Pulumi YAML examples (examples/yaml-*) under Pulumi's own YAML language host, pulumi-language-yaml
(scripts/install-pulumi-yaml.sh builds it into .tools/bin, beside the CLI), with the native plugin
pulumi-resource-depot found on PATH as the Python twins find it: each example through the full example cycle, and
`pulumi import` in a YAML project writing YAML that previews with no changes.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Final

import example_cycles
import pytest
import yaml
from conftest import MakeExampleStack
from example_cycles import (
    Deployer,
    Org,
    assert_project_token_works,
    fleet_drift_heals,
    fleet_ops,
    projects_by_name,
    unchanged,
)
from example_harness import depot_projects, only_project
from pulumi_depot.tenant import TenantProject
from pulumi_depot.tenants_file import TenantsFileError
from pulumi_depot_provider.proto import pb
from pulumi_stack import NATIVE_TYPES, PULUMI, PulumiStack, fails, plaintext_in

YAML_HOST: Final = PULUMI.with_name("pulumi-language-yaml")
PLUGIN: Final = Path(sys.executable).with_name("pulumi-resource-depot")


@pytest.fixture(autouse=True)
def _yaml_host_and_plugin() -> None:
    if not YAML_HOST.exists():
        pytest.fail(f"{YAML_HOST} is missing: run scripts/install-pulumi-yaml.sh")
    if not PLUGIN.exists():
        pytest.fail(f"{PLUGIN} is missing: run `pip install -e .` (pyproject's [project.scripts])")


def granted_diff(preview: str) -> list[str]:
    """The policy lines of the one TrustPolicySet's ``granted`` diff in `preview --diff`, key padding removed."""
    lines = [re.sub(r"\s+:", ":", line.strip()) for line in preview.splitlines()]
    start = lines.index("~ granted: {") + 1
    return lines[start : lines.index("}", start)]


def yaml_github_trust(deployer: Deployer, org: Org) -> None:
    """The trust set owns every policy of the project: a list edit grants and revokes only what differs (shown
    per policy by `preview --diff`), and a policy added by hand is removed by the next up."""
    client = org.client()
    program = deployer.program_dir / "Pulumi.yaml"

    assert deployer.up() == {"app": "create", "trust": "create"}
    project = only_project(client)
    assert (project.name, project.region) == ("github-builds", "us-east-1")
    assert project.trusted() == ["github:acme/api", "github:acme/web"]
    assert deployer.outputs()["trustPolicyIds"] == {
        "github:acme/api": project.trust_id("github:acme/api"),
        "github:acme/web": project.trust_id("github:acme/web"),
    }

    assert unchanged(deployer.up())
    assert depot_projects(client) == {project.id: project}

    program.write_text(program.read_text().replace("repository: web", "repository: Docs.Site"))
    shown = deployer.preview_text("--diff")
    assert "~ depot:index:TrustPolicySet: (update)" in shown, shown
    assert granted_diff(shown) == [
        '+ github:acme/Docs.Site: "GitHub repository acme/Docs.Site"',
        '- github:acme/web: "GitHub repository acme/web"',
    ], shown
    assert deployer.up() == {"app": "same", "trust": "update"}
    changed = only_project(client)
    assert changed.trusted() == ["github:acme/Docs.Site", "github:acme/api"]
    assert changed.trust_id("github:acme/api") == project.trust_id("github:acme/api")  # kept, not re-created

    client.add_trust_policy(project.id, github=pb.TrustPolicy.GitHub(repository_owner="intruder", repository="x"))
    client.remove_trust_policy(project.id, changed.trust_id("github:acme/api"))
    deployer.refresh()
    assert deployer.up() == {"app": "same", "trust": "update"}
    assert only_project(client).trusted() == ["github:acme/Docs.Site", "github:acme/api"]

    deployer.destroy()
    assert depot_projects(client) == {}


def yaml_tenant_fleet(deployer: Deployer, org: Org) -> None:
    """Tenants as depot:index:TenantProject components, which the plugin's Construct builds with the Python
    component's own code: the Python fleet's children, names and checks, under the YAML host."""
    client = org.client()
    program = deployer.program_dir / "Pulumi.yaml"

    assert deployer.preview() == fleet_ops({}, acme="create", globex="create")  # ids unknown: Construct in a preview
    assert deployer.up() == fleet_ops({}, acme="create", globex="create")
    projects = projects_by_name(client)
    acme, globex = projects["tenant-acme"], projects["tenant-globex"]
    assert (acme.region, acme.keep_gb, acme.keep_days, acme.trusted()) == ("us-east-1", 50, 14, ["github:acme/app"])
    assert (globex.region, globex.keep_gb, globex.keep_days) == ("eu-central-1", 100, 30)
    assert globex.trusted() == ["buildkite:globex/deploy"]
    assert [token.description for token in globex.tokens] == ["builds of tenant globex"]
    outputs = deployer.outputs()
    assert (outputs["acmeProjectId"], outputs["globexProjectId"]) == (acme.id, globex.id)
    assert deployer.secret_outputs() == {"acmeToken", "globexToken"}
    assert_project_token_works(org, outputs["acmeToken"], acme.id)
    assert_project_token_works(org, outputs["globexToken"], globex.id)
    # The component's token output is a secret in its state too: in no file the CLI wrote.
    assert plaintext_in(deployer.work_dir, outputs["acmeToken"], outputs["globexToken"]) == []

    assert unchanged(deployer.preview(expect_no_changes=True))
    assert depot_projects(client) == {acme.id: acme, globex.id: globex}

    # One edit: acme trusts a second repository, globex leaves, initech joins (no token, no trust).
    fleet = yaml.safe_load(program.read_text())
    resources = fleet["resources"]
    resources["tenant-acme"]["properties"]["trustPolicies"].append(
        {"github": {"repositoryOwner": "acme", "repository": "docs"}}
    )
    del resources["tenant-globex"]
    resources["tenant-initech"] = {
        "type": "depot:index:TenantProject",
        "properties": {
            "tenant": "initech",
            "projectName": "tenant-initech",
            "region": "us-east-1",
            "hardware": "HARDWARE_16X32",
            "token": False,
        },
    }
    fleet["outputs"] = {"acmeToken": "${tenant-acme.tokenSecret}", "initech": "${tenant-initech.projectId}"}
    program.write_text(yaml.safe_dump(fleet))
    assert deployer.up() == {
        **fleet_ops({"tenant-acme-trust": "update"}, acme="same", globex="delete"),
        "tenant-initech": "create",
        "tenant-initech-trust": "create",
    }
    projects = projects_by_name(client)
    edited, initech = projects["tenant-acme"], projects["tenant-initech"]
    assert sorted(projects) == ["tenant-acme", "tenant-initech"]
    assert (edited.id, edited.tokens) == (acme.id, acme.tokens)
    assert edited.trusted() == ["github:acme/app", "github:acme/docs"]
    assert edited.trust_id("github:acme/app") == acme.trust_id("github:acme/app")  # kept, not re-created
    assert (initech.hardware, initech.trust, initech.tokens) == ("HARDWARE_16X32", {}, ())
    assert deployer.outputs() == {"acmeToken": outputs["acmeToken"], "initech": initech.id}

    fleet_drift_heals(deployer, client, acme.id, initech.id)

    # Bad input fails with the Python component's own message, before anything changes.
    bad = {"tenant": "Initech_Corp", "nameTemplate": "tenant", "region": "us-east-1"}
    with pytest.raises(TenantsFileError) as python:
        TenantProject("tenant-initech", tenant="Initech_Corp", name_template="tenant", region="us-east-1")
    good, resources["tenant-initech"]["properties"] = resources["tenant-initech"]["properties"], bad
    program.write_text(yaml.safe_dump(fleet))
    failed = fails(deployer.up)
    assert all(line in failed for line in str(python.value).splitlines()), failed
    assert "Traceback" not in failed and "internal error" not in failed, failed
    assert sorted(projects_by_name(client)) == ["tenant-acme", "tenant-initech"]

    # retainOnDelete on a tenant reaches its children, as retain_on_delete in Python: destroy leaves its project.
    resources["tenant-initech"]["properties"] = good
    resources["tenant-acme"]["options"] = {"retainOnDelete": True}
    program.write_text(yaml.safe_dump(fleet))
    assert unchanged(deployer.up())
    deployer.destroy()
    assert sorted(depot_projects(client)) == [acme.id]


YAML_CYCLES: Final[dict[str, Callable[[Deployer, Org], object]]] = {
    # The YAML quickstart has the Python one's logical names, config and outputs: the same cycle judges it.
    "yaml-quickstart": example_cycles.quickstart,
    "yaml-github-trust": yaml_github_trust,
    "yaml-tenant-fleet": yaml_tenant_fleet,
}


@pytest.mark.parametrize("example", sorted(YAML_CYCLES))
def test_yaml_example_full_cycle(example: str, example_stack: MakeExampleStack, depot: Org) -> None:
    deployer = example_stack(example)
    YAML_CYCLES[example](deployer, depot)
    assert deployer.depot_types and deployer.depot_types <= NATIVE_TYPES, deployer.depot_types
    # The YAML host gets the stack's config, depot:token included: it writes it nowhere, nor prints it.
    assert plaintext_in(deployer.work_dir, depot.token) == plaintext_in(deployer.program_dir, depot.token) == []
    assert depot.token not in "\n".join(deployer.log)


def test_pulumi_import_in_a_yaml_project_writes_yaml_that_previews_no_changes(
    depot: Org, tmp_path: Path, pulumi_stack: Callable[..., PulumiStack]
) -> None:
    client = depot.client()
    legacy = client.create_project("legacy", "eu-central-1", cache_policy=pb.CachePolicy(keep_gb=80, keep_days=7))
    program = tmp_path / "program"
    program.mkdir()
    (program / "Pulumi.yaml").write_text("name: depot-yaml-import\nruntime: yaml\n", encoding="utf-8")
    stack = pulumi_stack(program, depot)

    stack.cli("import", "depot:index:Project", "legacy", legacy.project_id, "--yes", "--out", "imported.yaml")
    written = (program / "imported.yaml").read_text()
    assert yaml.safe_load(written)["resources"]["legacy"] == {
        "type": "depot:Project",  # YAML's short form of depot:index:Project
        "properties": {
            "name": "legacy",
            "region": "eu-central-1",
            "cachePolicy": {"keepGb": 80, "keepDays": 7},
            "hardware": "HARDWARE_UNSPECIFIED",
        },
        "options": {"protect": True},
    }, written

    # What a user does with it: append it to the program, then nothing is left to change.
    with (program / "Pulumi.yaml").open("a", encoding="utf-8") as project:
        project.write(written)
    assert stack.preview(expect_no_changes=True) == {"legacy": "same"}
    assert stack.resources()["legacy"]["id"] == legacy.project_id
    assert [p.project_id for p in client.list_projects()] == [legacy.project_id]
