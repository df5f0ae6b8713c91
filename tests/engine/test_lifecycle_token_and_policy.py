"""depot.ProjectToken and depot.TrustPolicy lifecycles under the real `pulumi`: one stack each, stack config
driving every step (create, no-op, in-place update, each replacement create-before-delete and
delete_before_replace with the order seen from Depot's side, drift, gone, protect, retain_on_delete, --target,
destroy)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from engine_lifecycle import authenticates, fails, policies, tokens, urn_of
from pulumi_stack import PulumiStack, write_program

TOKEN_PROGRAM = """
import pulumi
import pulumi_depot as depot

config = pulumi.Config()
api = depot.Project("api", name="api", region="us-east-1")
other = depot.Project("other", name="other", region="us-east-1")
if config.get_bool("declare") is not False:
    ci = depot.ProjectToken(
        "ci",
        project_id=other.id if config.get_bool("moved") else api.id,
        description=config.get("description") or "CI",
        rotation_trigger=config.get("rotation"),
        opts=pulumi.ResourceOptions(
            protect=config.get_bool("protect") or False,
            retain_on_delete=config.get_bool("retain") or False,
            delete_before_replace=config.get_bool("dbr") or False,
        ),
    )
    pulumi.export("secret", ci.secret)
depot.ProjectToken("cd", project_id=api.id, description=config.get("cdDescription") or "CD")
pulumi.export("api", api.id)
pulumi.export("other", other.id)
"""

POLICY_PROGRAM = """
import pulumi
import pulumi_depot as depot

config = pulumi.Config()
api = depot.Project("api", name="api", region="us-east-1")
opts = pulumi.ResourceOptions(
    protect=config.get_bool("protect") or False,
    retain_on_delete=config.get_bool("retain") or False,
    delete_before_replace=config.get_bool("dbr") or False,
)
if config.get_bool("declare") is not False:
    if config.get("kind") == "buildkite":
        depot.TrustPolicy("gh", project_id=api.id, opts=opts,
            buildkite=depot.BuildkiteTrustArgs(organization_slug="acme", pipeline_slug="deploy"))
    else:
        depot.TrustPolicy("gh", project_id=api.id, opts=opts,
            github=depot.GitHubTrustArgs(repository_owner="acme", repository=config.get("repository") or "api"))
depot.TrustPolicy("cc", project_id=api.id,
    circleci=depot.CircleCITrustArgs(organization_uuid="1c7d8d3e-5b0a-4c55-9d3e-2f0a6b1e8c41",
        project_uuid=config.get("ccProject") or "5f2a0b9c-8e7d-4a61-b3c2-0d9e8f7a6b51"))
pulumi.export("api", api.id)
"""

CC_ORG, CC_P1, CC_P2 = (
    "1c7d8d3e-5b0a-4c55-9d3e-2f0a6b1e8c41",
    "5f2a0b9c-8e7d-4a61-b3c2-0d9e8f7a6b51",
    "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c61",
)  # CircleCI ids are UUIDs


def test_project_token_lifecycle(
    start_depot_server: Callable[..., Any], tmp_path: Path, pulumi_stack: Callable[..., PulumiStack]
) -> None:
    server = start_depot_server()
    client = server.client()
    stack = pulumi_stack(write_program(tmp_path / "token", TOKEN_PROGRAM), server)

    assert stack.up() == {"api": "create", "other": "create", "ci": "create", "cd": "create"}
    api, other = stack.outputs()["api"], stack.outputs()["other"]
    ci_id = stack.resources()["ci"]["id"]
    assert tokens(client, api) == {ci_id: "CI", stack.resources()["cd"]["id"]: "CD"}
    assert authenticates(server.url, stack.outputs()["secret"], api)
    assert "secret" in stack.secret_outputs()
    stack.preview(expect_no_changes=True)

    def ci_tokens() -> dict[str, str]:
        return {key: value for key, value in tokens(client, api).items() if value != "CD"}

    # in place: description
    stack.set_config("description", "CI builds")
    assert stack.up()["ci"] == "update"
    assert ci_tokens() == {ci_id: "CI builds"}

    # rotation, create-before-delete: with DeleteToken failing, both tokens exist (the new one first); the next
    # up deletes the old one. Exactly one working token remains, and the state holds its id.
    old_secret = stack.outputs()["secret"]
    server.set_faults(unavailable_rate=1.0, methods=["DeleteToken"])
    stack.set_config("rotation", "1")
    fails(stack.up)
    assert len(ci_tokens()) == 2 and ci_id in ci_tokens()
    server.set_faults()
    stack.up()
    (rotated,) = ci_tokens()
    assert rotated != ci_id and stack.resources()["ci"]["id"] == rotated
    assert authenticates(server.url, stack.outputs()["secret"], api)
    assert not authenticates(server.url, old_secret, api)
    stack.preview(expect_no_changes=True)

    # rotation with delete_before_replace: with CreateToken failing, no token is left (the old one went first)
    stack.set_config("dbr", "true")
    stack.up()
    server.set_faults(unavailable_rate=1.0, methods=["CreateToken"])
    stack.set_config("rotation", "2")
    fails(stack.up)
    assert ci_tokens() == {}
    server.set_faults()
    stack.up()
    (again,) = ci_tokens()
    assert again != rotated and stack.resources()["ci"]["id"] == again
    assert authenticates(server.url, stack.outputs()["secret"], api)
    stack.preview(expect_no_changes=True)
    stack.remove_config("dbr")

    # project_id replaces: the token moves to the other project
    stack.set_config("moved", "true")
    assert stack.up()["ci"] == "replace"
    assert ci_tokens() == {} and list(tokens(client, other).values()) == ["CI builds"]
    assert authenticates(server.url, stack.outputs()["secret"], other)
    stack.remove_config("moved")
    assert stack.up()["ci"] == "replace"
    (current,) = ci_tokens()

    # drift: description changed by hand -> refresh -> up puts it back
    client.update_token(current, "by hand")
    stack.refresh()
    assert stack.resources()["ci"]["outputs"]["description"] == "by hand"
    assert stack.up()["ci"] == "update"
    assert ci_tokens() == {current: "CI builds"}

    # gone: deleted by hand -> refresh drops it -> up creates a new one
    client.delete_token(current)
    stack.refresh()
    assert "ci" not in stack.resources()
    assert stack.up()["ci"] == "create"
    (current,) = ci_tokens()
    assert authenticates(server.url, stack.outputs()["secret"], api)

    # protect
    stack.set_config("protect", "true")
    stack.up()
    assert "protected" in fails(stack.destroy)
    stack.set_config("rotation", "3")
    assert "protection" in fails(stack.up)  # a replacement entails a delete
    stack.set_config("rotation", "2")
    stack.set_config("declare", "false")
    assert "protected" in fails(stack.up)
    assert ci_tokens() == {current: "CI builds"}
    stack.remove_config("declare")
    stack.remove_config("protect")
    stack.up()

    # retain_on_delete
    stack.set_config("retain", "true")
    stack.up()
    stack.set_config("declare", "false")
    assert stack.up()["ci"] == "delete"
    assert "ci" not in stack.resources() and ci_tokens() == {current: "CI builds"}
    client.delete_token(current)
    stack.remove_config("declare")
    stack.remove_config("retain")
    assert stack.up()["ci"] == "create"

    # --target
    stack.set_config("description", "CI 2")
    stack.set_config("cdDescription", "CD 2")
    stack.up(target=[urn_of(stack, "ci")])
    assert sorted(tokens(client, api).values()) == ["CD", "CI 2"]
    assert stack.up()["cd"] == "update"
    assert sorted(tokens(client, api).values()) == ["CD 2", "CI 2"]

    stack.destroy()
    assert client.list_projects() == []


def test_trust_policy_lifecycle(
    start_depot_server: Callable[..., Any], tmp_path: Path, pulumi_stack: Callable[..., PulumiStack]
) -> None:
    server = start_depot_server()
    client = server.client()
    stack = pulumi_stack(write_program(tmp_path / "policy", POLICY_PROGRAM), server)

    assert stack.up() == {"api": "create", "gh": "create", "cc": "create"}
    api = stack.outputs()["api"]

    def gh() -> dict[str, str]:
        return {key: value for key, value in policies(client, api).items() if not value.startswith("circleci:")}

    assert gh() == {stack.resources()["gh"]["id"]: "github:acme/api"}
    stack.preview(expect_no_changes=True)

    # Every change replaces a policy. Create-before-delete: with RemoveTrustPolicy failing, both exist.
    server.set_faults(unavailable_rate=1.0, methods=["RemoveTrustPolicy"])
    stack.set_config("repository", "web")
    fails(stack.up)
    assert sorted(gh().values()) == ["github:acme/api", "github:acme/web"]
    server.set_faults()
    stack.up()
    assert gh() == {stack.resources()["gh"]["id"]: "github:acme/web"}
    stack.preview(expect_no_changes=True)

    # Another provider, with delete_before_replace: with AddTrustPolicy failing, the old one is already gone.
    stack.set_config("dbr", "true")
    stack.up()
    server.set_faults(unavailable_rate=1.0, methods=["AddTrustPolicy"])
    stack.set_config("kind", "buildkite")
    fails(stack.up)
    assert gh() == {}
    server.set_faults()
    stack.up()
    assert gh() == {stack.resources()["gh"]["id"]: "buildkite:acme/deploy"}
    stack.preview(expect_no_changes=True)
    stack.remove_config("dbr")
    stack.remove_config("kind")
    assert stack.up()["gh"] == "replace"

    # drift cannot happen in place (Depot cannot change a policy): the out-of-band change is a removal.
    # gone: removed by hand -> refresh drops it -> up adds it again
    (current,) = gh()
    client.remove_trust_policy(api, current)
    stack.refresh()
    assert "gh" not in stack.resources()
    assert stack.up()["gh"] == "create"
    (current,) = gh()
    assert gh() == {current: "github:acme/web"}

    # protect
    stack.set_config("protect", "true")
    stack.up()
    assert "protected" in fails(stack.destroy)
    stack.set_config("declare", "false")
    assert "protected" in fails(stack.up)
    assert list(gh()) == [current]
    stack.remove_config("declare")
    stack.remove_config("protect")
    stack.up()

    # retain_on_delete
    stack.set_config("retain", "true")
    stack.up()
    stack.set_config("declare", "false")
    assert stack.up()["gh"] == "delete"
    assert "gh" not in stack.resources() and list(gh()) == [current]
    client.remove_trust_policy(api, current)
    stack.remove_config("declare")
    stack.remove_config("retain")
    assert stack.up()["gh"] == "create"

    # --target
    stack.set_config("repository", "app")
    stack.set_config("ccProject", CC_P2)
    # Not targeted, cc is reported as "same" although it has a pending change.
    assert stack.up(target=[urn_of(stack, "gh")]) == {"api": "same", "gh": "replace", "cc": "same"}
    assert sorted(policies(client, api).values()) == [f"circleci:{CC_ORG}/{CC_P1}", "github:acme/app"]
    assert stack.up()["cc"] == "replace"
    assert sorted(policies(client, api).values()) == [f"circleci:{CC_ORG}/{CC_P2}", "github:acme/app"]

    stack.destroy()
    assert client.list_projects() == []
