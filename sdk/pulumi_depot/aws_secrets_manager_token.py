"""depot.AwsSecretsManagerToken: a Depot project token delivered to an AWS Secrets Manager secret."""

from __future__ import annotations

from typing import Any

import pulumi
import pulumi.dynamic
from pulumi_depot_provider.resources.aws_secrets_manager_token import AwsSecretsManagerTokenProvider

from pulumi_depot._owner import provider_for, settle
from pulumi_depot.project_token import ProjectToken

__all__ = ["AwsSecretsManagerToken", "token_value_inputs"]

SECRET_OUTPUTS = ["value"]


def _token_classes() -> tuple[type, ...]:
    """The ProjectToken classes a sink takes: this SDK's and, when installed, the native plugin's SDK's."""
    try:
        from pulumi_depot_native import ProjectToken as NativeProjectToken
    except ImportError:
        return (ProjectToken,)
    return (ProjectToken, NativeProjectToken)


def token_value_inputs(
    sink: str,
    token: ProjectToken | None,
    value: pulumi.Input[str] | None,
    value_known: pulumi.Input[bool] | None,
    token_name: pulumi.Input[str] | None,
) -> dict[str, Any]:
    """The value, value_known and token_name inputs of a token sink: from ``token`` (a depot.ProjectToken) or from
    an explicit ``value``. The value is always registered as a Pulumi secret (encrypted in the state)."""
    if (token is None) == (value is None):
        raise TypeError(f"{sink}: give exactly one of token= (a depot.ProjectToken) or value= (the token, a secret)")
    secret: pulumi.Input[str | None] = value  # an adopted token's secret is None (refused by the sink's check)
    if token is not None:
        if not isinstance(token, _token_classes()):
            raise TypeError(f"{sink}: token= must be a depot.ProjectToken, not a {type(token).__name__}")
        secret = token.secret
        value_known = getattr(token, "secret_known", None) if value_known is None else value_known
        token_name = getattr(token, "_name", None) if token_name is None else token_name
    return {"value": pulumi.Output.secret(secret), "value_known": value_known, "token_name": token_name}


class AwsSecretsManagerToken(pulumi.dynamic.Resource, module="depot", name="AwsSecretsManagerToken"):
    """A Depot project token delivered to an AWS Secrets Manager secret, where a tenant's builds read it.

    The resource's id is the secret's ARN. The token is written as the secret's value; when the token rotates
    (``rotation_trigger`` on the depot.ProjectToken), the engine creates the new token, this resource writes it as
    the secret's AWSCURRENT version (the old one becomes AWSPREVIOUS), and only then is the old token deleted in
    Depot. ``name`` and ``region`` replace the secret; everything else changes in place. A token adopted by
    ``import_id`` (whose secret Depot cannot show again) is refused with the fix, never stored as a placeholder.

    Credentials: boto3's usual chain (AWS_PROFILE, AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, roles). Stack config
    ``depot:awsEndpointUrl`` points it at another endpoint (moto, an AWS-compatible store). Needs the extra
    ``pulumi-depot[aws]`` (boto3).

    Example::

        ci = depot.ProjectToken("acme-ci", project_id=acme.id, description="acme builds")
        depot.AwsSecretsManagerToken("acme-ci-secret", token=ci, name="depot/acme/token", region="us-east-1",
                                     reader_arns=["arn:aws:iam::111122223333:role/acme-builds"],
                                     kms_key_id="alias/depot-tokens", recovery_window_days=7)
    """

    name: pulumi.Output[str]
    """The secret's name."""
    region: pulumi.Output[str]
    """The secret's AWS region."""
    value: pulumi.Output[str | None]
    """The token last written (a Pulumi secret); None after a refresh found the secret drifted."""
    value_known: pulumi.Output[bool | None]
    """The token's ``secret_known`` as last checked."""
    token_name: pulumi.Output[str | None]
    """The logical name of the depot.ProjectToken the value comes from."""
    kms_key_id: pulumi.Output[str | None]
    """The declared KMS key."""
    description: pulumi.Output[str | None]
    """The secret's description, if declared."""
    tags: pulumi.Output[dict[str, str] | None]
    """The secret's tags (without managed-by=pulumi-depot), if declared."""
    reader_arns: pulumi.Output[list[str] | None]
    """The principals the resource policy lets read the secret, if declared."""
    recovery_window_days: pulumi.Output[int | None]
    """The recovery window used when the resource is deleted."""
    arn: pulumi.Output[str]
    """The secret's ARN (also the resource's id)."""
    version_id: pulumi.Output[str | None]
    """The id of the secret's AWSCURRENT version."""
    drift: pulumi.Output[list[str] | None]
    """What the last refresh found changed outside Pulumi (the next up puts it right)."""

    def __init__(
        self,
        resource_name: str,
        *,
        name: pulumi.Input[str],
        region: pulumi.Input[str],
        token: ProjectToken | None = None,
        value: pulumi.Input[str] | None = None,
        value_known: pulumi.Input[bool] | None = None,
        token_name: pulumi.Input[str] | None = None,
        kms_key_id: pulumi.Input[str] | None = None,
        description: pulumi.Input[str] | None = None,
        tags: pulumi.Input[dict[str, str]] | None = None,
        reader_arns: pulumi.Input[list[str]] | None = None,
        recovery_window_days: pulumi.Input[int] | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        """
        :param resource_name: The Pulumi (logical) name of the resource.
        :param name: The secret's name, e.g. ``depot/acme/token``; changing it replaces the secret.
        :param region: The AWS region, e.g. ``us-east-1``; changing it replaces the secret.
        :param token: The depot.ProjectToken whose secret to store (sets value, value_known and token_name).
        :param value: Instead of token=: the token itself (always registered as a Pulumi secret).
        :param value_known: With value=: False refuses (the token's secret is not held).
        :param token_name: With value=: the token's name, for messages.
        :param kms_key_id: The KMS key (id, ARN or alias) encrypting the secret; default aws/secretsmanager (a reader
            in another account needs a customer managed key it may decrypt with).
        :param description: The secret's description.
        :param tags: The secret's tags (authoritative; managed-by=pulumi-depot is added).
        :param reader_arns: Role or user ARNs (or account ids) the secret's resource policy lets read it, e.g. a
            tenant's build role in its own account; ``[]`` removes the policy; None leaves it alone.
        :param recovery_window_days: On delete: 7 to 30 days restorable, or 0 for at once; default AWS's 30.
        :param opts: Pulumi resource options; ``value`` is always added to ``additional_secret_outputs``.
        """
        props: dict[str, Any] = {
            "name": name,
            "region": region,
            **token_value_inputs("depot.AwsSecretsManagerToken", token, value, value_known, token_name),
            "kms_key_id": kms_key_id,
            "description": description,
            "tags": tags,
            "reader_arns": reader_arns,
            "recovery_window_days": recovery_window_days,
            "arn": None,
            "version_id": None,
            "drift": None,
        }
        secret_outputs = pulumi.ResourceOptions(additional_secret_outputs=SECRET_OUTPUTS)
        provider = provider_for(AwsSecretsManagerTokenProvider, resource_name, opts, props)
        super().__init__(
            provider,
            resource_name,
            props,
            pulumi.ResourceOptions.merge(opts, secret_outputs),
        )
        settle(self, provider)
