"""depot.TrustPolicySet: every trust policy of one Depot project, as one list reviewers can read."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, overload

import pulumi
import pulumi.dynamic
from pulumi_depot_provider.resources.trust_policy_set import TrustPolicySetProvider

from pulumi_depot._checks import is_computed, kind
from pulumi_depot._claims import SET, claim_project
from pulumi_depot._inputs import BuildkiteTrustArgs, CircleCITrustArgs, GitHubTrustArgs
from pulumi_depot._outputs import BuildkiteTrust, CircleCITrust, GitHubTrust
from pulumi_depot._owner import provider_for, settle
from pulumi_depot.tenants_file import TenantsFileError

__all__ = ["TrustPolicyEntry", "TrustPolicyEntryArgs", "TrustPolicySet", "trust_entry"]


@pulumi.input_type
class TrustPolicyEntryArgs:
    """One trust policy of a set: exactly one of ``github``, ``buildkite`` or ``circleci``."""

    def __init__(
        self,
        *,
        github: pulumi.Input[GitHubTrustArgs] | None = None,
        buildkite: pulumi.Input[BuildkiteTrustArgs] | None = None,
        circleci: pulumi.Input[CircleCITrustArgs] | None = None,
    ) -> None:
        """
        :param github: Trust a GitHub repository.
        :param buildkite: Trust a Buildkite pipeline.
        :param circleci: Trust a CircleCI project.
        """
        if github is not None:
            pulumi.set(self, "github", github)
        if buildkite is not None:
            pulumi.set(self, "buildkite", buildkite)
        if circleci is not None:
            pulumi.set(self, "circleci", circleci)

    @property
    @pulumi.getter(name="github")
    def github(self) -> pulumi.Input[GitHubTrustArgs] | None:
        """Trust a GitHub repository."""
        return pulumi.get(self, "github")  # type: ignore[no-any-return]  # pulumi.get returns Any

    @property
    @pulumi.getter(name="buildkite")
    def buildkite(self) -> pulumi.Input[BuildkiteTrustArgs] | None:
        """Trust a Buildkite pipeline."""
        return pulumi.get(self, "buildkite")  # type: ignore[no-any-return]  # pulumi.get returns Any

    @property
    @pulumi.getter(name="circleci")
    def circleci(self) -> pulumi.Input[CircleCITrustArgs] | None:
        """Trust a CircleCI project."""
        return pulumi.get(self, "circleci")  # type: ignore[no-any-return]  # pulumi.get returns Any


@pulumi.output_type
class TrustPolicyEntry(dict[str, Any]):  # output types are dicts, as in Pulumi's generated SDKs
    """One trust policy of a set, as Depot has it: exactly one of the three is set."""

    def __init__(
        self,
        *,
        github: GitHubTrust | None = None,
        buildkite: BuildkiteTrust | None = None,
        circleci: CircleCITrust | None = None,
    ) -> None:
        if github is not None:
            pulumi.set(self, "github", github)
        if buildkite is not None:
            pulumi.set(self, "buildkite", buildkite)
        if circleci is not None:
            pulumi.set(self, "circleci", circleci)

    @property
    @pulumi.getter(name="github")
    def github(self) -> GitHubTrust | None:
        """The trusted GitHub repository, for a GitHub policy."""
        return pulumi.get(self, "github")  # type: ignore[no-any-return]  # pulumi.get returns Any

    @property
    @pulumi.getter(name="buildkite")
    def buildkite(self) -> BuildkiteTrust | None:
        """The trusted Buildkite pipeline, for a Buildkite policy."""
        return pulumi.get(self, "buildkite")  # type: ignore[no-any-return]  # pulumi.get returns Any

    @property
    @pulumi.getter(name="circleci")
    def circleci(self) -> CircleCITrust | None:
        """The trusted CircleCI project, for a CircleCI policy."""
        return pulumi.get(self, "circleci")  # type: ignore[no-any-return]  # pulumi.get returns Any


PolicyLike = TrustPolicyEntryArgs | GitHubTrustArgs | BuildkiteTrustArgs | CircleCITrustArgs | Mapping[str, Any]


@overload
def trust_entry(policy: PolicyLike) -> TrustPolicyEntryArgs | Mapping[str, Any]: ...


@overload
def trust_entry(policy: pulumi.Input[PolicyLike]) -> pulumi.Input[PolicyLike]: ...


def trust_entry(policy: pulumi.Input[PolicyLike]) -> pulumi.Input[PolicyLike]:
    """A set entry from any of the accepted spellings: a TrustPolicyEntryArgs, a bare GitHubTrustArgs /
    BuildkiteTrustArgs / CircleCITrustArgs, or a mapping as in a tenants file (``{"github": {...}}``). An Output
    (or awaitable) entry is passed on as it is."""
    if isinstance(policy, GitHubTrustArgs):
        return TrustPolicyEntryArgs(github=policy)
    if isinstance(policy, BuildkiteTrustArgs):
        return TrustPolicyEntryArgs(buildkite=policy)
    if isinstance(policy, CircleCITrustArgs):
        return TrustPolicyEntryArgs(circleci=policy)
    return policy


class TrustPolicySet(pulumi.dynamic.Resource, module="depot", name="TrustPolicySet"):
    """Every trust policy of one Depot project: exactly the declared ``policies``, nothing else.

    Policies are named by key -- ``github:owner/repo``, ``buildkite:org-slug/pipeline-slug``,
    ``circleci:org-uuid/project-uuid`` -- and compared as a set (order does not matter; an entry declared twice
    fails at check). Creating the set adopts the project's policies that match, adds the missing ones and removes
    all others, so adopting a project whose policies already match changes nothing. Every preview compares the
    declared list with the project's live policies: a policy added by hand in Depot is listed (one line per
    policy) and removed by the next up; refresh records it in ``drift``. Changing the list adds and removes only
    the policies that differ. Deleting the set removes its policies.

    A project with a TrustPolicySet may have no other TrustPolicySet and no plain ``depot.TrustPolicy``: the
    program fails with an error naming both (see ``pulumi_depot._claims`` for when it is detected). Entries
    outside the stack config ``depot:allowedTrust`` fail at preview.

    Example::

        depot.TrustPolicySet("api-trust", project_id=api.id, policies=[
            depot.TrustPolicyEntryArgs(github=depot.GitHubTrustArgs(repository_owner="acme", repository="api")),
            depot.TrustPolicyEntryArgs(
                buildkite=depot.BuildkiteTrustArgs(organization_slug="acme", pipeline_slug="deploy")),
        ])
    """

    project_id: pulumi.Output[str]
    """The id of the project whose trust policies the set owns."""
    policies: pulumi.Output[list[TrustPolicyEntry]]
    """The project's trust policies as Depot has them, sorted by key."""
    granted: pulumi.Output[dict[str, str]]
    """Policy key -> what it trusts, one entry per policy (previews diff it key by key)."""
    policy_ids: pulumi.Output[dict[str, str]]
    """Policy key -> Depot's trust policy id."""
    changes: pulumi.Output[list[str]]
    """What the last create or update did, one policy per line (``+ key (id ...): added``, ``- ...: removed``,
    ``= ...: adopted``)."""
    drift: pulumi.Output[list[str]]
    """What the last refresh found changed outside Pulumi, one policy per line."""

    def __init__(
        self,
        resource_name: str,
        *,
        project_id: pulumi.Input[str],
        policies: pulumi.Input[list[pulumi.Input[TrustPolicyEntryArgs]]],
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        """
        :param resource_name: The Pulumi (logical) name of the resource.
        :param project_id: The project's id (e.g. ``project.id``).
        :param policies: Every trust policy the project should have. Each entry is a TrustPolicyEntryArgs, or
            for short a GitHubTrustArgs, BuildkiteTrustArgs or CircleCITrustArgs, or a mapping such as
            ``{"github": {"repository_owner": "acme", "repository": "api"}}``. ``[]`` removes them all.
        :param opts: Pulumi resource options.
        """
        # The annotation is the schema's (tests/test_schema.py); the other spellings listed above are accepted too.
        entries: pulumi.Input[Sequence[pulumi.Input[PolicyLike]]] = policies
        if isinstance(policies, list | tuple):
            entries = [trust_entry(policy) for policy in policies]
        elif not is_computed(policies):  # "" or {} would otherwise be read as an empty set: remove every policy
            raise TenantsFileError(
                f"depot.TrustPolicySet {resource_name!r}",
                [f"policies: must be a list of trust policy entries ([] removes them all), not {kind(policies)}"],
            )
        props: dict[str, Any] = {
            "project_id": claim_project(SET, resource_name, project_id),
            "policies": entries,
            "granted": None,
            "policy_ids": None,
            "changes": None,
            "drift": None,
        }
        provider = provider_for(TrustPolicySetProvider, resource_name, opts, props)
        super().__init__(provider, resource_name, props, opts)
        settle(self, provider)
