"""Input types: nested arguments of the resources. Every field accepts a plain value or a Pulumi Input."""

# pulumi.get returns Any (as in Pulumi's generated SDKs); the getters' annotations are the contract.
# mypy: disable-error-code="no-any-return"

from __future__ import annotations

import pulumi

__all__ = ["BuildkiteTrustArgs", "CachePolicyArgs", "CircleCITrustArgs", "GitHubTrustArgs"]


@pulumi.input_type
class CachePolicyArgs:
    """How much build cache Depot keeps for a project. Fields left out keep Depot's value (on creation: Depot's
    default of 50 GB / 14 days)."""

    def __init__(
        self,
        *,
        keep_gb: pulumi.Input[int] | None = None,
        keep_days: pulumi.Input[int] | None = None,
        keep_bytes: pulumi.Input[int] | None = None,
    ) -> None:
        """
        :param keep_gb: Cache size limit in GB (at least 1).
        :param keep_days: Days to keep cache entries; 0 means no time limit.
        :param keep_bytes: Deprecated, use keep_gb: the size limit in bytes, a whole number of GB (GB x 1024^3).
        """
        if keep_gb is not None:
            pulumi.set(self, "keep_gb", keep_gb)
        if keep_days is not None:
            pulumi.set(self, "keep_days", keep_days)
        if keep_bytes is not None:
            pulumi.set(self, "keep_bytes", keep_bytes)

    @property
    @pulumi.getter(name="keep_gb")
    def keep_gb(self) -> pulumi.Input[int] | None:
        """Cache size limit in GB."""
        return pulumi.get(self, "keep_gb")

    @property
    @pulumi.getter(name="keep_days")
    def keep_days(self) -> pulumi.Input[int] | None:
        """Days to keep cache entries; 0 means no time limit."""
        return pulumi.get(self, "keep_days")

    @property
    @pulumi.getter(name="keep_bytes")
    def keep_bytes(self) -> pulumi.Input[int] | None:
        """Deprecated (use keep_gb): the size limit in bytes."""
        return pulumi.get(self, "keep_bytes")


@pulumi.input_type
class GitHubTrustArgs:
    """Trust GitHub Actions workflows of one repository."""

    def __init__(self, *, repository_owner: pulumi.Input[str], repository: pulumi.Input[str]) -> None:
        """
        :param repository_owner: The GitHub user or organization that owns the repository: 1 to 39 letters, digits
            and single hyphens, not first or last (GitHub's rule; no wildcards).
        :param repository: The repository's name (without the owner): 1 to 100 letters, digits, '.', '-' and '_'.
        """
        pulumi.set(self, "repository_owner", repository_owner)
        pulumi.set(self, "repository", repository)

    @property
    @pulumi.getter(name="repository_owner")
    def repository_owner(self) -> pulumi.Input[str]:
        """The GitHub user or organization that owns the repository."""
        return pulumi.get(self, "repository_owner")

    @property
    @pulumi.getter(name="repository")
    def repository(self) -> pulumi.Input[str]:
        """The repository's name (without the owner)."""
        return pulumi.get(self, "repository")


@pulumi.input_type
class BuildkiteTrustArgs:
    """Trust one Buildkite pipeline."""

    def __init__(self, *, organization_slug: pulumi.Input[str], pipeline_slug: pulumi.Input[str]) -> None:
        """
        :param organization_slug: The Buildkite organization's slug: lowercase letters, digits and hyphens.
        :param pipeline_slug: The pipeline's slug: lowercase letters, digits and hyphens.
        """
        pulumi.set(self, "organization_slug", organization_slug)
        pulumi.set(self, "pipeline_slug", pipeline_slug)

    @property
    @pulumi.getter(name="organization_slug")
    def organization_slug(self) -> pulumi.Input[str]:
        """The Buildkite organization's slug."""
        return pulumi.get(self, "organization_slug")

    @property
    @pulumi.getter(name="pipeline_slug")
    def pipeline_slug(self) -> pulumi.Input[str]:
        """The pipeline's slug."""
        return pulumi.get(self, "pipeline_slug")


@pulumi.input_type
class CircleCITrustArgs:
    """Trust one CircleCI project."""

    def __init__(self, *, organization_uuid: pulumi.Input[str], project_uuid: pulumi.Input[str]) -> None:
        """
        :param organization_uuid: The CircleCI organization's UUID (8-4-4-4-12 hexadecimal digits).
        :param project_uuid: The CircleCI project's UUID (8-4-4-4-12 hexadecimal digits).
        """
        pulumi.set(self, "organization_uuid", organization_uuid)
        pulumi.set(self, "project_uuid", project_uuid)

    @property
    @pulumi.getter(name="organization_uuid")
    def organization_uuid(self) -> pulumi.Input[str]:
        """The CircleCI organization's UUID."""
        return pulumi.get(self, "organization_uuid")

    @property
    @pulumi.getter(name="project_uuid")
    def project_uuid(self) -> pulumi.Input[str]:
        """The CircleCI project's UUID."""
        return pulumi.get(self, "project_uuid")
