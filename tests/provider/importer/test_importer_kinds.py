"""The importer names what it declares from the registry: the names it writes exist in the dynamic SDK."""

from __future__ import annotations

import pulumi_depot
from pulumi_depot_provider.importer.kinds import PROJECT, SDK_MODULE, TOKEN, TRUST_POLICY
from pulumi_depot_provider.importer.program import TRUST_ARGS


def test_the_classes_the_program_declares_are_the_sdks() -> None:
    written = [PROJECT.sdk_class, TRUST_POLICY.sdk_class, TOKEN.sdk_class, PROJECT.input_class("cache_policy")]
    written += TRUST_ARGS.values()
    assert written[:4] == ["depot.Project", "depot.TrustPolicy", "depot.ProjectToken", "depot.CachePolicyArgs"]
    for name in written:
        module, _, attribute = name.partition(".")
        assert module == SDK_MODULE
        assert isinstance(getattr(pulumi_depot, attribute), type), name
