"""The policy pack itself: `serve()` is what the pack directory's __main__.py runs (needs `pulumi-depot[policy]`)."""

from __future__ import annotations

from typing import Any

from pulumi_policy import (
    EnforcementLevel,
    PolicyConfigSchema,
    PolicyPack,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
)
from pulumi_policy.proxy import UnknownValueError

from pulumi_depot_provider.config import ConfigurationError
from pulumi_depot_provider.guardrail import AllowedTrust
from pulumi_depot_provider.policy import (
    CONFIG_KEY,
    DESCRIPTION,
    PACK_NAME,
    POLICY_NAME,
    parse_config,
    plain,
    violations,
)


def validate(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    try:
        allowed = parse_config(args.get_config())
    except ConfigurationError as error:
        report_violation(str(error), None)  # None: the violation is the resource's own (its URN)
        return
    for message in violations(args.resource_type, plain(args.props, UnknownValueError), allowed):
        report_violation(message, None)


def policy() -> ResourceValidationPolicy:
    return ResourceValidationPolicy(
        name=POLICY_NAME,
        description=DESCRIPTION,
        validate=validate,
        # The engine checks the config file against this before the pack runs: the allowlist's own schema.
        config_schema=PolicyConfigSchema(properties={CONFIG_KEY: schema()}, required=[CONFIG_KEY]),
    )


def schema() -> dict[str, Any]:
    return AllowedTrust.model_json_schema()


def serve() -> None:
    """Serves the pack to the engine until it is stopped (prints the port, as every plugin does)."""
    PolicyPack(name=PACK_NAME, policies=[policy()], enforcement_level=EnforcementLevel.MANDATORY)
