"""depot.Project: a Depot project (an isolated build cache) declared in a Pulumi program."""

from __future__ import annotations

from typing import Any

import pulumi
import pulumi.dynamic
from pulumi_depot_provider.resources.project import ProjectProvider

from pulumi_depot._inputs import CachePolicyArgs
from pulumi_depot._outputs import CachePolicy
from pulumi_depot._owner import provider_for, settle

__all__ = ["Project"]


class Project(pulumi.dynamic.Resource, module="depot", name="Project"):
    """A Depot project: an isolated build cache with its own region, cache policy and builder hardware.

    The resource's id is Depot's project id. name, region, cache_policy and hardware change in place;
    organization_id replaces the project. Changing ``cache_reset_trigger`` resets the cache.
    ``import_id`` adopts an existing project instead of creating one.

    Example::

        api = depot.Project("api", name="api", region="us-east-1",
                            cache_policy=depot.CachePolicyArgs(keep_gb=50, keep_days=14),
                            hardware="HARDWARE_32X64")
    """

    name: pulumi.Output[str]
    """The project's name in Depot."""
    region: pulumi.Output[str]
    """Where builds run (us-east-1 or eu-central-1)."""
    cache_policy: pulumi.Output[CachePolicy]
    """The effective cache policy (Depot's values, defaults included)."""
    hardware: pulumi.Output[str]
    """The effective builder Hardware name (HARDWARE_UNSPECIFIED: Depot's default)."""
    organization_id: pulumi.Output[str]
    """The organization that owns the project."""
    created_at: pulumi.Output[str]
    """When Depot created the project (RFC 3339)."""
    cache_reset_trigger: pulumi.Output[Any | None]
    """The declared cache reset trigger."""
    import_id: pulumi.Output[str | None]
    """The id the project was adopted from, if it was adopted."""
    import_changes: pulumi.Output[list[str] | None]
    """What adopting the project by import_id changed in Depot, one entry per setting."""

    def __init__(
        self,
        resource_name: str,
        *,
        name: pulumi.Input[str],
        region: pulumi.Input[str],
        cache_policy: pulumi.Input[CachePolicyArgs] | None = None,
        hardware: pulumi.Input[str] | None = None,
        organization_id: pulumi.Input[str] | None = None,
        cache_reset_trigger: pulumi.Input[Any] | None = None,
        import_id: pulumi.Input[str] | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        """
        :param resource_name: The Pulumi (logical) name of the resource.
        :param name: The project's name in Depot, 1 to 64 characters.
        :param region: us-east-1 or eu-central-1.
        :param cache_policy: Cache limits; omitted: Depot's defaults (50 GB, 14 days). Only declared fields are
            managed.
        :param hardware: Builder size, one of Depot's Hardware names (HARDWARE_4X4 ... HARDWARE_192X384);
            omitted: whatever Depot has.
        :param organization_id: The owning organization; omitted: the token's. Changing it replaces the project.
        :param cache_reset_trigger: Any value; changing it resets the project's cache (ResetProject).
        :param import_id: Adopt the existing project with this id instead of creating one.
        :param opts: Pulumi resource options.
        """
        props: dict[str, Any] = {
            "name": name,
            "region": region,
            "cache_policy": cache_policy,
            "hardware": hardware,
            "organization_id": organization_id,
            "cache_reset_trigger": cache_reset_trigger,
            "import_id": import_id,
            "created_at": None,
            "import_changes": None,
        }
        provider = provider_for(ProjectProvider, resource_name, opts, props)
        super().__init__(provider, resource_name, props, opts)
        settle(self, provider)
