"""depot.TrustPolicySet under the real `pulumi`: create (adopting what matches, removing the rest), no-op, a
changed list, drift (a policy added by hand: preview names it, refresh records it, up removes it), destroy; and a
project claimed by a set and a plain TrustPolicy fails the preview before anything changes."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from engine_lifecycle import fails, policies
from pulumi_depot_provider.proto import pb
from pulumi_stack import PulumiStack, write_program

PROGRAM = """
import pulumi
import pulumi_depot as depot

config = pulumi.Config()
repos = (config.get("repos") or "app").split(",")
depot.TrustPolicySet("trust", project_id=config.require("projectId"),
    policies=[depot.GitHubTrustArgs(repository_owner="acme", repository=repo) for repo in repos])
if config.get_bool("mixed"):
    depot.TrustPolicy("web", project_id=config.require("projectId"),
        github=depot.GitHubTrustArgs(repository_owner="acme", repository="web"))
"""


def test_trust_policy_set_lifecycle(depot: Any, tmp_path: Path, pulumi_stack: Callable[..., PulumiStack]) -> None:
    client = depot.client()
    project_id = client.create_project("api", "us-east-1").project_id
    kept = client.add_trust_policy(project_id, github=pb.TrustPolicy.GitHub(repository_owner="acme", repository="app"))
    client.add_trust_policy(project_id, github=pb.TrustPolicy.GitHub(repository_owner="acme", repository="old"))
    stack = pulumi_stack(write_program(tmp_path / "program", PROGRAM), depot)
    stack.set_config("projectId", project_id)

    # Owning two policies of another program fails the preview, naming both, and changes nothing.
    stack.set_config("mixed", "true")
    message = fails(stack.preview)
    assert "depot.TrustPolicy 'web' and depot.TrustPolicySet 'trust' both declare" in message
    assert len(policies(client, project_id)) == 2
    stack.remove_config("mixed")

    assert stack.up() == {"trust": "create"}
    assert policies(client, project_id) == {kept.trust_policy_id: "github:acme/app"}  # adopted; "old" removed
    stack.preview(expect_no_changes=True)

    stack.set_config("repos", "app,web")
    assert stack.up() == {"trust": "update"}
    assert sorted(policies(client, project_id).values()) == ["github:acme/app", "github:acme/web"]
    assert kept.trust_policy_id in policies(client, project_id)
    stack.preview(expect_no_changes=True)

    # drift: a policy added by hand shows at preview (without a refresh), refresh records it, up removes it
    client.add_trust_policy(project_id, github=pb.TrustPolicy.GitHub(repository_owner="evil", repository="x"))
    # Before a refresh the engine shows an update but cannot name the policy: its display compares the old and new
    # inputs, which both list only the declared policies (and what Diff logs reaches no preview output).
    assert stack.preview() == {"trust": "update"}
    assert "github:evil/x" not in stack.preview_text("--diff")
    stack.refresh()
    assert any("evil/x" in line for line in stack.resources()["trust"]["outputs"]["drift"])
    assert "github:evil/x" in stack.preview_text("--diff")  # refresh put the live set in the old inputs
    assert stack.up() == {"trust": "update"}
    assert sorted(policies(client, project_id).values()) == ["github:acme/app", "github:acme/web"]
    stack.preview(expect_no_changes=True)

    stack.destroy()
    assert policies(client, project_id) == {}
