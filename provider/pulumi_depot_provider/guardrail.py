"""The trust guardrail: stack config `depot:allowedTrust` limits which CI pipelines trust policies may grant.

    pulumi config set depot:allowedTrust '{"github": ["acme"], "buildkite": ["acme"], "circleci": ["<org UUID>"]}'

The value is a JSON object with up to three lists: GitHub repository owners, Buildkite organization slugs and
CircleCI organization UUIDs (compared case-insensitively). Once it is set, a trust policy is allowed only if its
owner / organization is listed; a provider left out allows nothing (`{}` allows no trust policy at all). Not set:
no restriction. A depot:TrustPolicy or depot:TrustPolicySet entry outside the allowlist fails at check, so
`pulumi preview` in a pull request's CI fails before anyone approves a grant to an unknown repository.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from typing import Annotated, Any, Generic, TypeVar

from pulumi.dynamic import CheckFailure, ConfigureRequest
from pydantic import BaseModel, ConfigDict, StringConstraints, ValidationError

from pulumi_depot_provider.adapter import DepotProvider, is_unknown
from pulumi_depot_provider.config import ConfigSource, ConfigurationError
from pulumi_depot_provider.resources.fields import InputModel, OutputModel

ALLOWED_TRUST_KEY = "depot:allowedTrust"
EXPECTED_SHAPE = (
    'a JSON object such as {"github": ["<repository owner>", ...], "buildkite": ["<organization slug>", ...], '
    '"circleci": ["<organization UUID>", ...]}'
)
# Each provider's two fields, in the order Depot (and the SDK's *TrustArgs) declare them. The first identifies who
# is trusted: it is what the allowlist lists, and with the second it makes the policy's key.
TRUST_FIELDS: dict[str, tuple[str, str]] = {
    "github": ("repository_owner", "repository"),
    "buildkite": ("organization_slug", "pipeline_slug"),
    "circleci": ("organization_uuid", "project_uuid"),
}
ALLOWLIST_LABELS = {
    "github": "GitHub owners",
    "buildkite": "Buildkite organizations",
    "circleci": "CircleCI organizations",
}

Name = Annotated[str, StringConstraints(min_length=1, strip_whitespace=True)]


class AllowedTrust(BaseModel):
    """The parsed allowlist. A provider left out allows nothing."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    github: tuple[Name, ...] = ()
    buildkite: tuple[Name, ...] = ()
    circleci: tuple[Name, ...] = ()

    def permits(self, provider: str, fields: Mapping[str, Any]) -> bool:
        field, _ = TRUST_FIELDS[provider]
        allowed = {name.casefold() for name in getattr(self, provider)}
        return str(fields.get(field, "")).casefold() in allowed

    def describe(self, provider: str) -> str:
        label = ALLOWLIST_LABELS[provider]
        names = getattr(self, provider)
        if not names:
            return f"depot:allowedTrust allows no {label}"
        return f"depot:allowedTrust allows {label} {', '.join(names)}"


def load_allowed_trust(config: ConfigSource | None) -> AllowedTrust | None:
    """The allowlist from stack config, None when it is not set. Raises ConfigurationError when malformed."""
    raw = config.get(ALLOWED_TRUST_KEY) if config is not None else None
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except json.JSONDecodeError as error:
            raise ConfigurationError(
                f"{ALLOWED_TRUST_KEY} is not valid JSON ({error.msg} at position {error.pos}); set it to "
                f"{EXPECTED_SHAPE}"
            ) from None
    if not isinstance(raw, dict):
        raise ConfigurationError(f"{ALLOWED_TRUST_KEY} is a JSON {type(raw).__name__}; set it to {EXPECTED_SHAPE}")
    try:
        return AllowedTrust.model_validate(raw)
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        problem = f"unknown key {where!r}" if first["type"] == "extra_forbidden" else f"{where}: {first['msg'].lower()}"
        raise ConfigurationError(f"{ALLOWED_TRUST_KEY}: {problem}; set it to {EXPECTED_SHAPE}") from None


def policy_key(provider: str, fields: Mapping[str, Any]) -> str:
    """How a policy is named in diffs, outputs and messages: `github:acme/api`, `buildkite:acme/deploy`,
    `circleci:<organization UUID>/<project UUID>`."""
    first, second = TRUST_FIELDS[provider]
    return f"{provider}:{fields.get(first, '?')}/{fields.get(second, '?')}"


ArgsT = TypeVar("ArgsT", bound=InputModel)
StateT = TypeVar("StateT", bound=OutputModel)
TrustEntry = tuple[str, str, Mapping[str, Any]]
"""(property path of the provider's fields, provider, the fields as declared)"""


class GuardedTrustProvider(DepotProvider[ArgsT, StateT], Generic[ArgsT, StateT]):
    """A provider whose resources grant trust: reads `depot:allowedTrust` in configure and fails check for every
    declared policy outside it. Subclasses say where their policies are with `trust_entries`."""

    _allowed_trust: AllowedTrust | None = None
    _allowed_trust_problem: str | None = None

    def trust_entries(self, inputs: Mapping[str, Any]) -> Iterator[TrustEntry]:
        raise NotImplementedError

    def configure(self, req: ConfigureRequest) -> None:
        super().configure(req)
        try:
            self._allowed_trust = load_allowed_trust(req.config)
            self._allowed_trust_problem = None
        except ConfigurationError as error:
            self._allowed_trust, self._allowed_trust_problem = None, str(error)

    def input_failures(self, inputs: Mapping[str, Any]) -> list[CheckFailure]:
        if self._allowed_trust_problem:
            return [CheckFailure("", self._allowed_trust_problem)]
        allowed = self._allowed_trust
        if allowed is None:
            return []
        failures = []
        for path, provider, fields in self.trust_entries(inputs):
            field, _ = TRUST_FIELDS[provider]
            value = fields.get(field)
            if not isinstance(value, str) or is_unknown(value) or allowed.permits(provider, fields):
                continue
            failures.append(
                CheckFailure(
                    f"{path}.{field}",
                    f"trust policy {policy_key(provider, fields)} is not allowed: {allowed.describe(provider)}; "
                    f"add {value!r} to the {provider!r} list of {ALLOWED_TRUST_KEY} if this grant is intended",
                )
            )
        return failures


def provider_fields(entry: Any) -> Iterator[tuple[str, Mapping[str, Any]]]:
    """The (provider, fields) pairs of a raw entry that declares github / buildkite / circleci as mappings."""
    if not isinstance(entry, Mapping):
        return
    for provider in TRUST_FIELDS:
        fields = entry.get(provider)
        if isinstance(fields, Mapping):
            yield provider, fields
