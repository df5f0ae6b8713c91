"""Each resource's provider instance, with the owner key that names the resource in the create journal."""

from __future__ import annotations

from typing import TypeVar

import pulumi
from pulumi_depot_provider.adapter import DepotProvider

P = TypeVar("P", bound=DepotProvider)  # type: ignore[type-arg]


def provider_for(provider: type[P], resource_name: str, opts: pulumi.ResourceOptions | None) -> P:
    """The provider for one resource. Its owner, "<project>/<stack>/<type>/<parent name>/<name>", is unique per
    resource of a stack as URNs are in practice (a URN also holds the parent's type chain, which is not known
    synchronously here)."""
    parent = getattr(opts.parent, "_name", "") if opts and opts.parent else ""
    return provider(f"{pulumi.get_project()}/{pulumi.get_stack()}/{provider.type_token}/{parent}/{resource_name}")
