"""A token adopted by import_id has no secret Pulumi could forward: ProjectToken has no ``secret`` and
``secret_known`` False, and TenantProject.token_secret / TenantFleet.token_secrets / export() refuse to hand one
on (it would be stored as a tenant's DEPOT_TOKEN) with one line naming the tenant -- at preview when import_id
is declared, under the real `pulumi` -- while created tokens forward as before and a program that never reads
the secret deploys an adopted token as usual. State written before secret_known (a sentence in ``secret``) is
read the same way."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pulumi
import pulumi_depot as depot
import pytest
from dynamic_host import PROVIDER_KEY, UNKNOWN, ProgramError, RegisteredResource, Secret, run_program
from pulumi_depot.project_token import AdoptedTokenSecretError
from pulumi_depot_provider.client import DepotClient, DepotError
from pulumi_depot_provider.resources.project_token import LEGACY_ADOPTED_SECRET
from pulumi_stack import PulumiStack, write_program
from real_engine import fails, state_resources

TOKEN = "pulumi-python:dynamic/depot:ProjectToken"
ADOPTED_BY_IMPORT_ID = "was adopted by import_id, so its secret cannot be read back"
FIX = "remove the token's import_id and set its rotation_trigger, which replaces it with a new token"
REFUSED = (
    f"depot.TenantProject for tenant 'legacy': refusing to forward the token secret: its token {ADOPTED_BY_IMPORT_ID}"
)
# The secret-signature of a secret value in a state export (as `pulumi stack export --show-secrets` writes it).
SECRET_SIG = {"4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270"}


def token_state(kind: str) -> Callable[[RegisteredResource], tuple[str, Mapping[str, Any]]]:
    """new_resource for run_program: every token created (real secret), adopted (none), or in the state an older
    version wrote for an adopted token (the sentence, no secret_known)."""

    def new_resource(record: RegisteredResource) -> tuple[str, Mapping[str, Any]]:
        outputs = {key: value for key, value in record.inputs.items() if key != PROVIDER_KEY}
        if record.type == TOKEN:
            outputs.pop("secret", None)
            outputs.pop("secret_known", None)
            if kind == "created":
                outputs.update(secret=f"depot_project_{record.name}", secret_known=True)
            elif kind == "adopted":
                outputs.update(secret_known=False)
            elif kind == "legacy":
                outputs.update(secret=LEGACY_ADOPTED_SECRET)
            elif kind == "legacy-created":
                outputs.update(secret=f"depot_project_{record.name}")
        return f"{record.name}-id", outputs

    return new_resource


def tenant_program(*, export: bool = True, import_id: str | None = None) -> Callable[[], None]:
    def program() -> None:
        tenant = depot.TenantProject(
            "tenant-legacy", tenant="legacy", region="us-east-1", token=depot.TenantTokenArgs(import_id=import_id)
        )
        assert tenant.token is not None
        pulumi.export("secret", tenant.token.secret)
        pulumi.export("secret_known", tenant.token.secret_known)
        if export:
            pulumi.export("token", tenant.token_secret)

    return program


def refusal_of(failure: pytest.ExceptionInfo[ProgramError]) -> str:
    error = failure.value.__cause__
    assert isinstance(error, AdoptedTokenSecretError) and isinstance(error, pulumi.RunError), repr(error)
    assert "\n" not in str(error)
    return str(error)


@pytest.mark.parametrize("preview", [False, True], ids=["up", "preview"])
@pytest.mark.parametrize("kind", ["adopted", "legacy"])
def test_an_adopted_tokens_secret_is_absent_and_token_secret_refuses_to_forward_it(kind: str, preview: bool) -> None:
    with pytest.raises(ProgramError) as failure:
        run_program(tenant_program(), new_resource=token_state(kind), preview=preview)
    message = refusal_of(failure)
    assert message.startswith(REFUSED) and FIX in message and message.endswith("or stop exporting token_secret")
    assert "not recoverable" not in message

    # Not read, nothing is refused: the token (and its absent secret) deploys as usual.
    run = run_program(tenant_program(export=False), new_resource=token_state(kind), preview=preview)
    assert run.outputs["secret_known"] is False or (preview and run.outputs["secret_known"] == UNKNOWN)
    assert run.outputs.get("secret") in (None, UNKNOWN)  # absent (a None output is left out), never the sentence


def test_a_declared_import_id_refuses_already_at_the_preview_of_the_adoption() -> None:
    # Previewing the creation, the token's outputs are not known yet: the declared import_id says it is adopted.
    with pytest.raises(ProgramError) as failure:
        run_program(tenant_program(import_id="tok123"), new_resource=token_state("unknown"), preview=True)
    assert refusal_of(failure).startswith(REFUSED)
    # Without import_id nothing is known yet, and nothing is refused.
    run = run_program(tenant_program(), new_resource=token_state("unknown"), preview=True)
    assert run.outputs["token"] == Secret(UNKNOWN)


@pytest.mark.parametrize("kind", ["created", "legacy-created"])
def test_a_created_tokens_secret_is_forwarded(kind: str) -> None:
    run = run_program(tenant_program(), new_resource=token_state(kind))
    assert run.outputs["token"] == Secret("depot_project_tenant-legacy-token")
    assert run.outputs["secret_known"] is True


def test_a_fleet_refuses_to_export_tokens_naming_every_adopted_tenant() -> None:
    def fleet_program() -> None:
        fleet = depot.TenantFleet(
            "customers",
            defaults=depot.TenantDefaultsArgs(region="us-east-1", token=True),
            tenants=[
                {"id": "acme", "token": {"import_id": "tok1"}},
                {"id": "globex", "token": False},
                {"id": "initech", "token": {"import_id": "tok2"}},
            ],
        )
        fleet.export()

    for preview in (False, True):
        with pytest.raises(ProgramError) as failure:
            run_program(fleet_program, new_resource=token_state("adopted"), preview=preview)
        message = refusal_of(failure)
        assert message.startswith(
            "depot.TenantFleet 'customers': refusing to forward the token secret: the tokens of tenants 'acme', "
            "'initech' were adopted by import_id, so their secrets cannot be read back"
        )
        assert message.endswith(
            "or stop exporting the tokens (export fleet.project_ids instead of calling fleet.export())"
        )

    run = run_program(fleet_program, new_resource=token_state("created"))
    assert run.outputs["customers_tokens"] == Secret(
        {"acme": "depot_project_tenant-acme-token", "initech": "depot_project_tenant-initech-token"}
    )


# --- under the real `pulumi` ---------------------------------------------------------------------------------------

TENANTS_PROGRAM = """
import pulumi
import pulumi_depot as depot

config = pulumi.Config()
acme = depot.TenantProject("tenant-acme", tenant="acme", region="us-east-1", token=True)
legacy = depot.TenantProject(
    "tenant-legacy",
    tenant="legacy",
    region="us-east-1",
    import_id=config.require("projectId"),
    token=depot.TenantTokenArgs(
        description="legacy CI", import_id=config.get("tokenId"), rotation_trigger=config.get("rotation")
    ),
)
pulumi.export("acme_project", acme.project_id)
pulumi.export("acme_token", acme.token_secret)
pulumi.export("legacy_secret_known", legacy.token.secret_known)
if config.get_bool("exportLegacy"):
    pulumi.export("legacy_token", legacy.token_secret)
"""


def authenticates(url: str, secret: str, project_id: str) -> bool:
    with DepotClient(base_url=url, token=secret) as builds:
        try:
            return builds.get_project(project_id).project_id == project_id
        except DepotError:
            return False


def assert_refused_in_one_line(message: str) -> None:
    """The CLI's report of the refusal: the message whole on one line (the engine's `error: ...`), no traceback."""
    assert "Traceback" not in message and "unhandled exception" not in message, message
    lines = [line for line in message.splitlines() if "refusing to forward" in line]
    assert lines, message
    for line in lines:
        assert REFUSED in line and FIX in line and line.rstrip().endswith("or stop exporting token_secret"), line


def legacy_token_state(stack: PulumiStack) -> None:
    """Rewrite the adopted token's state as versions before secret_known wrote it: the sentence as its secret."""
    deployment = stack.stack.export_stack()
    for resource in deployment.deployment["resources"]:
        if resource["urn"].endswith("::tenant-legacy-token"):
            outputs = resource["outputs"]
            outputs.pop("secret_known")
            outputs["secret"] = {**SECRET_SIG, "plaintext": json.dumps(LEGACY_ADOPTED_SECRET)}
    stack.stack.import_stack(deployment)


@pytest.mark.timeout(900)
def test_an_adopted_tenant_token_is_never_forwarded_and_a_created_one_is(
    request: pytest.FixtureRequest, tmp_path: Path, pulumi_stack: Callable[..., PulumiStack]
) -> None:
    org = request.getfixturevalue("depot")
    client = org.client()
    legacy_project = client.create_project("legacy", "us-east-1").project_id
    legacy_token = client.create_token(legacy_project, "legacy CI")
    stack = pulumi_stack(write_program(tmp_path / "program", TENANTS_PROGRAM), org)
    stack.set_config("projectId", legacy_project)
    stack.set_config("tokenId", legacy_token.token_id)
    stack.set_config("exportLegacy", "true")

    # import_id declared: refused at preview (and so by `pulumi up`, which previews first), before any change.
    assert_refused_in_one_line(fails(stack.preview))
    assert_refused_in_one_line(fails(stack.cli, "up", "--yes", "--color", "never"))
    assert state_resources(stack) == []
    assert [p.project_id for p in client.list_projects()] == [legacy_project]
    # Without a preview (the Automation API's up), the update fails once the token is adopted.
    assert_refused_in_one_line(fails(stack.up))
    assert "legacy_token" not in stack.outputs()

    # Not exporting it, the adopted tenant deploys; the created tenant's token is forwarded, and works.
    stack.remove_config("exportLegacy")
    stack.up()
    outputs = stack.outputs()
    assert authenticates(org.url, outputs["acme_token"], outputs["acme_project"])
    assert outputs["legacy_secret_known"] is False and "legacy_token" not in outputs
    assert stack.secret_outputs() == {"acme_token"}
    tokens = {name: r["outputs"] for name, r in stack.resources().items() if name.endswith("-token")}
    assert "secret" not in tokens["tenant-legacy-token"] and tokens["tenant-legacy-token"]["secret_known"] is False
    assert tokens["tenant-acme-token"]["secret_known"] is True
    assert legacy_token.secret not in json.dumps(stack.export())

    # Once adopted, the state says so: refused at preview even with import_id removed.
    stack.remove_config("tokenId")
    stack.set_config("exportLegacy", "true")
    assert_refused_in_one_line(fails(stack.preview))

    # State an older version wrote (the sentence as the secret, no secret_known): refused without a refresh, and
    # a refresh rewrites it.
    legacy_token_state(stack)
    assert_refused_in_one_line(fails(stack.up))
    stack.refresh()
    refreshed = stack.resources()["tenant-legacy-token"]["outputs"]
    assert "secret" not in refreshed and refreshed["secret_known"] is False

    # The fix the message gives: with import_id removed, a rotation_trigger replaces the token with one whose
    # secret Pulumi keeps, and it is forwarded.
    stack.set_config("rotation", "1")
    assert stack.up()["tenant-legacy-token"] == "replace"
    outputs = stack.outputs()
    assert outputs["legacy_secret_known"] is True
    assert authenticates(org.url, outputs["legacy_token"], legacy_project)
    assert not authenticates(org.url, legacy_token.secret, legacy_project)
    assert stack.secret_outputs() == {"acme_token", "legacy_token"}
