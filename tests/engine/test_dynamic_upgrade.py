"""Upgrading pulumi-depot under a dynamic stack (issue 20's done-when): a stack written by the previous release's
dynamic resources previews and refreshes with no changes under the current code, updates in place, and no Depot
object is re-created.

Each dynamic resource's state holds its provider pickled (``__provider``): the class by its import path, with the
previous code's instance attributes. The dynamic host unpickles the program's new one for Check, Diff and Update of
the old state, but the state's outputs' one for Read and Delete, and a refresh or a no-change step keeps it: the
refresh and the final destroy run the current classes on instances the previous code pickled (all but the updated
project's).

The previous code is PREVIOUS's, taken from git into a directory that PYTHONPATH puts before the installed packages:
the program and the dynamic provider host (which inherits the CLI's environment) then import it. Then the same
stack (one backend, one PULUMI_HOME) runs with the installed, current code."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from aws_local import AwsLocal
from engine_lifecycle import policies, projects, tokens
from pulumi_stack import PulumiStack, code_at, plaintext_in, write_program

PREVIOUS = "e77f6e212ee206cf4ae7933469eb445764f13cc4"  # the last commit before the core/front-end split
OLD_CODE = ("provider/pulumi_depot_provider", "sdk/pulumi_depot")

PROGRAM = """
import pulumi
import pulumi_depot as depot

config = pulumi.Config()
api = depot.Project("api", name="api", region="us-east-1", hardware="HARDWARE_8X16",
    cache_policy=depot.CachePolicyArgs(keep_gb=config.get_int("keepGb") or 50, keep_days=14))
depot.TrustPolicySet("api-trust", project_id=api.id, policies=[
    depot.TrustPolicyEntryArgs(github=depot.GitHubTrustArgs(repository_owner="acme", repository="app")),
])
ci = depot.ProjectToken("ci", project_id=api.id, description="CI builds")
legacy = depot.Project("legacy", name="legacy", region="us-east-1", import_id=config.require("legacyId"))
depot.TrustPolicy("legacy-bk", project_id=legacy.id,
    buildkite=depot.BuildkiteTrustArgs(organization_slug="acme", pipeline_slug="deploy"))
acme = depot.TenantProject("tenant-acme", tenant="acme", region="eu-central-1",
    cache_policy=depot.CachePolicyArgs(keep_gb=100, keep_days=30),
    trust_policies=[
        depot.TrustPolicyEntryArgs(github=depot.GitHubTrustArgs(repository_owner="acme", repository="web")),
    ],
    token=True, token_sink={"aws_secrets_manager": {"region": "us-east-1", "recovery_window_days": 0}})
pulumi.export("token", ci.secret)
pulumi.export("tenant_token", acme.token_secret)
pulumi.export("sdk", depot.__file__)
"""

NAMES = ("api", "api-trust", "ci", "legacy", "legacy-bk", "tenant-acme", "tenant-acme-trust", "tenant-acme-token")
DEPOT_RESOURCES = (*NAMES, "tenant-acme-token-secret")


def previous_code(into: Path) -> Path:
    """PREVIOUS's provider and dynamic SDK under `into` (git archive), or the test fails naming the fix."""
    return code_at(PREVIOUS, OLD_CODE, into)


def depot_view(client: Any, ids: dict[str, str]) -> dict[str, Any]:
    """What Depot holds for the stack's projects: names, tokens, trust policies, cache policies."""
    project_ids = [ids["api"], ids["legacy"], ids["tenant-acme"]]
    return {
        "projects": projects(client),
        "tokens": {p: tokens(client, p) for p in project_ids},
        "policies": {p: policies(client, p) for p in project_ids},
        "cache": {p: str(client.get_project(p).cache_policy) for p in project_ids},
    }


def test_a_dynamic_stack_of_the_previous_code_upgrades_with_no_changes(
    depot: Any, aws: AwsLocal, tmp_path: Path, pulumi_cli: Path
) -> None:
    old = previous_code(tmp_path / "previous")
    client = depot.client()
    legacy_id = client.create_project("legacy", "us-east-1").project_id
    program = write_program(tmp_path / "program", PROGRAM)
    work = tmp_path / "pulumi"  # one backend and PULUMI_HOME for both: the same stack
    python_path = os.pathsep.join(str(old / part) for part in ("provider", "sdk"))
    before = PulumiStack(
        program, work, api_url=depot.url, token=depot.token, env={**aws.env, "PYTHONPATH": python_path}
    )
    before.set_config("depot:awsEndpointUrl", aws.url)
    before.set_config("legacyId", legacy_id)

    assert before.up() == dict.fromkeys(DEPOT_RESOURCES, "create")
    written = before.resources()
    assert all(r["inputs"]["__provider"] for r in written.values())  # the previous code's pickled providers
    ids = {name: resource["id"] for name, resource in written.items()}
    assert ids["legacy"] == legacy_id
    secrets = before.outputs()
    assert Path(secrets.pop("sdk")).is_relative_to(old)  # the previous code ran (the provider host: same PYTHONPATH)
    depot_before = depot_view(client, ids)
    assert aws.secret_value("depot/acme/token") == secrets["tenant_token"]

    after = PulumiStack(program, work, api_url=depot.url, token=depot.token, env=aws.env)
    assert after.preview(expect_no_changes=True) == dict.fromkeys(DEPOT_RESOURCES, "same")
    assert after.refresh(expect_no_changes=True) == dict.fromkeys(DEPOT_RESOURCES, "refresh")
    after.set_config("keepGb", "60")
    assert after.up() == {**dict.fromkeys(DEPOT_RESOURCES, "same"), "api": "update"}  # in place, not a replacement
    assert after.up() == dict.fromkeys(DEPOT_RESOURCES, "same")
    after.preview(expect_no_changes=True)

    state = after.resources()
    assert {name: resource["id"] for name, resource in state.items()} == ids
    assert state["api"]["outputs"]["cache_policy"]["keep_gb"] == 60
    assert client.get_project(ids["api"]).cache_policy.keep_gb == 60
    depot_after = depot_view(client, ids)
    assert depot_after["cache"].pop(ids["api"]) != depot_before["cache"].pop(ids["api"])
    assert depot_after == depot_before  # nothing re-created, nothing else changed
    outputs = after.outputs()
    assert not Path(outputs.pop("sdk")).is_relative_to(old)
    assert outputs == secrets
    assert aws.secret_value("depot/acme/token") == secrets["tenant_token"]
    assert {"token", "tenant_token"} <= after.secret_outputs()
    assert plaintext_in(work, secrets["token"], secrets["tenant_token"]) == []
    assert not [line for line in before.log + after.log if secrets["token"] in line or secrets["tenant_token"] in line]

    after.destroy()
    assert after.resources() == {}
    assert projects(client) == {}  # the adopted project too: it is the stack's now
    assert aws.secret_value("depot/acme/token") is None
