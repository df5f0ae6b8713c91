"""The entries of a TrustPolicySet as the generated class sends them: besides a TrustPolicyEntryArgs, the SDK
accepts a bare GitHubTrustArgs / BuildkiteTrustArgs / CircleCITrustArgs or a mapping as in a tenants file, and
refuses a policies value that is not a list. Each kind's Args class is the generated `<its model>Args`
(resources/trust_kinds.py); PolicyLike spells them for the type checker (tests/provider/resources/test_trust_kinds.py
holds it to the table)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, overload

import pulumi
from pulumi_depot_provider.resources.trust_kinds import KINDS

from pulumi_depot import _inputs
from pulumi_depot._checks import is_computed, kind
from pulumi_depot._inputs import BuildkiteTrustArgs, CircleCITrustArgs, GitHubTrustArgs, TrustPolicyEntryArgs
from pulumi_depot.tenants_file import TenantsFileError

__all__ = ["PolicyLike", "trust_entries", "trust_entry"]

PolicyLike = TrustPolicyEntryArgs | GitHubTrustArgs | BuildkiteTrustArgs | CircleCITrustArgs | Mapping[str, Any]
BARE: dict[type, str] = {
    bare: kind.name for kind in KINDS.values() if (bare := getattr(_inputs, f"{kind.model.__name__}Args", None))
}
"""Each kind's Args class, and the entry field it goes in: {GitHubTrustArgs: "github", ...}. A kind new to the table
has none until gen_dynamic_sdk.py has run, and gen_schema.py, which runs before it, imports this module."""


@overload
def trust_entry(policy: PolicyLike) -> TrustPolicyEntryArgs | Mapping[str, Any]: ...


@overload
def trust_entry(policy: pulumi.Input[PolicyLike]) -> pulumi.Input[PolicyLike]: ...


def trust_entry(policy: pulumi.Input[PolicyLike]) -> pulumi.Input[PolicyLike]:
    """A set entry from any of the accepted spellings: a TrustPolicyEntryArgs, a bare GitHubTrustArgs /
    BuildkiteTrustArgs / CircleCITrustArgs, or a mapping as in a tenants file (``{"github": {...}}``). An Output
    (or awaitable) entry is passed on as it is."""
    bare = BARE.get(type(policy))
    if bare is None:
        return policy
    entry: dict[str, Any] = {bare: policy}
    return TrustPolicyEntryArgs(**entry)


def trust_entries(
    resource_name: str, policies: pulumi.Input[list[pulumi.Input[TrustPolicyEntryArgs]]]
) -> pulumi.Input[Sequence[pulumi.Input[PolicyLike]]]:
    """The set's policies with each entry as trust_entry makes it; an Output is passed on as it is. Anything else
    but a list (or tuple) is refused naming the set: "" or {} would otherwise be read as an empty set, which
    removes every policy."""
    # The annotation is the schema's (tests/test_schema.py); the other spellings are accepted too.
    entries: pulumi.Input[Sequence[pulumi.Input[PolicyLike]]] = policies
    if isinstance(policies, list | tuple):
        return [trust_entry(policy) for policy in policies]
    if not is_computed(policies):
        raise TenantsFileError(
            f"depot.TrustPolicySet {resource_name!r}",
            [f"policies: must be a list of trust policy entries ([] removes them all), not {kind(policies)}"],
        )
    return entries
