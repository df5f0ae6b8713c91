"""depot.TenantProject: what it registers (names, parents, inputs, options, secret outputs), names checked before
anything is registered, and a tenant's trust kept to what the program says, end to end under the real `pulumi`."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pulumi
import pulumi_depot as depot
import pytest
from dynamic_host import (
    PROVIDER_KEY,
    ProgramError,
    RegisteredResource,
    Secret,
    run_program,
)
from pulumi_depot_provider.native.names import to_core
from pulumi_depot_provider.native.provider import RESOURCES as PLUGIN_RESOURCES
from pulumi_depot_provider.proto import pb
from pulumi_stack import PulumiStack, write_program

PROJECT = "pulumi-python:dynamic/depot:Project"
TRUST_SET = "pulumi-python:dynamic/depot:TrustPolicySet"
TOKEN = "pulumi-python:dynamic/depot:ProjectToken"
TENANT = "depot:index:TenantProject"
APP = depot.GitHubTrustArgs(repository_owner="acme", repository="app")


NATIVE = {PROJECT: "depot:index:Project", TRUST_SET: "depot:index:TrustPolicySet", TOKEN: "depot:index:ProjectToken"}


def fake_depot(record: RegisteredResource) -> tuple[str, Mapping[str, Any]]:
    outputs = dict(record.inputs)
    if record.type in (TOKEN, NATIVE[TOKEN]):
        outputs["secret"] = "depot_project_fake"
    return f"{record.name}-id", outputs


def own_inputs(record: RegisteredResource) -> dict[str, Any]:
    return {key: value for key, value in record.inputs.items() if key != PROVIDER_KEY}


def test_a_tenant_registers_its_project_trust_set_and_token_as_children() -> None:
    def program() -> None:
        acme = depot.TenantProject(
            "tenant-acme",
            tenant="acme",
            region="eu-central-1",
            cache_policy={"keep_gb": 100, "keep_days": 30},
            hardware="HARDWARE_32X64",
            trust_policies=[APP, {"buildkite": {"organization_slug": "acme", "pipeline_slug": "deploy"}}],
            token=depot.TenantTokenArgs(rotation_trigger="2026-Q1"),
            name_template="tenant-{tenant}",
        )
        pulumi.export("project_id", acme.project_id)
        pulumi.export("token", acme.token_secret)
        pulumi.export("name", acme.project_name)

    run = run_program(program, new_resource=fake_depot)

    component = run.get("tenant-acme", TENANT)
    project, trust, token = run.get("tenant-acme", PROJECT), run.get("tenant-acme-trust"), run.get("tenant-acme-token")
    assert [r.type for r in run.resources].count(TENANT) == 1 and len(run.resources) == 4
    assert {project.parent, trust.parent, token.parent} == {component.urn}
    assert own_inputs(project) == {
        "name": "tenant-acme",
        "region": "eu-central-1",
        "cache_policy": {"keep_gb": 100, "keep_days": 30},
        "hardware": "HARDWARE_32X64",
    }
    assert own_inputs(trust) == {
        "project_id": "tenant-acme-id",
        "policies": [
            {"github": {"repository_owner": "acme", "repository": "app"}},
            {"buildkite": {"organization_slug": "acme", "pipeline_slug": "deploy"}},
        ],
    }
    assert own_inputs(token) == {
        "project_id": "tenant-acme-id",
        "description": "builds of tenant acme",
        "rotation_trigger": "2026-Q1",
    }
    assert trust.dependencies == [project.urn] and token.dependencies == [project.urn]
    assert token.additional_secret_outputs == ["secret"]
    assert run.outputs["project_id"] == "tenant-acme-id"
    assert run.outputs["token"] == Secret("depot_project_fake")
    assert run.outputs["name"] == "tenant-acme"


def test_native_declares_the_same_children_with_the_native_plugins_types() -> None:
    """native=True: the same children, inputs, parents and dependencies, as the plugin's resources."""

    def tenant(native: bool) -> None:
        acme = depot.TenantProject(
            "tenant-acme",
            tenant="acme",
            region="eu-central-1",
            cache_policy=depot.CachePolicyArgs(keep_gb=100),
            trust_policies=[APP, {"buildkite": {"organization_slug": "acme", "pipeline_slug": "deploy"}}],
            token=True,
            native=native,
        )
        pulumi.export("token", acme.token_secret)

    dynamic = run_program(lambda: tenant(False), new_resource=fake_depot)
    native = run_program(lambda: tenant(True), new_resource=fake_depot)
    children = [r for r in dynamic.resources if r.custom]
    assert sorted((r.name, NATIVE[r.type]) for r in children) == sorted(
        (r.name, r.type) for r in native.resources if r.custom
    )
    for child in children:
        twin = native.get(child.name, NATIVE[child.type])
        model = PLUGIN_RESOURCES[twin.type].core.args_model  # the plugin's camelCase names, as the resource code's
        assert to_core(model, own_inputs(twin)) == own_inputs(child)
        assert twin.parent == native.get("tenant-acme", TENANT).urn
        assert len(twin.dependencies) == len(child.dependencies)
    assert native.get("tenant-acme-token").additional_secret_outputs == ["secret"]
    assert native.outputs["token"] == Secret("depot_project_fake")


@pytest.mark.parametrize("native", ["yes", 1, None])
def test_native_must_be_a_bool_and_is_reported_with_the_other_problems(native: Any) -> None:
    def program() -> None:
        depot.TenantProject("t", tenant="acme", region="", native=native)

    with pytest.raises(ProgramError) as failure:
        run_program(program, new_resource=fake_depot)
    assert "native: must be True or False" in str(failure.value)
    assert "region: Input should be 'us-east-1' or 'eu-central-1'" in str(failure.value)
    assert failure.value.run.resources == []


def test_without_a_token_there_is_no_token_resource_and_no_secret() -> None:
    def program() -> None:
        tenant = depot.TenantProject("t", tenant="initech", region="us-east-1", import_id="7f76t7vghb")
        assert tenant.token is None and tenant.token_secret is None

    run = run_program(program, new_resource=fake_depot)
    assert sorted(r.name for r in run.resources if r.custom) == ["t", "t-trust"]
    assert own_inputs(run.get("t", PROJECT))["import_id"] == "7f76t7vghb"
    assert own_inputs(run.get("t-trust"))["policies"] == []  # no trust declared: none allowed


def test_protect_and_retain_on_delete_reach_every_child() -> None:
    def program() -> None:
        depot.TenantProject(
            "t",
            tenant="acme",
            region="us-east-1",
            token=True,
            opts=pulumi.ResourceOptions(protect=True, retain_on_delete=True),
        )

    run = run_program(program, new_resource=fake_depot)
    assert {(r.name, r.protect, r.retain_on_delete) for r in run.resources if r.custom} == {
        ("t", True, True),
        ("t-trust", True, True),
        ("t-token", True, True),
    }


@pytest.mark.parametrize(
    ("arguments", "problem"),
    [
        ({"tenant": "Acme"}, "tenant: 'Acme' must be 1 to 40 lowercase letters, digits or '-'"),
        # A trailing newline passes a `$`-anchored re.match; the id is checked as the tenants file checks it.
        ({"tenant": "acme\n", "project_name": "acme"}, "tenant: 'acme\\n' must be 1 to 40 lowercase letters"),
        ({"tenant": 7}, "tenant: 7 must be 1 to 40 lowercase letters, digits or '-'"),
        ({"name_template": "t-{customer}"}, "name_template: 't-{customer}' has the field {customer}"),
        ({"name_template": "t-" + "x" * 62 + "-{tenant}"}, "Depot allows 1 to 64"),
        ({"name_template": "{tenant}!"}, "has characters a name template may not produce"),
        ({"project_name": " "}, "project_name: the project name ' ' is blank"),
        ({"token": {"descripton": "x"}}, "token.descripton: unknown key; allowed: description, rotation_trigger"),
    ],
)
def test_bad_names_fail_before_anything_is_registered(arguments: dict[str, Any], problem: str) -> None:
    def program() -> None:
        depot.TenantProject("t", **{"tenant": "acme", "region": "us-east-1", **arguments})

    with pytest.raises(ProgramError) as failure:
        run_program(program, new_resource=fake_depot)
    error = failure.value.__cause__
    assert isinstance(error, depot.TenantsFileError) and isinstance(error, pulumi.RunError)
    assert str(error).startswith(f"depot.TenantProject for tenant {arguments.get('tenant', 'acme')!r}")
    assert any(problem in line for line in error.problems), error.problems
    assert failure.value.run.resources == []


@pytest.mark.parametrize(
    "bad",
    [
        {"region": "mars-1", "hardware": "HUGE", "import_id": " "},
        {"cache_policy": {"keep_bytes": 3 * 1024**3 + 1}},
        {"cache_policy": {"keep_gb": True, "keep_gbs": 1}},
        {"cache_policy": {"keep_gb": 5, "keep_bytes": 4 * 1024**3}},
        {"token": {"descripton": "x\x1b", "import_id": ""}},
        {"trust_policies": [{"github": {"repository_owner": "a b", "repository": "x"}}]},
        {"trust_policies": [{"github": {"repository_owner": "acme", "repository": "x"}}] * 2},
        {"trust_policies": [{"buildkite": {"organization_slug": "acme"}}]},
    ],
)
def test_a_tenant_in_code_is_held_to_the_tenants_files_rules_with_its_messages(bad: dict[str, Any]) -> None:
    """TenantProject's plain arguments are checked as a tenants file's tenant (TenantSpec; cache_policy is the
    depot:Project resource's CachePolicy): the same problems, worded the same, without the file's tenant prefix."""
    tenant = {"region": "us-east-1", **bad}
    with pytest.raises(depot.TenantsFileError) as in_file:
        depot.parse_tenants({"tenants": [{"id": "acme", **tenant}]})
    with pytest.raises(depot.TenantsFileError) as in_code:
        depot.TenantProject("t", tenant="acme", **tenant)
    from_file = [problem.removeprefix("tenant 'acme' (tenants[0]): ") for problem in in_file.value.problems]
    assert in_code.value.problems == from_file


def plain_outputs(resource: Mapping[str, Any]) -> dict[str, Any]:
    """A state resource's outputs without its secrets (their ciphertext changes each time the state is written)."""
    return {
        key: value
        for key, value in resource["outputs"].items()
        if not (isinstance(value, dict) and "ciphertext" in value)
    }


TENANT_WITH_TRUST = """
import pulumi
import pulumi_depot as depot

tenant = depot.TenantProject(
    "tenant-acme",
    tenant="acme",
    region="us-east-1",
    trust_policies=[depot.GitHubTrustArgs(repository_owner="acme", repository="app")],
    token=True,
)
pulumi.export("project_id", tenant.project_id)
pulumi.export("token", tenant.token_secret)
"""


def test_a_tenants_trust_is_exactly_what_the_program_says(
    request: pytest.FixtureRequest, tmp_path: Path, pulumi_stack: Callable[..., PulumiStack]
) -> None:
    org = request.getfixturevalue("depot")
    client = org.client()
    stack = pulumi_stack(write_program(tmp_path / "program", TENANT_WITH_TRUST), org)

    assert set(stack.up().values()) == {"create"}
    project_id = stack.outputs()["project_id"]
    assert stack.secret_outputs() == {"token"}
    app_id = client.list_trust_policies(project_id)[0].trust_policy_id

    stray = client.add_trust_policy(
        project_id, buildkite=pb.TrustPolicy.Buildkite(organization_slug="someone", pipeline_slug="else")
    )
    preview = stack.preview()  # no refresh: the set's diff reads Depot
    assert preview == {"tenant-acme": "same", "tenant-acme-trust": "update", "tenant-acme-token": "same"}
    assert [p.trust_policy_id for p in client.list_trust_policies(project_id)] == [app_id, stray.trust_policy_id]

    # refresh reads the stray policy into the set's state, and changes nothing else (the engine reports a
    # refresh step for every resource; its summary counts the one that changed as an update).
    before = stack.resources()
    assert set(stack.refresh().values()) == {"refresh"}
    after = stack.resources()
    assert after["tenant-acme-trust"]["outputs"]["policy_ids"] == {
        "github:acme/app": app_id,
        "buildkite:someone/else": stray.trust_policy_id,
    }
    for name in ("tenant-acme", "tenant-acme-token"):
        assert plain_outputs(after[name]) == plain_outputs(before[name]), name
    assert stack.stack.history(page_size=1)[0].resource_changes == {"same": 4, "update": 1}
    assert stack.up()["tenant-acme-trust"] == "update"
    assert [p.trust_policy_id for p in client.list_trust_policies(project_id)] == [app_id]
    assert set(stack.up().values()) == {"same"}

    stack.destroy()
    assert client.list_projects() == []
