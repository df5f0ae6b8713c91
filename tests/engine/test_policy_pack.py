"""The trust allowlist as a CrossGuard policy pack under the real `pulumi` (issue 22): `pulumi preview
--policy-pack` with the pack that `python -m pulumi_depot_provider.policy` writes, run by the Python language host's
RunPlugin, fails a disallowed grant of every Depot trust resource, dynamic and native, and passes allowed ones.

The stacks set no depot:allowedTrust, so the provider's own guardrail allows everything: only the pack refuses."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from engine_lifecycle import fails
from pulumi_stack import PulumiStack, write_program

DYNAMIC = """
import pulumi
import pulumi_depot as depot

owner = pulumi.Config().require("owner")
single = depot.Project("single", name="single", region="us-east-1")
owned = depot.Project("owned", name="owned", region="us-east-1")
depot.TrustPolicy("gh", project_id=single.id,
    github=depot.GitHubTrustArgs(repository_owner=owner, repository="api"))
depot.TrustPolicySet("set", project_id=owned.id, policies=[
    depot.GitHubTrustArgs(repository_owner="acme", repository="web"),
    depot.GitHubTrustArgs(repository_owner=owner, repository="docs"),
])
"""

NATIVE = """
import pulumi
import pulumi_depot_native as depot

owner = pulumi.Config().require("owner")
single = depot.Project("single", name="single", region="us-east-1")
owned = depot.Project("owned", name="owned", region="us-east-1")
depot.TrustPolicy("gh", project_id=single.id,
    github=depot.GitHubTrustArgs(repository_owner=owner, repository="api"))
depot.TrustPolicySet("set", project_id=owned.id, policies=[
    depot.TrustPolicyEntryArgs(github=depot.GitHubTrustArgs(repository_owner="acme", repository="web")),
    depot.TrustPolicyEntryArgs(github=depot.GitHubTrustArgs(repository_owner=owner, repository="docs")),
])
"""


@pytest.fixture(scope="module")
def pack(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The pack directory, written as docs/trust.md says, and its config file allowing GitHub owner acme."""
    root = tmp_path_factory.mktemp("policy")
    written = subprocess.run(
        [sys.executable, "-m", "pulumi_depot_provider.policy", str(root / "pack")],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    config = root / "allowed-trust.json"
    config.write_text(json.dumps({"depot-trust-allowlist": {"allowedTrust": {"github": ["acme"]}}}))
    return Path(written), config


@pytest.mark.parametrize(("source", "kind"), [(DYNAMIC, "pulumi-python:dynamic/depot"), (NATIVE, "depot:index")])
def test_policy_pack_fails_a_disallowed_grant_and_passes_allowed_ones(
    source: str,
    kind: str,
    pack: tuple[Path, Path],
    depot: Any,
    pulumi_stack: Callable[..., PulumiStack],
    tmp_path: Path,
) -> None:
    stack = pulumi_stack(write_program(tmp_path / "program", source), depot)
    with_pack = {"policy_packs": [str(pack[0])], "policy_pack_configs": [str(pack[1])]}

    stack.set_config("owner", "Evil")
    output = fails(stack.preview, **with_pack)
    assert "depot-trust-allowlist" in output and "mandatory" in output, output
    # One violation per resource, each naming the grant and the allowlist; both types of this front end.
    assert f"{kind}:TrustPolicy: gh" in output and f"{kind}:TrustPolicySet: set" in output, output
    owner = "repositoryOwner" if kind == "depot:index" else "repository_owner"  # as each front end names it
    assert f"github.{owner}: trust policy github:Evil/api is not allowed" in output, output
    assert f"].github.{owner}: trust policy github:Evil/docs is not allowed" in output, output
    assert "github:acme/web" not in output, output
    assert "the policy pack's allowedTrust allows GitHub owners acme" in output, output

    stack.set_config("owner", "ACME")  # the allowlist is case-insensitive, as the provider's
    assert stack.preview(**with_pack) == {name: "create" for name in ("single", "owned", "gh", "set")}
    assert "Policies:" in "".join(stack.log) and "pulumi-depot-trust" in "".join(stack.log)
