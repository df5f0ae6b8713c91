"""`pulumi import` through the native plugin under the real `pulumi`: every resource type is imported from
depot-local by the engine's own import (Read with only an id), then the program declaring them previews with no
changes and `up` changes nothing in Depot; and `pulumi import --out imported.py`, the Python program the language
host generates (Pulumi's codegen), is that program."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from native_stack import native_resources, up
from pulumi import automation as auto
from pulumi_depot_provider.proto import pb
from pulumi_stack import PULUMI, PulumiStack, write_program

PROGRAM = """
import pulumi

config = pulumi.Config()
legacy = pulumi.CustomResource("depot:index:Project", "legacy", {
    "name": "legacy",
    "region": "eu-central-1",
    "cachePolicy": {"keepGb": 80},
})
pulumi.CustomResource("depot:index:TrustPolicySet", "legacy-trust", {
    "projectId": legacy.id,
    "policies": [{"github": {"repositoryOwner": "acme", "repository": "legacy"}}],
})
other = config.require("otherProject")
pulumi.CustomResource("depot:index:TrustPolicy", "other-deploy", {
    "projectId": other,
    "buildkite": {"organizationSlug": "acme", "pipelineSlug": "deploy"},
})
pulumi.CustomResource("depot:index:ProjectToken", "other-ci", {"projectId": other, "description": "CI builds"})
"""


def depot_view(client: Any) -> dict[str, Any]:
    """Every project with its settings, trust policy ids and token ids."""
    return {
        p.project_id: (
            p.name,
            p.region_id,
            p.cache_policy.keep_gb,
            sorted(t.trust_policy_id for t in client.list_trust_policies(p.project_id)),
            sorted((t.token_id, t.description) for t in client.list_tokens(p.project_id)),
        )
        for p in client.list_projects()
    }


def seed(client: Any, tmp_path: Path) -> tuple[Any, Any, Any, Any, Path]:
    """Depot objects of every importable kind, made outside Pulumi, and the import file naming them."""
    legacy = client.create_project("legacy", "eu-central-1", cache_policy=pb.CachePolicy(keep_gb=80, keep_days=7))
    client.add_trust_policy(
        legacy.project_id, github=pb.TrustPolicy.GitHub(repository_owner="acme", repository="legacy")
    )
    other = client.create_project("other", "us-east-1")
    policy = client.add_trust_policy(
        other.project_id, buildkite=pb.TrustPolicy.Buildkite(organization_slug="acme", pipeline_slug="deploy")
    )
    token = client.create_token(other.project_id, "CI builds")
    resources = [
        ("depot:index:Project", "legacy", legacy.project_id),
        ("depot:index:TrustPolicySet", "legacy-trust", legacy.project_id),
        ("depot:index:TrustPolicy", "other-deploy", f"{other.project_id}/{policy.trust_policy_id}"),
        ("depot:index:ProjectToken", "other-ci", f"{other.project_id}/{token.token_id}"),
    ]
    imports = tmp_path / "import.json"
    imports.write_text(
        json.dumps({"resources": [{"type": t, "name": n, "id": i} for t, n, i in resources]}), encoding="utf-8"
    )
    return legacy, other, policy, token, imports


def test_pulumi_import_of_every_resource_then_no_changes(
    depot: Any, tmp_path: Path, pulumi_stack: Callable[..., PulumiStack]
) -> None:
    client = depot.client()
    legacy, other, policy, token, imports = seed(client, tmp_path)
    before = depot_view(client)

    program = write_program(tmp_path / "program", PROGRAM)
    stack = pulumi_stack(program, depot)
    stack.set_config("otherProject", other.project_id)
    stack.cli("import", "--file", str(imports), "--yes", "--generate-code=false", "--protect=false")

    state = native_resources(stack)
    assert {name: r["id"] for name, r in state.items()} == {
        "legacy": legacy.project_id,
        "legacy-trust": legacy.project_id,
        "other-deploy": policy.trust_policy_id,
        "other-ci": token.token_id,
    }
    assert state["legacy"]["inputs"]["cachePolicy"] == {"keepGb": 80, "keepDays": 7}
    assert state["other-ci"]["outputs"]["secretKnown"] is False
    assert "secret" not in state["other-ci"]["outputs"]  # Depot shows a secret only at creation

    stack.preview(expect_no_changes=True)
    assert up(stack) == dict.fromkeys(state, "same")
    assert depot_view(client) == before


def test_import_of_a_missing_project_fails_naming_it(
    depot: Any, tmp_path: Path, pulumi_stack: Callable[..., PulumiStack]
) -> None:
    stack = pulumi_stack(write_program(tmp_path / "program", "import pulumi\n"), depot)
    with pytest.raises(auto.CommandError) as failure:
        stack.cli("import", "depot:index:Project", "ghost", "nosuchproject", "--yes", "--generate-code=false")
    assert (
        "depot:index:Project (id nosuchproject): read failed: Depot has no object with this id in the token's "
        "organization (the id of a depot:index:Project is its project id)"
    ) in str(failure.value)
    assert native_resources(stack) == {}


IMPORT_OPTION_PROGRAM = """
import pulumi

config = pulumi.Config()
pulumi.CustomResource("depot:index:Project", "legacy", {"name": "legacy", "region": "us-east-1"},
    pulumi.ResourceOptions(import_=config.require("projectId")))
"""


def test_import_resource_option_adopts_the_project(
    depot: Any, tmp_path: Path, pulumi_stack: Callable[..., PulumiStack]
) -> None:
    client = depot.client()
    legacy = client.create_project("legacy", "us-east-1")
    before = depot_view(client)
    stack = pulumi_stack(write_program(tmp_path / "program", IMPORT_OPTION_PROGRAM), depot)
    stack.set_config("projectId", legacy.project_id)

    assert up(stack) == {"legacy": "import"}
    assert native_resources(stack)["legacy"]["id"] == legacy.project_id
    assert depot_view(client) == before
    stack.preview(expect_no_changes=True)


PCL = """
resource api "depot:index:Project" {
  name = "api"
  region = "us-east-1"
}
"""


def test_pulumi_import_out_writes_the_python_program_that_previews_with_no_changes(
    depot: Any, tmp_path: Path, pulumi_stack: Callable[..., PulumiStack]
) -> None:
    """The default of `pulumi import`, code generation, in a Python project: the language host's GenerateProgram
    (Pulumi's Python codegen) writes every imported resource with the generated SDK, and that program, run as the
    stack's program, declares exactly what was imported. `pulumi convert` of PCL to a Python project too."""
    client = depot.client()
    *_, imports = seed(client, tmp_path)
    program = write_program(tmp_path / "program", "import pulumi\n")
    stack = pulumi_stack(program, depot)
    out = program / "imported.py"
    stack.cli("import", "--file", str(imports), "--yes", "--protect=false", "--out", str(out))

    code = out.read_text(encoding="utf-8")
    assert "import pulumi_depot_native" in code
    for kind in ("Project", "TrustPolicySet", "TrustPolicy", "ProjectToken"):
        assert f".{kind}(" in code, (kind, code)
    (program / "__main__.py").write_text(code, encoding="utf-8")
    stack.preview(expect_no_changes=True)

    # `pulumi convert` from PCL: the host's GenerateProject writes a whole project, then links its SDKs (Link).
    pcl = tmp_path / "pcl"
    pcl.mkdir()
    (pcl / "main.pp").write_text(PCL, encoding="utf-8")
    converted = tmp_path / "converted"
    command = [str(PULUMI), "convert", "--from", "pcl", "--language", "python", "--out", str(converted)]
    done = subprocess.run(
        [*command, "--generate-only"], cwd=pcl, env=stack.env, capture_output=True, text=True, timeout=300, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "runtime: python" in (converted / "Pulumi.yaml").read_text(encoding="utf-8")
    assert "pulumi_depot_native" in (converted / "requirements.txt").read_text(encoding="utf-8")
    assert 'depot.Project("api"' in (converted / "__main__.py").read_text(encoding="utf-8")
