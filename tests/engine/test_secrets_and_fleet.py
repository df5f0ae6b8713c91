"""Secrets and a large fleet under the real `pulumi`: no plaintext Depot token (organization or project) in the
exported state, the pickled providers, the CLI's output or any file the CLI wrote; a secret stack output is masked
unless asked for; the pickled providers are stored plain (nothing in them is secret) unless the stack keeps
depot:allowedTrust as a secret; and a 100-tenant fleet deployed with --parallel 16 converges in one up."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pulumi_stack import PulumiStack, plaintext_in, write_program

SECRETS_PROGRAM = """
import pulumi
import pulumi_depot as depot

app = depot.Project("app", name="secrets", region="us-east-1")
ci = depot.ProjectToken("ci", project_id=app.id, description="CI")
tenant = depot.TenantProject("tenant-acme", tenant="acme", region="us-east-1", token=True)
github = depot.GitHubTrustArgs(repository_owner="acme", repository="app")
depot.TrustPolicy("acme-app", project_id=app.id, github=github)
pulumi.export("token", ci.secret)
pulumi.export("tenant_token", tenant.token_secret)
"""

FLEET_PROGRAM = """
import pulumi_depot as depot

depot.TenantFleet(
    "tenants",
    name_template="tenant-{{tenant}}",
    defaults=depot.TenantDefaultsArgs(region="us-east-1", token=True),
    tenants=[
        depot.TenantArgs(
            id=f"t{{index:03d}}",
            trust_policies=[depot.GitHubTrustArgs(repository_owner="acme", repository=f"app-{{index}}")],
        )
        for index in range({count})
    ],
).export()
"""


def provider_pickles(exported: dict[str, Any]) -> dict[str, str | dict[str, Any]]:
    """Every resource's ``__provider`` input (the pickled provider, base64; a secret's envelope when it is one), by
    resource name."""
    resources = exported["deployment"].get("resources", [])
    return {
        r["urn"].rsplit("::", 1)[1]: r["inputs"]["__provider"] for r in resources if "__provider" in r.get("inputs", {})
    }


def decoded(value: str | dict[str, Any]) -> bytes:
    """A pickle from a plain export's base64, or from the plaintext of an export with ``--show-secrets``."""
    return base64.b64decode(value if isinstance(value, str) else json.loads(value["plaintext"]))


def test_no_depot_token_in_plaintext_anywhere_the_cli_writes(
    depot: Any, tmp_path: Path, pulumi_stack: Callable[..., PulumiStack]
) -> None:
    stack = pulumi_stack(write_program(tmp_path / "program", SECRETS_PROGRAM), depot)
    allowed = json.dumps({"github": ["acme"]})
    stack.set_config("depot:allowedTrust", allowed, secret=True)
    stack.up()
    stack.refresh()
    stack.preview(expect_no_changes=True)

    revealed = stack.outputs()
    project_tokens = [revealed["token"], revealed["tenant_token"]]
    assert all(token.startswith("depot_project_") for token in project_tokens)
    assert {t.token_id for p in depot.client().list_projects() for t in depot.client().list_tokens(p.project_id)}

    # stack output: masked without --show-secrets, revealed with it.
    masked = json.loads(stack.cli("stack", "output", "--json"))
    assert masked == {"token": "[secret]", "tenant_token": "[secret]"}
    assert stack.cli("stack", "output", "token", "--show-secrets").strip() == revealed["token"]
    assert stack.secret_outputs() == {"token", "tenant_token"}

    needles = (depot.token, *project_tokens)
    exported = stack.export()
    text = json.dumps(exported)
    assert [n for n in needles if n in text] == []
    # The pickled providers hold nothing secret: plain base64, except a trust resource's, which carries the stack's
    # allowlist, kept as a secret here.
    stored = provider_pickles(exported)
    assert sorted(name for name, value in stored.items() if not isinstance(value, str)) == [
        "acme-app",
        "tenant-acme-trust",
    ]
    assert all(isinstance(value, dict) and "ciphertext" in value for name, value in stored.items() if "trust" in name)
    pickles = [
        decoded(value)
        for value in provider_pickles(json.loads(stack.cli("stack", "export", "--show-secrets"))).values()
    ]
    assert len(pickles) == len(stored) >= 6
    assert [n for n in needles for p in pickles if n.encode() in p] == []
    assert sum(allowed.encode() in p for p in pickles) == 2
    assert max(map(len, pickles)) < 300  # pickled by reference, never with configuration in it
    assert allowed not in text
    assert plaintext_in(stack.work_dir, *needles) == []  # backend, PULUMI_HOME, plugin logs
    assert plaintext_in(stack.program_dir, *needles) == []  # Pulumi.dev.yaml holds the org token encrypted
    assert [n for n in needles if n in "\n".join(stack.log)] == []

    stack.destroy()
    assert depot.client().list_projects() == []


def test_a_hundred_tenant_fleet_with_parallel_16_converges_in_one_up(
    depot: Any, tmp_path: Path, pulumi_stack: Callable[..., PulumiStack]
) -> None:
    count = 100
    stack = pulumi_stack(write_program(tmp_path / "fleet", FLEET_PROGRAM.format(count=count)), depot)
    ops = stack.up(parallel=16)
    assert len(ops) == 3 * count and set(ops.values()) == {"create"}

    client = depot.client()
    projects = {p.name: p for p in client.list_projects()}
    assert sorted(projects) == sorted(f"tenant-t{index:03d}" for index in range(count))
    for index in range(count):
        project_id = projects[f"tenant-t{index:03d}"].project_id
        (policy,) = client.list_trust_policies(project_id)
        assert (policy.github.repository_owner, policy.github.repository) == ("acme", f"app-{index}")
        assert len(client.list_tokens(project_id)) == 1

    state = stack.resources()
    assert {r["id"] for name, r in state.items() if name.endswith("-token")} == {
        t.token_id for p in projects.values() for t in client.list_tokens(p.project_id)
    }
    assert stack.outputs()["tenants_project_ids"] == {
        f"t{index:03d}": projects[f"tenant-t{index:03d}"].project_id for index in range(count)
    }
    assert set(stack.preview(expect_no_changes=True, parallel=16).values()) == {"same"}
    # No secret in any of its pickled providers (no allowlist is set): each is stored as plain base64.
    stored = provider_pickles(stack.export())
    assert len(stored) == 3 * count and all(isinstance(value, str) for value in stored.values())
