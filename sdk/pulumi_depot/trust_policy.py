"""depot.TrustPolicy: lets one CI pipeline build in a Depot project (OIDC trust)."""

from __future__ import annotations

from typing import Any

import pulumi
import pulumi.dynamic
from pulumi_depot_provider.resources.trust_policy import TrustPolicyProvider

from pulumi_depot._claims import claim_project
from pulumi_depot._inputs import BuildkiteTrustArgs, CircleCITrustArgs, GitHubTrustArgs
from pulumi_depot._outputs import BuildkiteTrust, CircleCITrust, GitHubTrust
from pulumi_depot._owner import provider_for, settle

__all__ = ["TrustPolicy"]


class TrustPolicy(pulumi.dynamic.Resource, module="depot", name="TrustPolicy"):
    """An OIDC trust policy of a Depot project: exactly one of ``github``, ``buildkite`` or ``circleci``.

    The resource's id is Depot's trust policy id. Depot cannot change a policy, so any change replaces it (the new
    policy is added before the old one is removed). ``import_id`` adopts an existing policy of ``project_id``.
    For additive use: a project whose trust policies a ``depot.TrustPolicySet`` owns cannot also have TrustPolicy
    resources (the program fails naming both).

    Example::

        depot.TrustPolicy("gh", project_id=api.id,
                          github=depot.GitHubTrustArgs(repository_owner="acme", repository="api"))
    """

    project_id: pulumi.Output[str]
    """The id of the project the policy belongs to."""
    github: pulumi.Output[GitHubTrust | None]
    """The trusted GitHub repository, for a GitHub policy."""
    buildkite: pulumi.Output[BuildkiteTrust | None]
    """The trusted Buildkite pipeline, for a Buildkite policy."""
    circleci: pulumi.Output[CircleCITrust | None]
    """The trusted CircleCI project, for a CircleCI policy."""
    import_id: pulumi.Output[str | None]
    """The id the policy was adopted from, if it was adopted."""

    def __init__(
        self,
        resource_name: str,
        *,
        project_id: pulumi.Input[str],
        github: pulumi.Input[GitHubTrustArgs] | None = None,
        buildkite: pulumi.Input[BuildkiteTrustArgs] | None = None,
        circleci: pulumi.Input[CircleCITrustArgs] | None = None,
        import_id: pulumi.Input[str] | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        """
        :param resource_name: The Pulumi (logical) name of the resource.
        :param project_id: The project's id (e.g. ``project.id``).
        :param github: Trust a GitHub repository.
        :param buildkite: Trust a Buildkite pipeline.
        :param circleci: Trust a CircleCI project.
        :param import_id: Adopt the existing trust policy with this id (in project_id) instead of creating one.
        :param opts: Pulumi resource options.
        """
        props: dict[str, Any] = {
            "project_id": claim_project("TrustPolicy", resource_name, project_id),
            "github": github,
            "buildkite": buildkite,
            "circleci": circleci,
            "import_id": import_id,
        }
        provider = provider_for(TrustPolicyProvider, resource_name, opts, props)
        super().__init__(provider, resource_name, props, opts)
        settle(self, provider)
