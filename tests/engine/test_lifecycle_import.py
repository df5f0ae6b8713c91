"""Adoption by import_id under the real `pulumi`, then a replacement.

The engine re-runs Check with no old inputs when it replaces a resource (step_generator.go), so import_id is in
the replacement's inputs whatever Check did with it before: a replacement while import_id is declared would adopt
the same object again and the engine would then delete the "old" one, the very object now in state. (Before the
fix, a token adopted this way and rotated left ListTokens empty and the state holding a deleted token's id.) Diff
therefore refuses that replacement, as the engine refuses to replace a resource that still declares `import`.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from engine_lifecycle import authenticates, fails, policies, projects, tokens
from pulumi_depot_provider.proto import pb
from pulumi_stack import PulumiStack, write_program

FIX = "remove import_id — it only matters at creation — then run up again"

TOKEN_PROGRAM = """
import pulumi
import pulumi_depot as depot

config = pulumi.Config()
ci = depot.ProjectToken(
    "ci",
    project_id=config.require("projectId"),
    description="CI builds",
    rotation_trigger=config.get("rotation"),
    import_id=config.get("importId"),
    opts=pulumi.ResourceOptions(delete_before_replace=config.get_bool("dbr") or False),
)
pulumi.export("secret", ci.secret)
"""

PROJECT_PROGRAM = """
import pulumi
import pulumi_depot as depot

config = pulumi.Config()
depot.Project(
    "legacy",
    name=config.get("name") or "legacy",
    region="us-east-1",
    organization_id=config.get("organizationId"),
    import_id=config.get("importId"),
)
"""

POLICY_PROGRAM = """
import pulumi
import pulumi_depot as depot

config = pulumi.Config()
depot.TrustPolicy(
    "gh",
    project_id=config.require("projectId"),
    github=depot.GitHubTrustArgs(repository_owner="acme", repository=config.get("repository") or "api"),
    import_id=config.get("importId"),
)
"""


def test_an_adopted_token_is_never_re_adopted_and_deleted_by_a_rotation(
    depot: Any, tmp_path: Path, pulumi_stack: Callable[..., PulumiStack]
) -> None:
    client = depot.client()
    project_id = client.create_project("api", "us-east-1").project_id
    legacy = client.create_token(project_id, "legacy CI")
    stack = pulumi_stack(write_program(tmp_path / "token", TOKEN_PROGRAM), depot)
    stack.set_config("projectId", project_id)
    stack.set_config("importId", legacy.token_id)

    assert stack.up() == {"ci": "create"}
    assert stack.resources()["ci"]["id"] == legacy.token_id
    assert tokens(client, project_id) == {legacy.token_id: "CI builds"}  # adopted, description applied
    stack.preview(expect_no_changes=True)

    # Rotating while import_id is declared: refused at preview and at up, naming resource, import_id and fix.
    stack.set_config("rotation", "1")
    for action in (stack.preview, stack.up):
        message = fails(action)
        assert f"depot:ProjectToken 'CI builds' in project {project_id} (id {legacy.token_id}): replace refused" in (
            message
        )
        assert f"import_id '{legacy.token_id}' is still declared" in message and FIX in message
    assert tokens(client, project_id) == {legacy.token_id: "CI builds"}
    assert authenticates(depot.url, legacy.secret, project_id)
    assert stack.resources()["ci"]["id"] == legacy.token_id

    # A replacement the engine forces without asking Diff (`up --replace`; replace_on_changes likewise) re-adopts
    # the token: the provider host then keeps it instead of deleting what this deployment just adopted.
    stack.remove_config("rotation")
    assert stack.up(replace=[stack.resources()["ci"]["urn"]]) == {"ci": "replace"}
    assert "not deleted: this deployment adopted it by import_id" in "".join(stack.log)
    assert tokens(client, project_id) == {legacy.token_id: "CI builds"}
    assert stack.resources()["ci"]["id"] == legacy.token_id
    stack.set_config("rotation", "1")

    # The same with delete_before_replace: refused before anything is deleted.
    stack.set_config("dbr", "true")
    fails(stack.up)
    assert tokens(client, project_id) == {legacy.token_id: "CI builds"}
    stack.remove_config("dbr")

    # Removing import_id alone is no change.
    stack.remove_config("rotation")
    stack.remove_config("importId")
    stack.preview(expect_no_changes=True)
    assert stack.up() == {"ci": "same"}

    # Now the rotation proceeds: a new token, then the adopted one is deleted; exactly one working token.
    stack.set_config("rotation", "1")
    assert stack.up() == {"ci": "replace"}
    (token_id,) = tokens(client, project_id)
    assert token_id != legacy.token_id and stack.resources()["ci"]["id"] == token_id
    assert authenticates(depot.url, stack.outputs()["secret"], project_id)
    assert not authenticates(depot.url, legacy.secret, project_id)
    stack.preview(expect_no_changes=True)

    stack.destroy()
    assert tokens(client, project_id) == {}


def test_an_adopted_project_and_policy_refuse_replacement_until_import_id_is_removed(
    depot: Any, tmp_path: Path, pulumi_stack: Callable[..., PulumiStack]
) -> None:
    client = depot.client()
    legacy = client.create_project("legacy", "us-east-1")
    project = pulumi_stack(write_program(tmp_path / "project", PROJECT_PROGRAM), depot)
    project.set_config("importId", legacy.project_id)
    assert project.up() == {"legacy": "create"}
    assert project.resources()["legacy"]["id"] == legacy.project_id

    # In-place updates are fine with import_id declared.
    project.set_config("name", "legacy-2")
    assert project.up() == {"legacy": "update"}
    assert projects(client) == {legacy.project_id: "legacy-2"}

    # organization_id is the project's replacing input: refused while import_id is declared.
    project.set_config("organizationId", "otherorg")
    message = fails(project.up)
    assert f"depot:Project 'legacy-2' (id {legacy.project_id}): replace refused: organization_id changed" in message
    assert FIX in message
    assert projects(client) == {legacy.project_id: "legacy-2"}
    project.remove_config("organizationId")
    project.remove_config("importId")
    project.preview(expect_no_changes=True)

    # A trust policy: every change replaces it.
    github = pb.TrustPolicy.GitHub(repository_owner="acme", repository="api")
    existing = client.add_trust_policy(legacy.project_id, github=github)
    policy = pulumi_stack(write_program(tmp_path / "policy", POLICY_PROGRAM), depot)
    policy.set_config("projectId", legacy.project_id)
    policy.set_config("importId", existing.trust_policy_id)
    assert policy.up() == {"gh": "create"}
    assert policy.resources()["gh"]["id"] == existing.trust_policy_id
    policy.set_config("repository", "web")
    message = fails(policy.up)
    assert "replace refused: github changed" in message and FIX in message
    assert policies(client, legacy.project_id) == {existing.trust_policy_id: "github:acme/api"}

    policy.remove_config("importId")
    policy.remove_config("repository")
    policy.preview(expect_no_changes=True)
    policy.set_config("repository", "web")
    assert policy.up() == {"gh": "replace"}
    (policy_id,) = policies(client, legacy.project_id)
    assert policies(client, legacy.project_id) == {policy_id: "github:acme/web"}
    assert policy_id != existing.trust_policy_id and policy.resources()["gh"]["id"] == policy_id

    policy.destroy()
    project.destroy()
    assert projects(client) == {}
