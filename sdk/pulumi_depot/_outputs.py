"""Output types: nested values of the resources' outputs, as the program sees them once resolved."""

# pulumi.get returns Any (as in Pulumi's generated SDKs); the getters' annotations are the contract.
# mypy: disable-error-code="no-any-return"

from __future__ import annotations

from typing import Any

import pulumi

__all__ = ["BuildkiteTrust", "CachePolicy", "CircleCITrust", "GitHubTrust"]


@pulumi.output_type
class CachePolicy(dict[str, Any]):  # output types are dicts, as in Pulumi's generated SDKs
    """A project's effective cache policy, as Depot reports it."""

    def __init__(self, *, keep_gb: int, keep_days: int, keep_bytes: int) -> None:
        pulumi.set(self, "keep_gb", keep_gb)
        pulumi.set(self, "keep_days", keep_days)
        pulumi.set(self, "keep_bytes", keep_bytes)

    @property
    @pulumi.getter(name="keep_gb")
    def keep_gb(self) -> int:
        """Cache size limit in GB."""
        return pulumi.get(self, "keep_gb")

    @property
    @pulumi.getter(name="keep_days")
    def keep_days(self) -> int:
        """Days to keep cache entries; 0 means no time limit."""
        return pulumi.get(self, "keep_days")

    @property
    @pulumi.getter(name="keep_bytes")
    def keep_bytes(self) -> int:
        """The size limit in bytes (keep_gb x 1024^3; deprecated by Depot)."""
        return pulumi.get(self, "keep_bytes")


@pulumi.output_type
class GitHubTrust(dict[str, Any]):
    """A GitHub repository a trust policy trusts."""

    def __init__(self, *, repository_owner: str, repository: str) -> None:
        pulumi.set(self, "repository_owner", repository_owner)
        pulumi.set(self, "repository", repository)

    @property
    @pulumi.getter(name="repository_owner")
    def repository_owner(self) -> str:
        """The GitHub user or organization that owns the repository."""
        return pulumi.get(self, "repository_owner")

    @property
    @pulumi.getter(name="repository")
    def repository(self) -> str:
        """The repository's name."""
        return pulumi.get(self, "repository")


@pulumi.output_type
class BuildkiteTrust(dict[str, Any]):
    """A Buildkite pipeline a trust policy trusts."""

    def __init__(self, *, organization_slug: str, pipeline_slug: str) -> None:
        pulumi.set(self, "organization_slug", organization_slug)
        pulumi.set(self, "pipeline_slug", pipeline_slug)

    @property
    @pulumi.getter(name="organization_slug")
    def organization_slug(self) -> str:
        """The Buildkite organization's slug."""
        return pulumi.get(self, "organization_slug")

    @property
    @pulumi.getter(name="pipeline_slug")
    def pipeline_slug(self) -> str:
        """The pipeline's slug."""
        return pulumi.get(self, "pipeline_slug")


@pulumi.output_type
class CircleCITrust(dict[str, Any]):
    """A CircleCI project a trust policy trusts."""

    def __init__(self, *, organization_uuid: str, project_uuid: str) -> None:
        pulumi.set(self, "organization_uuid", organization_uuid)
        pulumi.set(self, "project_uuid", project_uuid)

    @property
    @pulumi.getter(name="organization_uuid")
    def organization_uuid(self) -> str:
        """The CircleCI organization's UUID."""
        return pulumi.get(self, "organization_uuid")

    @property
    @pulumi.getter(name="project_uuid")
    def project_uuid(self) -> str:
        """The CircleCI project's UUID."""
        return pulumi.get(self, "project_uuid")
