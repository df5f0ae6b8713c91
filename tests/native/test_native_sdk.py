"""The generated SDK (import pulumi_depot_native as depot) under the real `pulumi`, with the plugin found on PATH
(the console script; the default): Project, TrustPolicySet and ProjectToken in depot-local, an explicit
depot.Provider for a second organization, an invoke (get_project_output), the token's secret kept secret in the
state; no changes on a second preview; destroy removes everything."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from native_stack import native_resources, providers, up
from pulumi import automation as auto
from pulumi_depot_provider.resources.token_mark import plain
from pulumi_stack import PulumiStack, plaintext_in, write_program

SECRET_SIG = "4dabf18193072939515e22adb298388d"  # how the state marks an encrypted value

PROGRAM = """
import pulumi
import pulumi_depot_native as depot

config = pulumi.Config()
api = depot.Project("api",
    name="api",
    region=depot.Region.US_EAST1,
    cache_policy=depot.CachePolicyArgs(keep_gb=50, keep_days=14))
depot.TrustPolicySet("api-trust", project_id=api.id, policies=[
    depot.TrustPolicyEntryArgs(github=depot.GitHubTrustArgs(repository_owner="acme", repository="app")),
])
ci = depot.ProjectToken("ci", project_id=api.id, description="CI builds")

org_b = depot.Provider("org-b",
    token=config.require_secret("orgBToken"),
    api_url=pulumi.Config("depot").require("apiUrl"))
tenant = depot.Project("tenant", name="tenant", region="eu-central-1",
    opts=pulumi.ResourceOptions(provider=org_b))

pulumi.export("project_id", api.id)
pulumi.export("tenant_id", tenant.id)
pulumi.export("token", ci.secret)
pulumi.export("looked_up", depot.get_project_output(id=api.id).name)  # an invoke through the plugin
"""


def test_the_generated_sdk_under_the_engine(
    depot: Any, tmp_path: Path, pulumi_stack: Callable[..., PulumiStack]
) -> None:
    org_b = depot.server.create_org("organization b")
    stack = pulumi_stack(write_program(tmp_path / "program", PROGRAM), depot)
    stack.set_config("orgBToken", org_b.token, secret=True)

    assert up(stack) == {"api": "create", "api-trust": "create", "ci": "create", "tenant": "create"}
    assert any("using pulumi-resource-depot from $PATH" in line for line in stack.log)  # (a): the console script
    outputs = stack.outputs()
    assert outputs["looked_up"] == "api"
    project = depot.client().get_project(outputs["project_id"])
    assert (project.name, project.region_id, project.cache_policy.keep_gb) == ("api", "us-east-1", 50)
    [policy] = depot.client().list_trust_policies(outputs["project_id"])
    assert (policy.github.repository_owner, policy.github.repository) == ("acme", "app")
    assert [plain(t.description) for t in depot.client().list_tokens(outputs["project_id"])] == ["CI builds"]
    # The explicit provider's organization, not the stack config's.
    assert [p.project_id for p in org_b.client().list_projects()] == [outputs["tenant_id"]]
    assert {p.project_id for p in depot.client().list_projects()} == {outputs["project_id"]}

    # The token: a secret output, encrypted in the state, nowhere in plaintext (backend, PULUMI_HOME, output).
    assert "token" in stack.secret_outputs()
    secret = outputs["token"]
    state = native_resources(stack)
    assert state["ci"]["type"] == "depot:index:ProjectToken"
    assert state["ci"]["outputs"]["secret"][SECRET_SIG]
    assert providers(stack)["org-b"]["inputs"]["token"][SECRET_SIG]
    needles = (secret, org_b.token, depot.token)
    assert [n for n in needles if n in stack.cli("stack", "export")] == []
    assert plaintext_in(stack.work_dir, *needles) == []
    assert [n for n in needles if n in "\n".join(stack.log)] == []

    stack.preview(expect_no_changes=True)
    stack.destroy()
    assert depot.client().list_projects() == [] and org_b.client().list_projects() == []


INSECURE_PROGRAM = """
import pulumi
import pulumi_depot_native as depot

lan = depot.Provider("lan", token=pulumi.Config().require_secret("lanToken"), api_url="http://depot.invalid:8787",
    allow_insecure_http=pulumi.Config().require_bool("allow"))
depot.Project("api", name="api", region="us-east-1", opts=pulumi.ResourceOptions(provider=lan))
"""


def test_the_generated_providers_allow_insecure_http_bool_reaches_the_plugin(
    depot: Any, tmp_path: Path, pulumi_stack: Callable[..., PulumiStack]
) -> None:
    """The generated Provider sends a bool config value JSON-encoded ("true"/"false"); the plugin reads it as the
    bool it is: False keeps the cleartext refusal for a non-loopback http:// apiUrl, True lifts it."""
    stack = pulumi_stack(write_program(tmp_path / "program", INSECURE_PROGRAM), depot)
    stack.set_config("lanToken", depot.token, secret=True)
    stack.set_config("allow", "false")
    with pytest.raises(auto.CommandError) as refused:
        stack.preview()
    assert "the Depot token would cross the network in cleartext" in str(refused.value)

    stack.set_config("allow", "true")
    assert stack.preview() == {"api": "create"}  # accepted (a create's preview does not call Depot)
    assert depot.client().list_projects() == []
