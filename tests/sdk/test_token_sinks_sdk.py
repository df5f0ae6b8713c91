"""token_sink in tenants files, TenantFleet and TenantProject, and the sink resources' registrations: checked before
anything is registered (each problem naming the tenant and field), and registered as the provider expects (the
token's secret as a secret input, `value` in additional_secret_outputs, a dependency on the token)."""

from __future__ import annotations

import json
from typing import Any

import pulumi
import pulumi_depot as depot
import pytest
from dynamic_host import ProgramError, Secret, run_program

SINK = {
    "aws_secrets_manager": {"region": "us-east-1", "reader_arns": ["arn:aws:iam::111122223333:role/{tenant}-ci"]},
    "aws_ssm_parameter": {"region": "eu-west-1", "name": "/builds/{tenant}/depot"},
}
GOOD: dict[str, Any] = {
    "name_template": "tenant-{tenant}",
    "defaults": {"region": "us-east-1", "token": True, "token_sink": SINK},
    "tenants": [
        {"id": "acme"},
        {"id": "globex", "token_sink": {"aws_ssm_parameter": {"region": "us-east-1", "name": "/globex/token"}}},
        {"id": "initech", "token_sink": False},
    ],
}
SECRETS_MANAGER = "pulumi-python:dynamic/depot:AwsSecretsManagerToken"
SSM_PARAMETER = "pulumi-python:dynamic/depot:AwsSsmParameterToken"


def document(**tenant_changes: Any) -> dict[str, Any]:
    copy = json.loads(json.dumps(GOOD))
    for index, changes in tenant_changes.items():
        copy["tenants"][int(index.removeprefix("t"))].update(changes)
    return copy


def problems_of(data: Any) -> list[str]:
    with pytest.raises(depot.TenantsFileError) as failure:
        depot.parse_tenants(data, "tenants.yaml")
    return failure.value.problems


def test_defaults_apply_a_tenant_replaces_them_whole_and_false_turns_them_off() -> None:
    resolved = {tenant.id: tenant.token_sink for tenant in depot.parse_tenants(GOOD).resolved()}
    acme = resolved["acme"]
    assert acme is not None and acme.aws_secrets_manager is not None and acme.aws_ssm_parameter is not None
    assert acme.aws_secrets_manager.name == "depot/{tenant}/token"  # the default template
    globex = resolved["globex"]
    assert globex is not None and globex.aws_secrets_manager is None
    assert resolved["initech"] is None


def test_token_sink_problems_name_the_tenant_and_the_field() -> None:
    bad = document(
        t0={"token_sink": {"aws_secrets_manager": {"region": "moon-1", "name": "depot/{tenant}/{env}"}}},
        t1={"token_sink": True},
        t2={"token_sink": {"aws_ssm_parameter": {"region": "us-east-1"}}, "token": False},
    )
    bad["tenants"].append({"id": "hooli", "token_sink": {"aws_ssm_parameter": {"regoin": "us-east-1"}}})
    bad["tenants"].append({"id": "umbrella", "token_sink": {}})
    problems = problems_of(bad)
    assert any(
        p.startswith("tenant 'hooli' (tenants[3]): token_sink.aws_ssm_parameter.regoin: unknown key") for p in problems
    )
    assert any(p.startswith("tenant 'umbrella' (tenants[4]): token_sink") for p in problems), problems
    parsed_later = problems_of({**bad, "tenants": bad["tenants"][:3]})
    assert parsed_later == [
        "tenant 'acme' (tenants[0]): token_sink.aws_secrets_manager.name: 'depot/{tenant}/{env}': the only "
        "template field is {tenant}",
        "tenant 'acme' (tenants[0]): token_sink.aws_secrets_manager.region: must be an AWS region such as "
        "us-east-1 or eu-central-1",
        "tenant 'globex' (tenants[1]): token_sink: true is not a sink; give aws_secrets_manager and/or "
        "aws_ssm_parameter, or false",
        "tenant 'initech' (tenants[2]): token_sink: there is no token to deliver; set token: true (here or in "
        "defaults) or leave token_sink out",
    ]


def test_two_tenants_may_not_share_a_secret_name() -> None:
    shared = {"aws_secrets_manager": {"region": "us-east-1", "name": "depot/shared"}}
    problems = problems_of(
        {
            "defaults": {"region": "us-east-1", "token": True, "token_sink": shared},
            "tenants": [{"id": "acme"}, {"id": "globex"}],
        }
    )
    assert problems == [
        "tenant 'globex' (tenants[1]): token_sink.aws_secrets_manager.name: 'depot/shared' in us-east-1 is also "
        "tenant 'acme''s; put {tenant} in the name so that each tenant has its own"
    ]


def test_a_fleet_registers_each_tenants_sinks_as_children_depending_on_its_token() -> None:
    def program() -> None:
        depot.TenantFleet(
            "tenants",
            defaults=depot.TenantDefaultsArgs(region="us-east-1", token=True, token_sink=SINK),
            tenants=[depot.TenantArgs(id="acme"), depot.TenantArgs(id="globex", token_sink=False)],
        )

    run = run_program(program)
    by_name = {record.name: record for record in run.resources}
    secret, parameter, token = (
        by_name["tenant-acme-token-secret"],
        by_name["tenant-acme-token-parameter"],
        by_name["tenant-acme-token"],
    )
    assert "tenant-globex-token-secret" not in by_name and "tenant-globex-token" in by_name
    assert (secret.type, parameter.type) == (SECRETS_MANAGER, SSM_PARAMETER)
    assert secret.parent == parameter.parent == by_name["tenant-acme"].parent  # the TenantProject component
    assert secret.inputs["name"] == "depot/acme/token"
    assert secret.inputs["reader_arns"] == ["arn:aws:iam::111122223333:role/acme-ci"]
    assert (parameter.inputs["name"], parameter.inputs["region"]) == ("/builds/acme/depot", "eu-west-1")
    assert secret.inputs["token_name"] == "tenant-acme-token"
    for sink in (secret, parameter):
        assert token.urn in sink.property_dependencies["value"]
        assert sink.additional_secret_outputs == ["value"]


def test_the_value_is_always_registered_as_a_secret() -> None:
    def program() -> None:
        depot.AwsSsmParameterToken("p", value="plain-text-token", name="/x/token", region="us-east-1")

    (record,) = run_program(program).resources
    assert record.inputs["value"] == Secret("plain-text-token")
    assert record.additional_secret_outputs == ["value"]


def test_token_or_value_exactly_one() -> None:
    def both() -> None:
        project = depot.Project("p", name="p", region="us-east-1")
        token = depot.ProjectToken("t", project_id=project.id, description="d")
        depot.AwsSecretsManagerToken("s", token=token, value="x", name="n", region="us-east-1")

    with pytest.raises(ProgramError) as failure:
        run_program(both)
    assert "give exactly one of token=" in str(failure.value.__cause__ or failure.value)


def test_tenant_project_checks_token_sink_before_registering() -> None:
    def program() -> None:
        depot.TenantProject("tenant-acme", tenant="acme", region="us-east-1", token_sink=SINK)

    with pytest.raises(ProgramError) as failure:
        run_program(program)
    assert "token_sink: there is no token to deliver" in str(failure.value.__cause__ or failure.value)

    def good() -> pulumi.Output[Any] | None:
        tenant = depot.TenantProject(
            "tenant-acme",
            tenant="acme",
            region="us-east-1",
            token=True,
            token_sink=depot.TenantTokenSinkArgs(
                aws_secrets_manager=depot.AwsSecretsManagerSinkArgs(region="us-east-1", recovery_window_days=7)
            ),
        )
        assert set(tenant.token_sinks) == {"aws_secrets_manager"}
        return None

    names = [record.name for record in run_program(good).resources]
    assert "tenant-acme-token-secret" in names and "tenant-acme-token-parameter" not in names
