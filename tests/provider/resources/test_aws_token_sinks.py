"""depot:AwsSecretsManagerToken and depot:AwsSsmParameterToken through the real dynamic provider host, against
moto's server (the ``aws`` fixture): create, read back, rotate, drift, refusal of a token Pulumi does not hold,
destroy with and without a recovery window, and one-line errors without the token in them."""

from __future__ import annotations

import json
import secrets
import socket
import sys
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from aws_local import AwsLocal
from dynamic_host import UNKNOWN, DynamicProviderHost, HostError, Secret
from engine_steps import EngineResource
from pulumi_depot_provider.resources import aws_store
from pulumi_depot_provider.resources.aws_secrets_manager_token import AwsSecretsManagerTokenProvider
from pulumi_depot_provider.resources.aws_ssm_parameter_token import AwsSsmParameterTokenProvider
from pulumi_depot_provider.resources.session import EmptyConfig, Session
from pulumi_depot_provider.resources.values import DepotResourceError

SECRETS_MANAGER = "pulumi-python:dynamic/depot:AwsSecretsManagerToken"
SSM_PARAMETER = "pulumi-python:dynamic/depot:AwsSsmParameterToken"
TENANT_ROLE = "arn:aws:iam::111122223333:role/acme-builds"
OTHER_ROLE = "arn:aws:iam::444455556666:role/globex-builds"


def new_token() -> str:
    return "depot_project_" + secrets.token_hex(20)


@pytest.fixture
def start_aws_host(aws: AwsLocal) -> Iterator[Callable[..., DynamicProviderHost]]:
    hosts: list[DynamicProviderHost] = []

    def start(endpoint: str | None = None, **config: str) -> DynamicProviderHost:
        env = {**aws.env, "DEPOT_TOKEN": "", "DEPOT_API_URL": ""}
        host = DynamicProviderHost(env=env)
        hosts.append(host)
        host.start()
        host.configure({"depot:awsEndpointUrl": endpoint or aws.url, **config})
        return host

    yield start
    for host in hosts:
        host.close()


@pytest.fixture
def host(start_aws_host: Callable[..., DynamicProviderHost]) -> DynamicProviderHost:
    return start_aws_host()


def secret_sink(host: DynamicProviderHost, name: str = "acme-token-secret") -> EngineResource:
    return EngineResource(host, AwsSecretsManagerTokenProvider(), SECRETS_MANAGER, name, secret_outputs=["value"])


def parameter_sink(host: DynamicProviderHost, name: str = "acme-token-parameter") -> EngineResource:
    return EngineResource(host, AwsSsmParameterTokenProvider(), SSM_PARAMETER, name, secret_outputs=["value"])


def one_line(error: HostError, *secrets_: str) -> str:
    details = error.details.strip()
    assert "\n" not in details and "Traceback" not in details, details
    for secret in secrets_:
        assert secret not in details, details
    return details


def version_stages(aws: AwsLocal, name: str) -> dict[str, list[str]]:
    return aws.describe_secret(name)["VersionIdsToStages"]  # type: ignore[index]


def test_secrets_manager_create_read_back_rotate_destroy_with_window_and_restore(
    host: DynamicProviderHost, aws: AwsLocal
) -> None:
    first, second = new_token(), new_token()
    sink = secret_sink(host)
    inputs: dict[str, Any] = {
        "name": "depot/acme/token",
        "region": "us-east-1",
        "value": Secret(first),
        "value_known": True,
        "token_name": "tenant-acme-token",
        "description": "acme's Depot token",
        "tags": {"tenant": "acme"},
        "reader_arns": [TENANT_ROLE],
        "recovery_window_days": 7,
    }
    assert sink.up(inputs) == "create"
    arn = sink.id
    assert arn.startswith("arn:aws:secretsmanager:us-east-1:") and ":secret:depot/acme/token-" in arn
    assert sink.outputs["arn"] == arn and sink.outputs["value"] == Secret(first)
    assert aws.secret_value("depot/acme/token") == first
    live = aws.describe_secret("depot/acme/token")
    assert live is not None and live["Description"] == "acme's Depot token"
    assert {t["Key"]: t["Value"] for t in live["Tags"]} == {"tenant": "acme", "managed-by": "pulumi-depot"}
    policy = json.loads(aws.client("secretsmanager").get_resource_policy(SecretId=arn)["ResourcePolicy"])
    (statement,) = policy["Statement"]
    assert statement["Principal"] == {"AWS": [TENANT_ROLE]}
    assert sorted(statement["Action"]) == ["secretsmanager:DescribeSecret", "secretsmanager:GetSecretValue"]
    assert sink.diff(inputs).changes == "none"
    assert sink.up(inputs) == "same"

    # A rotated token: the same secret, the new token AWSCURRENT, the old one AWSPREVIOUS.
    first_version = sink.outputs["version_id"]
    inputs["value"] = Secret(second)
    diff = sink.diff(inputs)
    assert (diff.changes, diff.replaces) == ("some", [])
    assert sink.up(inputs) == "update"
    assert sink.id == arn and sink.outputs["version_id"] != first_version
    assert aws.secret_value("depot/acme/token") == second
    assert aws.secret_value("depot/acme/token", stage="AWSPREVIOUS") == first
    assert version_stages(aws, "depot/acme/token")[sink.outputs["version_id"]] == ["AWSCURRENT"]

    # In place: description, tags (authoritative), readers.
    inputs.update(description="acme builds", tags={"tenant": "acme", "tier": "gold"}, reader_arns=[OTHER_ROLE])
    assert sink.up(inputs) == "update"
    live = aws.describe_secret("depot/acme/token")
    assert live is not None and live["Description"] == "acme builds"
    assert {t["Key"]: t["Value"] for t in live["Tags"]} == {
        "tenant": "acme",
        "tier": "gold",
        "managed-by": "pulumi-depot",
    }
    policy = json.loads(aws.client("secretsmanager").get_resource_policy(SecretId=arn)["ResourcePolicy"])
    assert policy["Statement"][0]["Principal"] == {"AWS": [OTHER_ROLE]}
    assert aws.secret_value("depot/acme/token") == second  # the value was not rewritten
    inputs["reader_arns"] = []
    assert sink.up(inputs) == "update"
    assert aws.client("secretsmanager").get_resource_policy(SecretId=arn).get("ResourcePolicy") is None

    # Destroy with a 7-day recovery window: scheduled, restorable, the name still taken.
    sink.destroy()
    live = aws.describe_secret("depot/acme/token")
    assert live is not None and live.get("DeletedDate") is not None
    deleted = live["DeletedDate"].astimezone(UTC)
    assert abs(deleted - (datetime.now(UTC) + timedelta(days=7))) < timedelta(hours=1)
    assert aws.secret_value("depot/acme/token") is None

    # Declared again: the scheduled secret (tagged managed-by=pulumi-depot) is restored and taken over.
    assert sink.up(inputs) == "create"
    assert sink.id == arn
    restored = aws.describe_secret("depot/acme/token")
    assert restored is not None and restored.get("DeletedDate") is None
    assert aws.secret_value("depot/acme/token") == second
    assert "took over the existing secret" in host.output()

    # Destroy without a recovery window: gone at once (and deleting again succeeds).
    inputs["recovery_window_days"] = 0
    assert sink.up(inputs) == "update"
    last_outputs = dict(sink.outputs)
    sink.destroy()
    assert aws.describe_secret("depot/acme/token") is None
    host.delete(sink.urn, arn, last_outputs)
    assert first not in host.output() and second not in host.output()


def test_secrets_manager_default_recovery_window_is_aws_default(host: DynamicProviderHost, aws: AwsLocal) -> None:
    sink = secret_sink(host)
    assert sink.up({"name": "depot/acme/token", "region": "us-east-1", "value": Secret(new_token())}) == "create"
    sink.destroy()
    live = aws.describe_secret("depot/acme/token")
    assert live is not None
    deleted = live["DeletedDate"].astimezone(UTC)
    assert abs(deleted - (datetime.now(UTC) + timedelta(days=30))) < timedelta(hours=1)


def test_secrets_manager_drift_is_found_on_refresh_and_put_right_by_up(
    host: DynamicProviderHost, aws: AwsLocal
) -> None:
    token = new_token()
    sink = secret_sink(host)
    sm = aws.client("secretsmanager")
    inputs: dict[str, Any] = {
        "name": "depot/acme/token",
        "region": "us-east-1",
        "value": Secret(token),
        "tags": {"tenant": "acme"},
        "reader_arns": [TENANT_ROLE],
        "kms_key_id": "alias/depot-tokens",
    }
    assert sink.up(inputs) == "create"
    arn = sink.id

    # Changed by hand: refresh records it (and drops the value), up writes the token again.
    sm.put_secret_value(SecretId=arn, SecretString="pasted-by-hand")
    refreshed = sink.refresh()
    assert refreshed.id == arn
    assert "value" not in refreshed.outs
    assert refreshed.outs["drift"] == [
        "the secret's current value is not the token (changed outside Pulumi): up writes it"
    ]
    assert refreshed.inputs is not None and "value" not in refreshed.inputs
    assert sink.diff(inputs).changes == "some"
    assert sink.up(inputs) == "update"
    assert aws.secret_value("depot/acme/token") == token
    assert sink.refresh().outs.get("drift") is None
    assert sink.up(inputs) == "same"

    # Scheduled for deletion by hand: refresh records it, up restores the same secret (same ARN and history).
    sm.delete_secret(SecretId=arn, RecoveryWindowInDays=10)
    refreshed = sink.refresh()
    assert refreshed.id == arn
    (drift,) = refreshed.outs["drift"]
    assert drift.startswith("the secret is scheduled for deletion on ") and drift.endswith(": up restores it")
    assert sink.up(inputs) == "update"
    live = aws.describe_secret("depot/acme/token")
    assert live is not None and live.get("DeletedDate") is None and live["ARN"] == arn
    assert aws.secret_value("depot/acme/token") == token

    # Tags and the resource policy edited by hand.
    sm.tag_resource(SecretId=arn, Tags=[{"Key": "intruder", "Value": "x"}])
    sm.put_resource_policy(
        SecretId=arn,
        ResourcePolicy=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": {"AWS": [TENANT_ROLE, OTHER_ROLE]},
                        "Action": "secretsmanager:*",
                        "Resource": "*",
                    }
                ],
            }
        ),
    )
    refreshed = sink.refresh()
    assert refreshed.outs["tags"] == {"tenant": "acme", "intruder": "x"}
    assert refreshed.outs["reader_arns"] == sorted([TENANT_ROLE, OTHER_ROLE])
    assert refreshed.outs["drift"] == ["the resource policy was changed outside Pulumi: up writes it again"]
    assert sink.up(inputs) == "update"
    live = aws.describe_secret("depot/acme/token")
    assert live is not None
    assert {t["Key"] for t in live["Tags"]} == {"tenant", "managed-by"}
    policy = json.loads(sm.get_resource_policy(SecretId=arn)["ResourcePolicy"])
    assert policy["Statement"][0]["Principal"] == {"AWS": [TENANT_ROLE]}

    # Re-encrypted with another KMS key by hand: refresh shows that key, up puts the declared one back.
    sm.update_secret(SecretId=arn, KmsKeyId="alias/someone-elses")
    refreshed = sink.refresh()
    assert refreshed.outs["kms_key_id"] == "alias/someone-elses"
    assert refreshed.outs["drift"] == [
        "the secret is encrypted with alias/someone-elses, not the declared KMS key: up re-encrypts it"
    ]
    assert sink.diff(inputs).changes == "some"
    assert sink.up(inputs) == "update"
    live = aws.describe_secret("depot/acme/token")
    assert live is not None and live.get("KmsKeyId") == "alias/depot-tokens"
    assert aws.secret_value("depot/acme/token") == token
    assert sink.refresh().outs.get("drift") is None

    # Deleted for good by hand: refresh forgets it, up creates a new secret.
    sm.delete_secret(SecretId=arn, ForceDeleteWithoutRecovery=True)
    assert sink.refresh().id == ""
    assert sink.up(inputs) == "create"
    assert sink.id != arn
    assert aws.secret_value("depot/acme/token") == token
    assert token not in host.output()


def test_an_interrupted_create_is_taken_over_and_a_foreign_secret_is_refused(
    host: DynamicProviderHost, aws: AwsLocal
) -> None:
    sm = aws.client("secretsmanager")
    token = new_token()
    # What a create interrupted after CreateSecret leaves: a tagged secret, maybe without its policy yet.
    left = sm.create_secret(
        Name="depot/acme/token", SecretString="stale", Tags=[{"Key": "managed-by", "Value": "pulumi-depot"}]
    )
    sink = secret_sink(host)
    inputs = {"name": "depot/acme/token", "region": "us-east-1", "value": Secret(token), "reader_arns": [TENANT_ROLE]}
    assert sink.up(inputs) == "create"
    assert sink.id == left["ARN"]
    assert aws.secret_value("depot/acme/token") == token
    assert json.loads(sm.get_resource_policy(SecretId=left["ARN"])["ResourcePolicy"])["Statement"][0]["Principal"]

    sm.create_secret(Name="someone/else", SecretString="theirs")
    with pytest.raises(HostError) as refused:
        secret_sink(host, "other").up({"name": "someone/else", "region": "us-east-1", "value": Secret(token)})
    details = one_line(refused.value, token, "theirs")
    assert "depot:AwsSecretsManagerToken 'someone/else' in us-east-1: create failed:" in details
    assert "already exists" in details and "managed-by=pulumi-depot" in details
    assert aws.secret_value("someone/else") == "theirs"


@pytest.mark.parametrize(
    ("extra", "needle"),
    [
        ({"value": None, "value_known": False}, "was adopted with import_id"),
        ({"value": Secret("(not recoverable: this token was adopted with import_id, ...)")}, "was adopted"),
        ({"value": None}, "has no secret (absent or empty)"),
        ({"value": Secret("")}, "has no secret (absent or empty)"),
    ],
    ids=["secret-known-false", "legacy-placeholder", "absent", "empty"],
)
@pytest.mark.parametrize("sink_of", [secret_sink, parameter_sink], ids=["secrets-manager", "ssm"])
def test_a_token_pulumi_does_not_hold_is_refused_with_the_fix(
    host: DynamicProviderHost,
    aws: AwsLocal,
    sink_of: Callable[[DynamicProviderHost], EngineResource],
    extra: dict[str, Any],
    needle: str,
) -> None:
    sink = sink_of(host)
    name = "depot/acme/token" if sink.urn.endswith("secret") else "/depot/acme/token"
    inputs = {"name": name, "region": "us-east-1", "token_name": "tenant-acme-token", **extra}
    check = sink.check(inputs)
    (failure,) = check.failures
    assert failure.property == ""
    reason = failure.reason
    assert "\n" not in reason and needle in reason, reason
    assert reason.startswith(f"{sink.urn.split('::')[2].split('/')[1]} '{name}': refusing to write the token")
    assert "depot:ProjectToken 'tenant-acme-token'" in reason
    assert "set rotation_trigger on depot:ProjectToken 'tenant-acme-token'" in reason
    assert "nothing was written" in reason

    # Create is refused too (what an engine skipping check would reach), and nothing reaches AWS.
    with pytest.raises(HostError) as refused:
        host.create(sink.urn, sink.news(inputs))
    assert needle in one_line(refused.value)
    assert aws.secret_names() == []
    assert aws.parameter_value(name) is None

    # In a preview the token is not known yet: no reason to fail.
    assert sink.check({**inputs, "value": UNKNOWN, "value_known": UNKNOWN}, preview=True).failures == []


def test_ssm_parameter_create_read_back_rotate_drift_and_delete(host: DynamicProviderHost, aws: AwsLocal) -> None:
    first, second = new_token(), new_token()
    ssm = aws.client("ssm")
    sink = parameter_sink(host)
    inputs: dict[str, Any] = {
        "name": "/depot/acme/token",
        "region": "us-east-1",
        "value": Secret(first),
        "kms_key_id": "alias/depot-tokens",
        "description": "acme's Depot token",
        "tags": {"tenant": "acme"},
    }
    assert sink.up(inputs) == "create"
    assert sink.id == "arn:aws:ssm:us-east-1:123456789012:parameter/depot/acme/token"
    assert aws.parameter_value("/depot/acme/token") == first
    (meta,) = ssm.describe_parameters(ParameterFilters=[{"Key": "Name", "Values": ["/depot/acme/token"]}])["Parameters"]
    assert (meta["Type"], meta["KeyId"], meta["Description"]) == (
        "SecureString",
        "alias/depot-tokens",
        inputs["description"],
    )
    tags = ssm.list_tags_for_resource(ResourceType="Parameter", ResourceId="/depot/acme/token")["TagList"]
    assert {t["Key"]: t["Value"] for t in tags} == {"tenant": "acme", "managed-by": "pulumi-depot"}
    assert sink.outputs["version"] == 1
    assert sink.up(inputs) == "same"

    inputs["value"] = Secret(second)
    assert sink.up(inputs) == "update"
    assert aws.parameter_value("/depot/acme/token") == second
    assert sink.outputs["version"] == 2

    # Changed by hand, then made a plain String by hand: found on refresh, put right by up.
    ssm.put_parameter(Name="/depot/acme/token", Value="pasted", Type="SecureString", Overwrite=True)
    refreshed = sink.refresh()
    assert "value" not in refreshed.outs
    assert refreshed.outs["drift"] == ["the parameter's value is not the token (changed outside Pulumi): up writes it"]
    assert sink.up(inputs) == "update"
    assert aws.parameter_value("/depot/acme/token") == second
    ssm.put_parameter(Name="/depot/acme/token", Value=second, Type="String", Overwrite=True)
    assert sink.refresh().outs["drift"] == ["the parameter is a String, not a SecureString: up writes it again"]
    assert sink.up(inputs) == "update"
    assert ssm.get_parameter(Name="/depot/acme/token")["Parameter"]["Type"] == "SecureString"

    # Re-encrypted with another KMS key by hand: found on refresh, the declared key put back by up.
    ssm.put_parameter(Name="/depot/acme/token", Value=second, Type="SecureString", KeyId="alias/other", Overwrite=True)
    refreshed = sink.refresh()
    assert refreshed.outs["kms_key_id"] == "alias/other"
    assert refreshed.outs["drift"] == [
        "the parameter is encrypted with alias/other, not the declared KMS key: up re-encrypts it"
    ]
    assert sink.up(inputs) == "update"
    (meta,) = ssm.describe_parameters(ParameterFilters=[{"Key": "Name", "Values": ["/depot/acme/token"]}])["Parameters"]
    assert meta["KeyId"] == "alias/depot-tokens"

    # Deleted by hand: refresh forgets it, up creates it again.
    ssm.delete_parameter(Name="/depot/acme/token")
    assert sink.refresh().id == ""
    assert sink.up(inputs) == "create"
    assert aws.parameter_value("/depot/acme/token") == second

    # A parameter pulumi-depot did not create is never overwritten.
    ssm.put_parameter(Name="/someone/else", Value="theirs", Type="SecureString")
    with pytest.raises(HostError) as refused:
        parameter_sink(host, "other").up({"name": "/someone/else", "region": "us-east-1", "value": Secret(first)})
    assert "already exists" in one_line(refused.value, first)
    assert aws.parameter_value("/someone/else") == "theirs"

    last_outputs = dict(sink.outputs)
    sink.destroy()
    assert aws.parameter_value("/depot/acme/token") is None
    host.delete(sink.urn, last_outputs["arn"], last_outputs)  # already gone: success
    assert first not in host.output() and second not in host.output()


def test_inputs_are_checked_before_aws_is_called(host: DynamicProviderHost) -> None:
    token = new_token()
    failures = (
        secret_sink(host)
        .check(
            {
                "name": "depot/acme token",
                "region": "Europe",
                "value": Secret(token),
                "tags": {"aws:reserved": "x"},
                "reader_arns": ["not-an-arn"],
                "recovery_window_days": 3,
            }
        )
        .failures
    )
    assert [f.property for f in failures] == [""] * 5
    assert sorted(f.reason.split(":")[0] for f in failures) == [
        "name",
        "reader_arns[0]",
        "recovery_window_days",
        "region",
        "tags",
    ]
    assert all(token not in f.reason for f in failures)
    (failure,) = (
        parameter_sink(host).check({"name": "depot/acme/token", "region": "us-east-1", "value": Secret(token)}).failures
    )
    assert failure.property == "" and failure.reason.startswith("name: ") and "must start with '/'" in failure.reason


def unused_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_aws_errors_are_one_line_without_the_token(start_aws_host: Callable[..., DynamicProviderHost]) -> None:
    token = new_token()
    inputs = {"name": "depot/acme/token", "region": "us-east-1", "value": Secret(token)}
    host = start_aws_host(f"http://127.0.0.1:{unused_port()}")
    with pytest.raises(HostError) as failure:
        secret_sink(host).up(inputs)
    details = one_line(failure.value, token)
    # botocore says "Could not connect to the endpoint URL" or, on a loaded machine, "Connect timeout on endpoint URL".
    assert details.startswith(
        "DepotResourceError: depot:AwsSecretsManagerToken 'depot/acme/token' in us-east-1: create failed: "
        "DescribeSecret: cannot reach AWS: "
    ), details
    assert "endpoint URL" in details, details

    # A plain-http endpoint off this machine is refused at check, naming the setting.
    remote = start_aws_host("http://aws.example.com")
    (problem,) = secret_sink(remote).check(inputs).failures
    assert "depot:awsEndpointUrl" in problem.reason and "cleartext" in problem.reason
    allowed = start_aws_host("http://aws.example.com", **{"depot:allowInsecureHttp": "true"})
    assert secret_sink(allowed).check(inputs).failures == []


def test_without_boto3_the_error_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "boto3", None)  # what `import boto3` meets when it is not installed
    with pytest.raises(DepotResourceError) as missing:
        aws_store.AwsClients(aws_store.AwsSettings()).client("secretsmanager", "us-east-1")
    assert "pip install 'pulumi-depot[aws]'" in str(missing.value)


def test_a_token_in_an_aws_message_is_redacted() -> None:
    token = new_token()
    session = Session(EmptyConfig())
    session.remember_secret(token)
    error = aws_store.AwsError("PutSecretValue", "InvalidParameterException", f"bad value {token}\n(details)")
    assert (
        session.aws_redact(str(error)) == "PutSecretValue (InvalidParameterException): bad value [redacted] (details)"
    )
