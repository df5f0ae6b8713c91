"""The AWS token sinks under the real `pulumi`, against depot-local and moto's server (both on 127.0.0.1).

- Rotation without a gap, the order seen from both servers: a GateProxy holds the old token's DeleteToken before
  depot-local sees it, and while the engine waits there the test finds the new value in AWS, written once, and both
  tokens working; nothing writes AWS after that point, so the old token never disappears while AWS still holds it.
- A failure in the middle (the sink cannot reach AWS; DeleteToken unavailable) leaves the previous token working
  and in AWS, and the next up converges.
- A token adopted with import_id is refused with the fix, nothing is written, and the fix works.
- The value is encrypted in the state (stack export, before and after a refresh), and no token appears in any file
  the CLI writes or in its output.
- A 50-tenant fleet with both sinks converges in one up and is destroyed without a recovery window.
"""

from __future__ import annotations

import json
import socket
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aws_local import AwsLocal
from engine_lifecycle import authenticates, fails, tokens
from gate_proxy import GateProxy
from pulumi_stack import PulumiStack, plaintext_in, without_cancelled_program, write_program

SINK_PROGRAM = """
import pulumi
import pulumi_depot as depot

config = pulumi.Config()
app = depot.Project("app", name="sinks", region="us-east-1")
ci = depot.ProjectToken(
    "ci",
    project_id=app.id,
    description="CI",
    rotation_trigger=config.get("rotation"),
    import_id=config.get("tokenId"),
)
secret = depot.AwsSecretsManagerToken(
    "ci-secret", token=ci, name="depot/app/token", region="us-east-1", recovery_window_days=0,
    tags={"tenant": "app"},
)
parameter = depot.AwsSsmParameterToken("ci-parameter", token=ci, name="/depot/app/token", region="us-east-1")
pulumi.export("project", app.id)
pulumi.export("token", ci.secret)
pulumi.export("secret_arn", secret.arn)
pulumi.export("parameter_arn", parameter.arn)
"""

FLEET_PROGRAM = """
import pulumi_depot as depot

depot.TenantFleet(
    "tenants",
    name_template="tenant-{{tenant}}",
    defaults=depot.TenantDefaultsArgs(
        region="us-east-1",
        token=True,
        token_sink={{
            "aws_secrets_manager": {{"region": "us-east-1", "recovery_window_days": 0,
                                    "reader_arns": ["arn:aws:iam::111122223333:role/{{tenant}}-builds"]}},
            "aws_ssm_parameter": {{"region": "us-east-1"}},
        }},
    ),
    tenants=[depot.TenantArgs(id=f"t{{index:03d}}") for index in range({count})],
).export()
"""


def unused_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def sink_stack(make: Callable[..., PulumiStack], tmp_path: Path, org: Any, aws: AwsLocal) -> PulumiStack:
    stack = make(write_program(tmp_path / "sinks", SINK_PROGRAM), org, env=aws.env)
    stack.set_config("depot:awsEndpointUrl", aws.url)
    return stack


SECRET, PARAMETER = "depot/app/token", "/depot/app/token"


@dataclass(frozen=True)
class Sinks:
    """What builds read from AWS, and the write that put it there (every write is a new version)."""

    secret: str | None
    secret_version: str
    parameter: str | None
    parameter_version: int


def sinks_of(aws: AwsLocal) -> Sinks:
    secret = aws.client("secretsmanager").get_secret_value(SecretId=SECRET)
    parameter = aws.client("ssm").get_parameter(Name=PARAMETER, WithDecryption=True)["Parameter"]
    return Sinks(secret["SecretString"], secret["VersionId"], parameter["Value"], parameter["Version"])


def token_id_of(stack: PulumiStack) -> str:
    return str(stack.resources()["ci"]["id"])


def test_rotation_writes_the_new_token_before_the_old_one_is_deleted(
    start_depot_server: Callable[..., Any],
    aws: AwsLocal,
    tmp_path: Path,
    pulumi_stack: Callable[..., PulumiStack],
) -> None:
    server = start_depot_server()
    with GateProxy(server.url) as gate:
        stack = sink_stack(pulumi_stack, tmp_path, server, aws)
        stack.set_config("depot:apiUrl", gate.url)  # the gate is open until the rotation: every call goes through
        assert stack.up() == {"app": "create", "ci": "create", "ci-secret": "create", "ci-parameter": "create"}
        outputs = stack.outputs()
        old, project_id, old_id = outputs["token"], outputs["project"], token_id_of(stack)
        assert aws.secret_value(SECRET) == old and aws.parameter_value(PARAMETER) == old
        assert authenticates(server.url, aws.secret_value(SECRET), project_id)
        assert set(stack.preview(expect_no_changes=True).values()) == {"same"}

        before = sinks_of(aws)
        server.reset_stats()
        stack.set_config("rotation", "2024-Q3")
        gate.close(methods={"DeleteToken"}, hold="call")
        with ThreadPoolExecutor(1) as pool:
            rotation = pool.submit(stack.up)
            try:
                gate.wait_holding(running=rotation)  # the engine deletes the old token now; Depot has not seen it
                live = set(tokens(server.client(), project_id))
                asked = server.stats().get("DeleteToken")
                held = sinks_of(aws)
                both_work = [authenticates(server.url, secret, project_id) for secret in (old, held.secret or "")]
            finally:
                gate.release()
            ops = rotation.result()
        assert ops == {"app": "same", "ci": "replace", "ci-secret": "update", "ci-parameter": "update"}
        new, new_id = stack.outputs()["token"], token_id_of(stack)
        assert new != old

        # Both stores hold the new token; Secrets Manager keeps the old one as AWSPREVIOUS.
        assert aws.secret_value(SECRET) == new
        assert aws.secret_value(SECRET, stage="AWSPREVIOUS") == old
        assert aws.parameter_value(PARAMETER) == new
        assert authenticates(server.url, new, project_id) and not authenticates(server.url, old, project_id)
        assert server.stats()["DeleteToken"]["results"] == {"ok": 1}

        # The order, from both servers: when the old token's delete was sent, depot-local had not been asked yet
        # and held both tokens, both worked, and AWS already held the new one (a new version in each) ...
        assert before.secret == before.parameter == old
        assert asked is None and live == {old_id, new_id}
        assert held.secret == held.parameter == new and both_work == [True, True]
        assert held.secret_version != before.secret_version and held.parameter_version == before.parameter_version + 1
        # ... and nothing wrote AWS after that point: the old token was never in AWS once depot-local deleted it.
        assert sinks_of(aws) == held
        assert old_id not in tokens(server.client(), project_id)

        assert set(stack.preview(expect_no_changes=True).values()) == {"same"}
        stack.destroy()
    assert aws.describe_secret(SECRET) is None and aws.parameter_value(PARAMETER) is None


def test_a_failure_in_the_middle_keeps_the_previous_token_working_and_the_next_up_converges(
    start_depot_server: Callable[..., Any],
    aws: AwsLocal,
    tmp_path: Path,
    pulumi_stack: Callable[..., PulumiStack],
) -> None:
    server = start_depot_server()
    stack = sink_stack(pulumi_stack, tmp_path, server, aws)
    stack.up()
    first, project_id, first_id = stack.outputs()["token"], stack.outputs()["project"], token_id_of(stack)

    # The sinks cannot reach AWS: the new token exists, nothing else changed, the old token still works.
    stack.set_config("depot:awsEndpointUrl", f"http://127.0.0.1:{unused_port()}")
    stack.set_config("rotation", "1")
    printed = fails(stack.up)
    line = next(line for line in printed.splitlines() if "AwsSecretsManagerToken 'depot/app/token'" in line)
    assert "update failed" in line and "cannot reach AWS" in line, line
    assert "Traceback" not in without_cancelled_program(printed) and first not in printed
    live = tokens(server.client(), project_id)
    assert first_id in live and len(live) == 2
    assert aws.secret_value("depot/app/token") == first and aws.parameter_value("/depot/app/token") == first
    assert authenticates(server.url, first, project_id)

    # AWS back: the next up writes the new token, then deletes the old one.
    stack.set_config("depot:awsEndpointUrl", aws.url)
    stack.up()
    second, second_id = stack.outputs()["token"], token_id_of(stack)
    assert second != first and list(tokens(server.client(), project_id)) == [second_id]
    assert aws.secret_value("depot/app/token") == second and aws.parameter_value("/depot/app/token") == second
    assert authenticates(server.url, second, project_id) and not authenticates(server.url, first, project_id)
    assert set(stack.preview(expect_no_changes=True).values()) == {"same"}

    # DeleteToken unavailable: the new token is already in AWS; the old one stays until the next up deletes it.
    server.set_faults(unavailable_rate=1.0, methods=["DeleteToken"])
    stack.set_config("rotation", "2")
    fails(stack.up)
    server.set_faults()
    live = tokens(server.client(), project_id)
    assert second_id in live and len(live) == 2
    (third_id,) = set(live) - {second_id}
    current = aws.secret_value("depot/app/token")
    assert current not in (None, second) and aws.parameter_value("/depot/app/token") == current
    assert authenticates(server.url, current, project_id)
    stack.up()
    assert list(tokens(server.client(), project_id)) == [third_id]
    third = stack.outputs()["token"]
    assert aws.secret_value("depot/app/token") == third == current
    assert set(stack.preview(expect_no_changes=True).values()) == {"same"}
    stack.destroy()


def test_an_adopted_token_is_refused_with_the_fix_and_nothing_is_written(
    depot: Any, aws: AwsLocal, tmp_path: Path, pulumi_stack: Callable[..., PulumiStack]
) -> None:
    client = depot.client()
    stack = sink_stack(pulumi_stack, tmp_path, depot, aws)
    project_id = client.create_project("sinks", "us-east-1").project_id
    existing = client.create_token(project_id, "CI")
    # The project is adopted too, so that the program's "app" is the project holding the token.
    stack.set_config("tokenId", existing.token_id)
    program = stack.program_dir / "__main__.py"
    program.write_text(
        program.read_text().replace(
            'name="sinks", region="us-east-1")', 'name="sinks", region="us-east-1", import_id=config.get("projectId"))'
        )
    )
    stack.set_config("projectId", project_id)

    printed = fails(stack.up)
    refusals = [line for line in printed.splitlines() if "refusing to write the token" in line]
    assert refusals, printed
    for line in refusals:
        assert "'ci-secret'" in line or "'ci-parameter'" in line or "depot/app/token" in line, line
        assert "depot:ProjectToken 'ci' was adopted with import_id" in line
        assert "set rotation_trigger on depot:ProjectToken 'ci' (and remove its import_id)" in line
    assert existing.secret not in printed and "Traceback" not in without_cancelled_program(printed)
    assert aws.secret_names() == [] and aws.parameter_value("/depot/app/token") is None

    # Now that the adopted token is in the state, a preview fails the same way (before any write).
    assert "refusing to write the token" in fails(stack.preview)

    # The fix: drop import_id and rotate. The new token's secret reaches AWS; the adopted one is deleted.
    stack.remove_config("tokenId")
    stack.set_config("rotation", "1")
    stack.up()
    token = stack.outputs()["token"]
    assert aws.secret_value("depot/app/token") == token and aws.parameter_value("/depot/app/token") == token
    assert existing.token_id not in tokens(client, project_id)
    assert authenticates(depot.url, token, project_id)
    stack.destroy()


def test_the_token_is_encrypted_in_the_state_and_in_no_file_or_output(
    depot: Any, aws: AwsLocal, tmp_path: Path, pulumi_stack: Callable[..., PulumiStack]
) -> None:
    stack = sink_stack(pulumi_stack, tmp_path, depot, aws)
    stack.up()
    first = stack.outputs()["token"]
    stack.set_config("rotation", "1")
    stack.up()
    second = stack.outputs()["token"]
    aws.client("secretsmanager").put_secret_value(SecretId="depot/app/token", SecretString="changed-by-hand")
    stack.refresh()
    drifted = stack.resources()["ci-secret"]
    assert drifted["outputs"]["drift"] and "value" not in drifted["outputs"]
    stack.up()
    assert aws.secret_value("depot/app/token") == second
    stack.refresh()
    assert set(stack.preview(expect_no_changes=True).values()) == {"same"}

    needles = (depot.token, first, second)
    exported = stack.export()
    assert [n for n in needles if n in json.dumps(exported)] == []
    for name in ("ci-secret", "ci-parameter"):
        resource = stack.resources()[name]
        for side in ("inputs", "outputs"):
            value = resource[side]["value"]
            assert isinstance(value, dict) and "ciphertext" in value, (name, side, value)
    revealed = json.loads(stack.cli("stack", "export", "--show-secrets"))
    sinks = [r for r in revealed["deployment"]["resources"] if r["urn"].endswith(("ci-secret", "ci-parameter"))]
    assert [json.loads(r["outputs"]["value"]["plaintext"]) for r in sinks] == [second, second]
    assert json.loads(stack.cli("stack", "output", "--json"))["token"] == "[secret]"
    stack.destroy()
    assert plaintext_in(stack.work_dir, *needles) == []  # backend (history, backups), PULUMI_HOME, logs
    assert plaintext_in(stack.program_dir, *needles) == []
    assert [n for n in needles if n in "\n".join(stack.log)] == []


def test_a_fifty_tenant_fleet_with_sinks_converges_in_one_up(
    depot: Any, aws: AwsLocal, tmp_path: Path, pulumi_stack: Callable[..., PulumiStack]
) -> None:
    count = 50
    stack = pulumi_stack(write_program(tmp_path / "fleet", FLEET_PROGRAM.format(count=count)), depot, env=aws.env)
    stack.set_config("depot:awsEndpointUrl", aws.url)
    ops = stack.up(parallel=16)
    assert len(ops) == 5 * count and set(ops.values()) == {"create"}

    tenant_tokens = stack.outputs()["tenants_tokens"]
    assert len(tenant_tokens) == count
    assert aws.secret_names() == sorted(f"depot/t{index:03d}/token" for index in range(count))
    sm = aws.client("secretsmanager")
    for tenant, token in tenant_tokens.items():
        assert aws.secret_value(f"depot/{tenant}/token") == token
        assert aws.parameter_value(f"/depot/{tenant}/token") == token
        policy = json.loads(sm.get_resource_policy(SecretId=f"depot/{tenant}/token")["ResourcePolicy"])
        assert policy["Statement"][0]["Principal"] == {"AWS": [f"arn:aws:iam::111122223333:role/{tenant}-builds"]}
    assert set(stack.preview(expect_no_changes=True, parallel=16).values()) == {"same"}

    needles = (depot.token, *tenant_tokens.values())
    assert [n for n in needles if n in json.dumps(stack.export())] == []
    stack.destroy(parallel=16)
    assert aws.secret_names() == []
    assert all(aws.describe_secret(f"depot/t{index:03d}/token") is None for index in range(count))
    assert all(aws.parameter_value(f"/depot/t{index:03d}/token") is None for index in range(count))
    assert depot.client().list_projects() == []
    assert plaintext_in(stack.work_dir, *needles) == []
    assert [n for n in needles if n in "\n".join(stack.log)] == []
