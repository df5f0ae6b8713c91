"""Upgrading the plugin and its SDK across the camelCase rename of the schema (issue 18): a native stack written by
the previous plugin (snake_case names in its state and inputs) previews with no changes under the new one, refreshes
and updates in place, and no Depot object is re-created; Update and Delete take the old state too.

The previous plugin and SDK are the code of PREVIOUS (the last commit before the rename), taken from git into a
directory that PYTHONPATH puts before the installed packages: the plugin (the virtualenv's console script) and the
program then import that code."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from native_stack import native_resources, preview, up
from pulumi_stack import PulumiStack, code_at, write_program

PREVIOUS = "b7991d8bf806ec58b2ac0dd1ead4e58bf525d9a8"
OLD_CODE = ("provider/pulumi_depot_provider", "sdk/pulumi_depot", "sdk/pulumi_depot_native")

PROGRAM = """
import pulumi
import pulumi_depot_native as depot

config = pulumi.Config()
api = depot.Project("api", name="api", region="us-east-1", hardware="HARDWARE_8X16",
    cache_policy=depot.CachePolicyArgs(keep_gb=config.get_int("keepGb") or 50, keep_days=14))
depot.TrustPolicySet("api-trust", project_id=api.id, policies=[
    depot.TrustPolicyEntryArgs(github=depot.GitHubTrustArgs(repository_owner="acme", repository="app")),
])
web = depot.Project("web", name="web", region="eu-central-1")
if config.get_bool("webTrust") is not False:
    depot.TrustPolicy("web-bk", project_id=web.id,
        buildkite=depot.BuildkiteTrustArgs(organization_slug="acme", pipeline_slug="deploy"))
ci = depot.ProjectToken("ci", project_id=api.id, description="CI builds")
pulumi.export("token", ci.secret)
"""


def previous_code(into: Path) -> Path:
    """PREVIOUS's provider and SDKs under `into` (git archive), or the test fails naming the fix."""
    return code_at(PREVIOUS, OLD_CODE, into)


def test_a_stack_of_the_previous_plugin_upgrades_in_place(depot: Any, tmp_path: Path, pulumi_cli: Path) -> None:
    old = previous_code(tmp_path / "previous")
    program = write_program(tmp_path / "program", PROGRAM)
    work = tmp_path / "pulumi"  # one backend and PULUMI_HOME for both: the same stack
    python_path = os.pathsep.join(str(old / part) for part in ("sdk/pulumi_depot_native", "provider", "sdk"))
    before = PulumiStack(program, work, api_url=depot.url, token=depot.token, env={"PYTHONPATH": python_path})

    assert up(before) == {"api": "create", "api-trust": "create", "ci": "create", "web": "create", "web-bk": "create"}
    written = native_resources(before)
    assert written["api"]["outputs"]["cache_policy"]["keep_gb"] == 50  # the previous plugin's snake_case state
    assert written["web-bk"]["inputs"]["buildkite"]["organization_slug"] == "acme"
    ids = {name: resource["id"] for name, resource in written.items()}
    token = before.outputs()["token"]

    after = PulumiStack(program, work, api_url=depot.url, token=depot.token)
    assert preview(after, expect_no_changes=True) == dict.fromkeys(ids, "same")  # Diff of the old state
    # Update and Delete of the old state; the others keep theirs until the refresh, whose Read rewrites the names.
    after.set_config("keepGb", "60")
    after.set_config("webTrust", "false")
    assert up(after) == {**dict.fromkeys(ids, "same"), "api": "update", "web-bk": "delete"}
    del ids["web-bk"]
    assert after.refresh() == dict.fromkeys(ids, "refresh")
    assert up(after) == dict.fromkeys(ids, "same")
    after.preview(expect_no_changes=True)

    state = native_resources(after)
    assert {name: resource["id"] for name, resource in state.items()} == ids
    assert state["api"]["outputs"]["cachePolicy"]["keepGb"] == 60 and "cache_policy" not in state["api"]["outputs"]
    assert state["web"]["outputs"]["createdAt"] and "created_at" not in state["web"]["outputs"]
    assert state["api-trust"]["outputs"]["policyIds"].keys() == {"github:acme/app"}
    assert after.outputs()["token"] == token
    client = depot.client()
    assert sorted(p.project_id for p in client.list_projects()) == sorted([ids["api"], ids["web"]])
    assert [p.trust_policy_id for p in client.list_trust_policies(ids["api"])] == [
        state["api-trust"]["outputs"]["policyIds"]["github:acme/app"]
    ]
    assert client.list_trust_policies(ids["web"]) == []
    assert client.get_project(ids["api"]).cache_policy.keep_gb == 60
    assert [t.token_id for t in client.list_tokens(ids["api"])] == [ids["ci"]]
