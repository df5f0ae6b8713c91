"""The native plugin's configuration and secrets under the real `pulumi`: an explicit provider with its own secret
`token` (another organization) and `apiUrl`; a ProjectToken's `secret` returned as a secret and never written in
plaintext (state, PULUMI_HOME, plugin logs, CLI output); bad inputs and a missing token fail check with one line;
an object deleted by hand is dropped by refresh and created again by up."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from native_stack import native_resources, providers, up
from pulumi import automation as auto
from pulumi_depot_provider.client import DepotClient
from pulumi_stack import PulumiStack, plaintext_in, without_cancelled_program, write_program

SECRET_SIG = "4dabf18193072939515e22adb298388d"  # how the state marks an encrypted value

EXPLICIT_PROGRAM = """
import pulumi

config = pulumi.Config()
other_org = pulumi.ProviderResource("depot", "other-org", {
    "token": config.require_secret("otherToken"),
    "apiUrl": pulumi.Config("depot").require("apiUrl"),
})
opts = pulumi.ResourceOptions(provider=other_org)
tenant = pulumi.CustomResource("depot:index:Project", "tenant", {"name": "tenant", "region": "us-east-1"}, opts)
ci = pulumi.CustomResource("depot:index:ProjectToken", "ci",
    {"projectId": tenant.id, "description": "CI builds", "secret": None}, opts)
pulumi.export("project_id", tenant.id)
pulumi.export("token", ci.secret)
"""

PROJECT_PROGRAM = """
import pulumi

config = pulumi.Config()
pulumi.CustomResource("depot:index:Project", "api", {
    "name": config.get("name") or "api",
    "region": config.get("region") or "us-east-1",
})
"""


def test_explicit_provider_with_a_secret_token_and_a_secret_output(
    depot: Any, tmp_path: Path, pulumi_stack: Callable[..., PulumiStack]
) -> None:
    other = depot.server.create_org("other organization")
    stack = pulumi_stack(write_program(tmp_path / "program", EXPLICIT_PROGRAM), depot)
    stack.set_config("otherToken", other.token, secret=True)

    assert up(stack) == {"tenant": "create", "ci": "create"}
    project_id = stack.outputs()["project_id"]
    assert [p.project_id for p in other.client().list_projects()] == [project_id]  # the explicit provider's org
    assert depot.client().list_projects() == []  # not the stack config's

    assert "token" in stack.secret_outputs()
    secret = stack.outputs()["token"]
    with DepotClient(base_url=depot.url, token=secret) as builds:
        assert builds.get_project(project_id).project_id == project_id  # a working project token

    state = native_resources(stack)
    assert state["ci"]["outputs"]["secret"][SECRET_SIG]  # encrypted in the state
    assert state["ci"]["outputs"]["secretKnown"] is True
    explicit = providers(stack)["other-org"]
    assert explicit["inputs"]["token"][SECRET_SIG] and explicit["outputs"]["token"][SECRET_SIG]
    needles = (secret, other.token, depot.token)
    assert plaintext_in(stack.work_dir, *needles) == []  # backend, PULUMI_HOME, plugin logs
    assert [n for n in needles if n in "\n".join(stack.log)] == []

    stack.preview(expect_no_changes=True)
    stack.destroy()
    assert other.client().list_projects() == []


def test_failures_are_one_line(depot: Any, tmp_path: Path, pulumi_stack: Callable[..., PulumiStack]) -> None:
    stack = pulumi_stack(write_program(tmp_path / "program", PROJECT_PROGRAM), depot)
    stack.set_config("region", "mars-1")
    with pytest.raises(auto.CommandError) as failure:
        stack.preview()
    # The engine's rendering of a check failure: the property path and the provider's reason, never the value
    # (a failure naming a property would make the engine print the value raw).
    assert "has a problem: region: Input should be 'us-east-1' or 'eu-central-1'" in str(failure.value)
    assert "mars-1" not in str(failure.value)
    assert "Traceback" not in without_cancelled_program(str(failure.value))

    stack.remove_config("region")
    stack.set_config("depot:apiUrl", "ftp://127.0.0.1:21")  # the provider's CheckConfig refuses it
    with pytest.raises(auto.CommandError) as failure:
        stack.preview()
    assert "depot:apiUrl / DEPOT_API_URL='ftp://127.0.0.1:21' must start with http:// or https://" in str(failure.value)

    stack.set_config("depot:apiUrl", depot.url)
    stack.remove_config("depot:token")
    with pytest.raises(auto.CommandError) as failure:
        stack.preview()
    assert "no Depot token is configured: run `pulumi config set --secret depot:token <token>`" in str(failure.value)
    assert depot.client().list_projects() == []

    # A failure of the resource code is its own line (the resource, the operation, what to do), no traceback.
    stack.set_config("depot:token", depot.token, secret=True)
    taken = depot.client().create_project("api", "us-east-1").project_id
    with pytest.raises(auto.CommandError) as failure:
        up(stack)
    assert (
        f"error: depot:index:Project 'api': create refused: project {taken} is already named 'api' in us-east-1, and "
        "this stack does not hold it"
    ) in str(failure.value)
    assert f"pulumi import depot:index:Project <name> {taken}" in str(failure.value)
    assert "Traceback" not in without_cancelled_program(str(failure.value))
    assert "File " not in without_cancelled_program(str(failure.value))
    assert [p.project_id for p in depot.client().list_projects()] == [taken]


def test_deleted_by_hand_refresh_drops_it_and_up_creates_it_again(
    depot: Any, tmp_path: Path, pulumi_stack: Callable[..., PulumiStack]
) -> None:
    client = depot.client()
    stack = pulumi_stack(write_program(tmp_path / "program", PROJECT_PROGRAM), depot)
    assert up(stack) == {"api": "create"}
    first = native_resources(stack)["api"]["id"]

    client.delete_project(first)
    stack.refresh()
    assert native_resources(stack) == {}
    assert up(stack) == {"api": "create"}
    assert [p.name for p in client.list_projects()] == ["api"]
    assert native_resources(stack)["api"]["id"] != first
