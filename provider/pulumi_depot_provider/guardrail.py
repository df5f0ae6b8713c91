"""The trust guardrail: a trust policy is allowed only if every allowlist that is set allows it.

    pulumi config set depot:allowedTrust '{"github": ["acme"], "buildkite": ["acme"], "circleci": ["<org UUID>"]}'

The value is a JSON object with up to three lists: GitHub repository owners, Buildkite organization slugs and
CircleCI organization UUIDs (compared case-insensitively). Once it is set, a trust policy is allowed only if its
owner / organization is listed; a provider left out allows nothing (`{}` allows no trust policy at all). Not set:
no restriction. The same object may come from CI (DEPOT_ALLOWED_TRUST, DEPOT_ALLOWED_TRUST_FILE) and from an
explicit provider's own allowedTrust; allowlist.py says where each is read and how they combine. A depot:TrustPolicy
or depot:TrustPolicySet entry outside it fails at check, so `pulumi preview` in a pull request's CI fails before
anyone approves a grant to an unknown repository; an import of one fails at its read, before the engine records it.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any, ClassVar, Generic, TypeVar

from pulumi_depot_provider.allowlist import (
    ALLOWED_TRUST_KEY,
    ALLOWLIST_LABELS,
    EXPECTED_SHAPE,
    TRUST_FIELDS,
    AllowedTrust,
    load_allowed_trust,
    refusal,
    shown,
    shown_repr,
)
from pulumi_depot_provider.resources.core import DepotResource
from pulumi_depot_provider.resources.fields import InputModel, OutputModel
from pulumi_depot_provider.resources.trust_kinds import policy_key
from pulumi_depot_provider.resources.values import CheckFailure, DepotResourceError, is_unknown

__all__ = [
    "ALLOWED_TRUST_KEY",
    "ALLOWLIST_LABELS",
    "EXPECTED_SHAPE",
    "TRUST_FIELDS",
    "AllowedTrust",
    "GuardedTrust",
    "load_allowed_trust",
    "policy_key",
    "provider_fields",
]


ArgsT = TypeVar("ArgsT", bound=InputModel)
StateT = TypeVar("StateT", bound=OutputModel)
TrustEntry = tuple[str, str, Mapping[str, Any]]
"""(property path of the provider's fields, provider, the fields as declared)"""


class GuardedTrust(DepotResource[ArgsT, StateT], Generic[ArgsT, StateT]):
    """A resource that grants trust: fails check for every declared policy outside the session's TrustRule and
    refuses to import one. Subclasses say where their policies are with `trust_entries`.

    The rule takes the stack's depot:allowedTrust as the front end carries it (`stack_allowed_trust`): captured
    when the SDK pickles the dynamic provider (in the program's process), or read by the native plugin from
    PULUMI_CONFIG. A pickle older than the capture lacks it: its host then enforces what its configuration and
    environment say."""

    carries_stack_allowed_trust: ClassVar[bool] = True

    @classmethod
    def trust_entries(cls, inputs: Mapping[str, Any]) -> Iterator[TrustEntry]:
        raise NotImplementedError

    def input_failures(self, inputs: Mapping[str, Any]) -> list[CheckFailure]:
        # Property "" on purpose: the engine prints a failing property's raw value; the reason names the path.
        rule, problem = self.session.trust(self.stack_allowed_trust)
        if problem:
            return [CheckFailure("", problem)]
        if not rule.sources:
            return []
        self.session.announce(rule)
        failures = []
        for path, provider, fields in self.trust_entries(inputs):
            field, _ = TRUST_FIELDS[provider]
            value = fields.get(field)
            if not isinstance(value, str) or is_unknown(value):
                continue
            refusing = rule.refusing(provider, fields)
            if not refusing:
                continue
            key = policy_key(provider, {name: shown(str(item)) for name, item in fields.items()})
            failures.append(
                CheckFailure(
                    "",
                    f"{path}.{field}: {refusal(key)}: "
                    f"{'; '.join(source.describe(provider) for source in refusing)}; add {shown_repr(value)} to the "
                    f"{provider!r} list of {' and '.join(source.name for source in refusing)} if this grant is "
                    "intended",
                )
            )
        return failures

    def refuse_import(self, id_: str, inputs: Mapping[str, Any]) -> None:
        """For a read by id (an import, a `get`): the engine records an imported object before it checks the
        program's inputs, so a policy outside the allowlist is refused here, before it reaches the state."""
        failures = self.input_failures(inputs)
        if failures:
            reasons = "; ".join(failure.reason for failure in failures)
            raise DepotResourceError(f"{self.label} (id {shown(id_)}): import refused: {reasons}")


def provider_fields(entry: Any) -> Iterator[tuple[str, Mapping[str, Any]]]:
    """The (provider, fields) pairs of a raw entry that declares trust kinds (github, ...) as mappings."""
    if not isinstance(entry, Mapping):
        return
    for provider in TRUST_FIELDS:
        fields = entry.get(provider)
        if isinstance(fields, Mapping):
            yield provider, fields
