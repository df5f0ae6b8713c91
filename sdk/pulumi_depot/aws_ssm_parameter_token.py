"""depot.AwsSsmParameterToken: a Depot project token delivered to an SSM Parameter Store SecureString parameter."""

from __future__ import annotations

from typing import Any

import pulumi
import pulumi.dynamic
from pulumi_depot_provider.resources.aws_ssm_parameter_token import AwsSsmParameterTokenProvider

from pulumi_depot._owner import provider_for, settle
from pulumi_depot.aws_secrets_manager_token import token_value_inputs
from pulumi_depot.project_token import ProjectToken

__all__ = ["AwsSsmParameterToken"]

SECRET_OUTPUTS = ["value"]


class AwsSsmParameterToken(pulumi.dynamic.Resource, module="depot", name="AwsSsmParameterToken"):
    """A Depot project token delivered to an SSM Parameter Store ``SecureString`` parameter.

    The resource's id is the parameter's ARN. The token is written as the parameter's value; when the token
    rotates, the engine creates the new token, this resource overwrites the parameter with it (a new parameter
    version), and only then is the old token deleted in Depot. ``name`` and ``region`` replace the parameter;
    everything else changes in place. A token adopted by ``import_id`` is refused with the fix, never stored as a
    placeholder. SSM deletes a parameter at once (no recovery window).

    Credentials and endpoint as for depot.AwsSecretsManagerToken (boto3's chain; ``depot:awsEndpointUrl``).

    Example::

        ci = depot.ProjectToken("acme-ci", project_id=acme.id, description="acme builds")
        depot.AwsSsmParameterToken("acme-ci-parameter", token=ci, name="/depot/acme/token", region="us-east-1")
    """

    name: pulumi.Output[str]
    """The parameter's name."""
    region: pulumi.Output[str]
    """The parameter's AWS region."""
    value: pulumi.Output[str | None]
    """The token last written (a Pulumi secret); None after a refresh found the parameter drifted."""
    value_known: pulumi.Output[bool | None]
    """The token's ``secret_known`` as last checked."""
    token_name: pulumi.Output[str | None]
    """The logical name of the depot.ProjectToken the value comes from."""
    kms_key_id: pulumi.Output[str | None]
    """The declared KMS key."""
    description: pulumi.Output[str | None]
    """The parameter's description, if declared."""
    tags: pulumi.Output[dict[str, str] | None]
    """The parameter's tags (without managed-by=pulumi-depot), if declared."""
    arn: pulumi.Output[str]
    """The parameter's ARN (also the resource's id)."""
    version: pulumi.Output[int | None]
    """The parameter version holding the token."""
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
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        """
        :param resource_name: The Pulumi (logical) name of the resource.
        :param name: The parameter's name, e.g. ``/depot/acme/token``; changing it replaces the parameter.
        :param region: The AWS region, e.g. ``us-east-1``; changing it replaces the parameter.
        :param token: The depot.ProjectToken whose secret to store (sets value, value_known and token_name).
        :param value: Instead of token=: the token itself (always registered as a Pulumi secret).
        :param value_known: With value=: False refuses (the token's secret is not held).
        :param token_name: With value=: the token's name, for messages.
        :param kms_key_id: The KMS key (id, ARN or alias) encrypting the SecureString; default aws/ssm.
        :param description: The parameter's description.
        :param tags: The parameter's tags (authoritative; managed-by=pulumi-depot is added).
        :param opts: Pulumi resource options; ``value`` is always added to ``additional_secret_outputs``.
        """
        props: dict[str, Any] = {
            "name": name,
            "region": region,
            **token_value_inputs("depot.AwsSsmParameterToken", token, value, value_known, token_name),
            "kms_key_id": kms_key_id,
            "description": description,
            "tags": tags,
            "arn": None,
            "version": None,
            "drift": None,
        }
        secret_outputs = pulumi.ResourceOptions(additional_secret_outputs=SECRET_OUTPUTS)
        provider = provider_for(AwsSsmParameterTokenProvider, resource_name, opts, props)
        super().__init__(
            provider,
            resource_name,
            props,
            pulumi.ResourceOptions.merge(opts, secret_outputs),
        )
        settle(self, provider)
