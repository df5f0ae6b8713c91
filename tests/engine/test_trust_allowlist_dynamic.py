"""The trust allowlist holds for an explicit dynamic provider, under the real `pulumi` (issue 22).

Before: `pulumi.ProviderResource("pulumi-python", "explicit", {"depot:token": ...})` configured its host with only
those arguments, so `depot:allowedTrust` never reached it and its policies went through. Now the provider object
the SDK pickles into `__provider` carries the stack's allowlist from the program; adding it to an existing stack
changes no resource."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from engine_lifecycle import fails, policies
from pulumi_stack import PulumiStack, write_program

PROGRAM = """
import pulumi
import pulumi_depot as depot

config = pulumi.Config()
project = config.require("project")
depot_config = pulumi.Config("depot")
args = {"depot:token": depot_config.require_secret("token"), "depot:apiUrl": depot_config.require("apiUrl")}
explicit = pulumi.ProviderResource("pulumi-python", "explicit", args)
narrow = pulumi.ProviderResource("pulumi-python", "narrow", {**args, "depot:allowedTrust": '{"github": ["acme"]}'})


def github(name, owner, provider=None):
    depot.TrustPolicy(name, project_id=project, github=depot.GitHubTrustArgs(repository_owner=owner, repository=name),
        opts=pulumi.ResourceOptions(provider=provider))


github("default", "acme")
github("explicit", "acme-labs", explicit)
extra = config.get("extra")
if extra == "evil":
    github("evil", "evil", explicit)
elif extra == "narrowed":
    github("narrowed", "acme-labs", narrow)
"""


def test_an_explicit_dynamic_provider_enforces_the_stack_allowlist(
    depot: Any, tmp_path: Path, pulumi_stack: Callable[..., PulumiStack]
) -> None:
    client = depot.client()
    project = client.create_project("api", "us-east-1").project_id
    stack = pulumi_stack(write_program(tmp_path / "program", PROGRAM), depot)
    stack.set_config("project", project)
    assert stack.up() == {"default": "create", "explicit": "create"}

    # The stack's allowlist now travels in `__provider`: that change alone is not a change of any resource.
    stack.set_config("depot:allowedTrust", json.dumps({"github": ["acme", "acme-labs"]}))
    stack.preview(expect_no_changes=True)

    stack.set_config("extra", "evil")
    output = fails(stack.up)  # the Automation API's up skips the preview
    assert (
        "resource 'evil' has a problem: github.repository_owner: trust policy github:evil/evil is not allowed: "
        "depot:allowedTrust allows GitHub owners acme, acme-labs; add 'evil' to the 'github' list of "
        "depot:allowedTrust if this grant is intended"
    ) in output
    assert "value {" not in output  # property "": the engine does not echo the input

    stack.set_config("extra", "narrowed")
    output = fails(stack.preview)
    assert "trust policy github:acme-labs/narrowed is not allowed: the provider's allowedTrust allows GitHub" in output
    assert sorted(policies(client, project).values()) == ["github:acme-labs/explicit", "github:acme/default"]

    # CI's allowlist reaches every host, and the stack file cannot widen it: the policy already held is refused.
    stack.remove_config("extra")
    stack.env["DEPOT_ALLOWED_TRUST"] = json.dumps({"github": ["acme"]})  # the workspace's own env dict
    output = fails(stack.preview)
    assert "trust policy github:acme-labs/explicit is not allowed: DEPOT_ALLOWED_TRUST allows GitHub owners acme" in (
        output
    )
    summary = "depot trust allowlist: GitHub owners acme, no Buildkite organizations, no CircleCI organizations"
    assert f"{summary} (from DEPOT_ALLOWED_TRUST and depot:allowedTrust)" in output
