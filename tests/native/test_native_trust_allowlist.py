"""The trust allowlist holds for every provider instance of the native plugin, under the real `pulumi` (issue 22).

Before: an explicit `depot.Provider` declared without `allowed_trust` let disallowed policies reach Depot through
TrustPolicy, TrustPolicySet and a raw CustomResource; an import of a disallowed policy under `up --skip-preview`
was recorded and the next `destroy` deleted it. Now every instance enforces the stack's allowlist (its own narrows
it, never widens it), an allowlist from the environment beats the stack file, and a refused import is never
recorded."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from native_stack import native_resources
from pulumi_depot_provider.proto import pb
from pulumi_stack import PulumiStack, fails, write_program

PROGRAM = """
import pulumi
import pulumi_depot_native as depot

config = pulumi.Config()
project = config.require("project")
case = config.require("case")
depot_config = pulumi.Config("depot")
url, token = depot_config.require("apiUrl"), depot_config.require_secret("token")
other = depot.Provider("other", token=token, api_url=url)  # no allowed_trust: inherits the stack's
narrow = depot.Provider("narrow", token=token, api_url=url,
    allowed_trust=[depot.AllowedTrustEntryArgs(kind=depot.TrustKind.GITHUB, names=["acme"])])  # the typed form
# The JSON text of the previous schema's string allowedTrust still works.
wide = depot.Provider("wide", token=token, api_url=url, allowed_trust='{"github": ["acme", "acme-labs", "evil"]}')


def github(name, owner, provider=None):
    return depot.TrustPolicy(name, project_id=project,
        github=depot.GitHubTrustArgs(repository_owner=owner, repository=name),
        opts=pulumi.ResourceOptions(provider=provider))


if case == "sdk":
    github("sdk", "evil", other)
elif case == "set":
    depot.TrustPolicySet("set", project_id=project, opts=pulumi.ResourceOptions(provider=other),
        policies=[depot.TrustPolicyEntryArgs(github=depot.GitHubTrustArgs(repository_owner="evil", repository="x"))])
elif case == "raw":
    pulumi.CustomResource("depot:index:TrustPolicy", "raw",
        {"projectId": project, "github": {"repositoryOwner": "evil", "repository": "raw"}},
        pulumi.ResourceOptions(provider=other))
elif case == "narrowed":
    github("narrowed", "acme-labs", narrow)
elif case == "widened":
    github("widened", "evil", wide)
elif case == "default":
    github("default", "evil")
elif case == "import":
    depot.TrustPolicy("legacy", project_id=project,
        github=depot.GitHubTrustArgs(repository_owner="intruder", repository="legacy"),
        opts=pulumi.ResourceOptions(import_=config.require("importId")))
elif case == "allowed":
    github("inherits", "acme-labs", other)
    github("narrows", "acme", narrow)
    github("widens", "acme-labs", wide)
"""

STACK_LIST = "depot:allowedTrust allows GitHub owners acme, acme-labs"


def policies(client: Any, project_id: str) -> dict[str, str]:
    """Trust policy id -> "github:owner/repo" (GitHub policies only here)."""
    return {
        p.trust_policy_id: f"github:{p.github.repository_owner}/{p.github.repository}"
        for p in client.list_trust_policies(project_id)
    }


def test_explicit_providers_inherit_the_stack_allowlist_and_may_only_narrow_it(
    depot: Any, tmp_path: Path, pulumi_stack: Callable[..., PulumiStack]
) -> None:
    client = depot.client()
    project = client.create_project("api", "us-east-1").project_id
    stack = pulumi_stack(write_program(tmp_path / "program", PROGRAM), depot)
    stack.set_config("project", project)
    stack.set_config("depot:allowedTrust", json.dumps({"github": ["acme", "acme-labs"]}))

    refusals = {  # the path in the schema's names, as a YAML or TypeScript program spells it
        "sdk": f"github.repositoryOwner: trust policy github:evil/sdk is not allowed: {STACK_LIST}",
        "set": f"policies[0].github.repositoryOwner: trust policy github:evil/x is not allowed: {STACK_LIST}",
        "raw": f"github.repositoryOwner: trust policy github:evil/raw is not allowed: {STACK_LIST}",
        "narrowed": "github.repositoryOwner: trust policy github:acme-labs/narrowed is not allowed: the "
        "provider's allowedTrust allows GitHub owners acme; add 'acme-labs' to the 'github' list of the provider's "
        "allowedTrust",
        "widened": f"github.repositoryOwner: trust policy github:evil/widened is not allowed: {STACK_LIST}; add "
        "'evil' to the 'github' list of depot:allowedTrust if this grant is intended",
    }
    for case, refusal in refusals.items():
        stack.set_config("case", case)
        output = fails(stack.up, color="never")  # the Automation API skips the preview
        assert f"resource '{case}' has a problem: {refusal}" in output, output
        assert "value {" not in output  # property "": the engine does not echo the input
    assert policies(client, project) == {}
    assert native_resources(stack) == {}
    summary = "depot trust allowlist: GitHub owners acme, no Buildkite organizations, no CircleCI organizations"
    assert f"{summary} (from depot:allowedTrust and the provider's allowedTrust)" in "\n".join(stack.log)

    # What every list allows still goes through each instance.
    stack.set_config("case", "allowed")
    stack.up()
    assert sorted(policies(client, project).values()) == [
        "github:acme-labs/inherits",
        "github:acme-labs/widens",
        "github:acme/narrows",
    ]
    stack.preview(expect_no_changes=True)
    stack.destroy()
    assert policies(client, project) == {}


def test_an_environment_allowlist_beats_the_stack_file_and_a_refused_import_is_not_recorded(
    depot: Any, tmp_path: Path, pulumi_stack: Callable[..., PulumiStack]
) -> None:
    client = depot.client()
    project = client.create_project("api", "us-east-1").project_id
    legacy = client.add_trust_policy(
        project, github=pb.TrustPolicy.GitHub(repository_owner="intruder", repository="legacy")
    )
    import_id = f"{project}/{legacy.trust_policy_id}"
    ci_env = {"DEPOT_ALLOWED_TRUST": json.dumps({"github": ["acme"]})}
    stack = pulumi_stack(write_program(tmp_path / "program", PROGRAM), depot, env=ci_env)
    stack.set_config("project", project)
    stack.set_config("importId", import_id)
    stack.set_config("depot:allowedTrust", json.dumps({"github": ["acme", "evil"]}))  # a widening attempt

    stack.set_config("case", "default")
    output = fails(stack.preview)
    assert (
        "trust policy github:evil/default is not allowed: DEPOT_ALLOWED_TRUST allows GitHub owners acme; add 'evil' "
        "to the 'github' list of DEPOT_ALLOWED_TRUST if this grant is intended"
    ) in output
    assert "(from DEPOT_ALLOWED_TRUST and depot:allowedTrust)" in output

    # No list allows "intruder". The import's Read refuses it: the engine records an import before it checks the
    # program's inputs (it used to record it, and the next destroy deleted the pre-existing policy).
    stack.set_config("case", "import")
    output = fails(stack.up)  # --skip-preview
    assert f"depot:index:TrustPolicy (id {import_id}): import refused: github.repository_owner: trust policy" in output
    output = fails(stack.cli, "import", "depot:index:TrustPolicy", "taken", import_id, "--yes")
    assert "import refused" in output and "DEPOT_ALLOWED_TRUST allows GitHub owners acme" in output
    assert native_resources(stack) == {}
    stack.destroy()
    assert list(policies(client, project)) == [legacy.trust_policy_id]  # the pre-existing policy survives

    # From a file named by DEPOT_ALLOWED_TRUST_FILE (the harness's env dict is the workspace's: edits apply).
    allowlist = tmp_path / "allowed-trust.json"
    allowlist.write_text(json.dumps({"github": ["acme"], "buildkite": ["acme"]}))
    del stack.env["DEPOT_ALLOWED_TRUST"]
    stack.env["DEPOT_ALLOWED_TRUST_FILE"] = str(allowlist)
    stack.set_config("case", "default")
    output = fails(stack.preview)
    assert f"DEPOT_ALLOWED_TRUST_FILE ({allowlist}) allows GitHub owners acme; add 'evil'" in output

    # Malformed: every provider's CheckConfig refuses it. Which provider the engine reports first is a race (their
    # registrations run in parallel and the first failure ends the preview), so the test names none of them.
    allowlist.write_text('{"github": "acme"}')
    output = fails(stack.preview)
    assert re.search(
        r"resource '[^']+' has a problem: "
        + re.escape(
            f"DEPOT_ALLOWED_TRUST_FILE ({allowlist}): github: input should be a valid tuple; set it to a JSON object "
            'such as {"github": ["<repository owner>", ...]'
        ),
        output,
    ), output
