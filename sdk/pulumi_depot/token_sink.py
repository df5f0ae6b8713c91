"""Where a tenant's project token is delivered: ``token_sink`` of depot.TenantProject and of the tenants file.

In a tenants file (per tenant, or in ``defaults:``; a tenant's ``token_sink`` replaces the default whole, and
``token_sink: false`` turns the default off for one tenant)::

    defaults:
      token: true
      token_sink:
        aws_secrets_manager:                  # depot.AwsSecretsManagerToken, child <tenant>-token-secret
          name: "depot/{tenant}/token"        # the default; {tenant} is the tenant id
          region: us-east-1                   # required
          kms_key_id: alias/depot-tokens      # optional
          tags: {team: builds}                # optional
          reader_arns: ["arn:aws:iam::111122223333:role/{tenant}-builds"]   # optional; {tenant} allowed
          recovery_window_days: 7             # optional: 0 (at once) or 7-30; default AWS's 30
        aws_ssm_parameter:                    # depot.AwsSsmParameterToken, child <tenant>-token-parameter
          name: "/depot/{tenant}/token"       # the default
          region: us-east-1                   # required
          kms_key_id: alias/depot-tokens      # optional
          tags: {team: builds}                # optional

At least one store; both may be given. A sink needs the tenant's ``token``. ``{tenant}`` is the only template field
(in ``name`` and in ``reader_arns``); the filled-in values are checked like the resources' own inputs before
anything is registered. In code: ``depot.TenantTokenSinkArgs(aws_secrets_manager=depot.AwsSecretsManagerSinkArgs(
region="us-east-1"))`` or the same as a mapping.
"""

from __future__ import annotations

import string
from collections.abc import Mapping
from typing import Any, Self

import pulumi
from pulumi_depot_provider.resources.aws_secrets_manager_token import AwsSecretsManagerTokenArgs
from pulumi_depot_provider.resources.aws_ssm_parameter_token import AwsSsmParameterTokenArgs
from pulumi_depot_provider.resources.fields import CrossFieldError
from pydantic import BaseModel, ConfigDict, Field, StrictInt, StrictStr, ValidationError, model_validator

from pulumi_depot.aws_secrets_manager_token import AwsSecretsManagerToken
from pulumi_depot.aws_ssm_parameter_token import AwsSsmParameterToken
from pulumi_depot.project_token import ProjectToken

__all__ = [
    "AwsSecretsManagerSinkSpec",
    "AwsSsmParameterSinkSpec",
    "TokenSinkSpec",
    "declare_token_sinks",
    "filled_sinks",
    "sink_problems",
]

DEFAULT_SECRET_NAME = "depot/{tenant}/token"
DEFAULT_PARAMETER_NAME = "/depot/{tenant}/token"
STORES = ("aws_secrets_manager", "aws_ssm_parameter")
CHILD_SUFFIX = {"aws_secrets_manager": "-token-secret", "aws_ssm_parameter": "-token-parameter"}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class AwsSecretsManagerSinkSpec(_Strict):
    """A tenant's token in AWS Secrets Manager (depot.AwsSecretsManagerToken)."""

    name: StrictStr = Field(DEFAULT_SECRET_NAME, description="The secret's name; {tenant} is the tenant id.")
    region: StrictStr = Field(description="The AWS region, e.g. us-east-1.")
    kms_key_id: StrictStr | None = Field(None, description="The KMS key encrypting the secret.")
    description: StrictStr | None = Field(None, description="The secret's description.")
    tags: dict[StrictStr, StrictStr] | None = Field(None, description="The secret's tags.")
    reader_arns: list[StrictStr] | None = Field(
        None, description="Principals the resource policy lets read the secret; {tenant} is the tenant id."
    )
    recovery_window_days: StrictInt | None = Field(None, description="On delete: 0, or 7 to 30 days.")


class AwsSsmParameterSinkSpec(_Strict):
    """A tenant's token in SSM Parameter Store as a SecureString (depot.AwsSsmParameterToken)."""

    name: StrictStr = Field(DEFAULT_PARAMETER_NAME, description="The parameter's name; {tenant} is the tenant id.")
    region: StrictStr = Field(description="The AWS region, e.g. us-east-1.")
    kms_key_id: StrictStr | None = Field(None, description="The KMS key encrypting the parameter.")
    description: StrictStr | None = Field(None, description="The parameter's description.")
    tags: dict[StrictStr, StrictStr] | None = Field(None, description="The parameter's tags.")


class TokenSinkSpec(_Strict):
    """Where a tenant's token is delivered: AWS Secrets Manager, SSM Parameter Store, or both."""

    aws_secrets_manager: AwsSecretsManagerSinkSpec | None = None
    aws_ssm_parameter: AwsSsmParameterSinkSpec | None = None

    @model_validator(mode="after")
    def _some_store(self) -> Self:
        if self.aws_secrets_manager is None and self.aws_ssm_parameter is None:
            raise CrossFieldError(
                "aws_secrets_manager", "give aws_secrets_manager and/or aws_ssm_parameter, or leave token_sink out", ()
            )
        return self


ARGS_MODELS: dict[str, type[BaseModel]] = {
    "aws_secrets_manager": AwsSecretsManagerTokenArgs,
    "aws_ssm_parameter": AwsSsmParameterTokenArgs,
}


def _fill(template: str, tenant: str, where: str) -> tuple[str, str | None]:
    """The template with {tenant} filled in, or (template, problem)."""
    try:
        fields = [(name, spec, conv) for _, name, spec, conv in string.Formatter().parse(template) if name is not None]
    except ValueError as error:
        return template, f"{where}: {template!r} is not a valid template ({error})"
    for name, spec, conversion in fields:
        if name != "tenant" or spec or conversion:
            return template, f"{where}: {template!r}: the only template field is {{tenant}}"
    return template.format(tenant=tenant), None


def filled_sinks(spec: TokenSinkSpec, tenant: str) -> tuple[dict[str, dict[str, Any]], list[str]]:
    """store -> the sink resource's inputs for ``tenant`` ({tenant} filled in), and the problems found: each
    checked by the resource's own input model (without the token, which comes later)."""
    unfilled: set[str]
    sinks: dict[str, dict[str, Any]] = {}
    problems: list[str] = []
    for store in STORES:
        settings = getattr(spec, store)
        if settings is None:
            continue
        inputs = settings.model_dump(exclude_none=True)
        inputs["name"], problem = _fill(inputs["name"], tenant, f"token_sink.{store}.name")
        problems += [problem] if problem else []
        unfilled = {"name"} if problem else set()
        if "reader_arns" in inputs:
            filled = [
                _fill(arn, tenant, f"token_sink.{store}.reader_arns[{i}]")
                for i, arn in enumerate(inputs["reader_arns"])
            ]
            inputs["reader_arns"] = [arn for arn, _ in filled]
            problems += [problem for _, problem in filled if problem]
            unfilled |= {"reader_arns"} if any(problem for _, problem in filled) else set()
        try:
            ARGS_MODELS[store].model_validate(inputs)
        except ValidationError as error:
            for item in error.errors():
                if item["loc"] and item["loc"][0] in unfilled:
                    continue  # its template is reported already
                cause = item.get("ctx", {}).get("error")
                reason = (
                    cause.reason if isinstance(cause, CrossFieldError) else item["msg"].removeprefix("Value error, ")
                )
                field = ".".join(str(part) for part in item["loc"])
                problems.append(f"token_sink.{store}.{field}: {reason}" if field else f"token_sink.{store}: {reason}")
        sinks[store] = inputs
    return sinks, problems


def sink_problems(spec: TokenSinkSpec, tenant: str) -> list[str]:
    return filled_sinks(spec, tenant)[1]


def sink_settings(token_sink: Any) -> TokenSinkSpec | None:
    """A TokenSinkSpec from what TenantProject accepts (None/False: no sink); raises ValidationError."""
    if token_sink is None or token_sink is False:
        return None
    if isinstance(token_sink, TokenSinkSpec):
        return token_sink
    if isinstance(token_sink, Mapping):
        return TokenSinkSpec.model_validate(dict(token_sink))
    raise TypeError(type(token_sink).__name__)


def declare_token_sinks(
    name: str, tenant: str, spec: TokenSinkSpec, token: ProjectToken, opts: pulumi.ResourceOptions
) -> dict[str, AwsSecretsManagerToken | AwsSsmParameterToken]:
    """The sink resources of one tenant, children ``<name>-token-secret`` / ``<name>-token-parameter``, each
    depending on the token (its secret is their value)."""
    sinks, problems = filled_sinks(spec, tenant)
    assert not problems, problems  # TenantProject reported them before registering anything
    declared: dict[str, AwsSecretsManagerToken | AwsSsmParameterToken] = {}
    for store, inputs in sinks.items():
        resource = AwsSecretsManagerToken if store == "aws_secrets_manager" else AwsSsmParameterToken
        declared[store] = resource(f"{name}{CHILD_SUFFIX[store]}", token=token, opts=opts, **inputs)
    return declared
