"""The native plugin under the real `pulumi`: depot:index:Project and depot:index:TrustPolicySet created in
depot-local, drift shown by `preview --diff` per policy key and per property (old => new), fixed by up, destroyed."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from native_stack import native_resources, resource_block, up
from pulumi_depot_provider.proto import pb
from pulumi_stack import PulumiStack, write_program

PROGRAM = """
import pulumi

config = pulumi.Config()
api = pulumi.CustomResource("depot:index:Project", "api", {
    "name": "api",
    "region": "us-east-1",
    "cachePolicy": {"keepGb": config.get_int("keepGb") or 50, "keepDays": 14},
})
pulumi.CustomResource("depot:index:TrustPolicySet", "api-trust", {
    "projectId": api.id,
    "policies": [{"github": {"repositoryOwner": "acme", "repository": "app"}}],
})
pulumi.export("project_id", api.id)
"""


def policy_keys(client: Any, project_id: str) -> list[str]:
    keys = []
    for policy in client.list_trust_policies(project_id):
        kind = policy.WhichOneof("provider")
        message = getattr(policy, kind)
        keys.append(f"{kind}:" + "/".join(getattr(message, field.name) for field in message.DESCRIPTOR.fields))
    return sorted(keys)


def test_native_project_and_trust_policy_set_lifecycle(
    depot: Any, tmp_path: Path, pulumi_stack: Callable[..., PulumiStack]
) -> None:
    client = depot.client()
    stack = pulumi_stack(write_program(tmp_path / "program", PROGRAM), depot)

    assert up(stack) == {"api": "create", "api-trust": "create"}
    project_id = stack.outputs()["project_id"]
    project = client.get_project(project_id)
    assert (project.name, project.region_id, project.cache_policy.keep_gb) == ("api", "us-east-1", 50)
    assert policy_keys(client, project_id) == ["github:acme/app"]
    state = native_resources(stack)
    assert state["api"]["type"] == "depot:index:Project" and state["api"]["id"] == project_id
    assert state["api-trust"]["outputs"]["granted"] == {"github:acme/app": "GitHub repository acme/app"}
    stack.preview(expect_no_changes=True)

    # A policy added by hand: preview --diff names it under the set as a deletion (its Diff reads Depot); before a
    # refresh the state has no description of it to show, after one it has.
    client.add_trust_policy(
        project_id, github=pb.TrustPolicy.GitHub(repository_owner="evil-org", repository="backdoor")
    )
    block = resource_block(stack.preview_text("--diff"), "depot:index:TrustPolicySet")
    assert "- github:evil-org/backdoor: [unknown]" in [line.strip() for line in block]
    stack.refresh()
    block = resource_block(stack.preview_text("--diff"), "depot:index:TrustPolicySet")
    assert block[0].strip() == "~ depot:index:TrustPolicySet: (update)"
    assert '- github:evil-org/backdoor: "GitHub repository evil-org/backdoor"' in [line.strip() for line in block]

    # A changed cache policy: the property, old => new, under the project.
    stack.set_config("keepGb", "100")
    block = resource_block(stack.preview_text("--diff"), "depot:index:Project")
    assert [line.strip() for line in block if not line.strip().startswith("[")] == [
        "~ depot:index:Project: (update)",
        "~ cachePolicy: {",
        "~ keepGb: 50 => 100",
        "}",
    ]

    assert up(stack) == {"api": "update", "api-trust": "update"}
    assert client.get_project(project_id).cache_policy.keep_gb == 100
    assert policy_keys(client, project_id) == ["github:acme/app"]
    stack.preview(expect_no_changes=True)

    stack.destroy()
    assert [p.project_id for p in client.list_projects()] == []
