"""pulumi-depot: Pulumi resources for Depot (depot.dev). Use as ``import pulumi_depot as depot``.

Resources: ``Project``, ``TrustPolicy``, ``ProjectToken``. Lookups: ``get_project``, ``list_projects``.
Configuration: stack config ``depot:token`` (secret) and ``depot:apiUrl``, or DEPOT_TOKEN / DEPOT_API_URL.
"""

from pulumi_depot._inputs import BuildkiteTrustArgs, CachePolicyArgs, CircleCITrustArgs, GitHubTrustArgs
from pulumi_depot._outputs import BuildkiteTrust, CachePolicy, CircleCITrust, GitHubTrust
from pulumi_depot.lookups import DepotLookupError, ProjectCachePolicy, ProjectInfo, get_project, list_projects
from pulumi_depot.project import Project
from pulumi_depot.project_token import ProjectToken
from pulumi_depot.trust_policy import TrustPolicy

__all__ = [
    "BuildkiteTrust",
    "BuildkiteTrustArgs",
    "CachePolicy",
    "CachePolicyArgs",
    "CircleCITrust",
    "CircleCITrustArgs",
    "DepotLookupError",
    "GitHubTrust",
    "GitHubTrustArgs",
    "Project",
    "ProjectCachePolicy",
    "ProjectInfo",
    "ProjectToken",
    "TrustPolicy",
    "get_project",
    "list_projects",
]
