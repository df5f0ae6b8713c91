"""Quickstart: one Depot project with a cache policy, a GitHub trust policy and a project token.

Every setting is stack config with a default, so `pulumi config set keepGb 100` (for example) changes one thing.
"""

import pulumi
import pulumi_depot as depot

config = pulumi.Config()
github_owner = config.get("githubOwner", "my-org")
github_repository = config.get("githubRepository", "my-app")

project = depot.Project(
    "app",
    name=config.get("projectName", "quickstart"),
    region=config.get("region", "us-east-1"),
    cache_policy=depot.CachePolicyArgs(
        keep_gb=config.get_int("keepGb", 50),
        keep_days=config.get_int("keepDays", 14),
    ),
)

github = depot.TrustPolicy(
    "github",
    project_id=project.id,
    github=depot.GitHubTrustArgs(repository_owner=github_owner, repository=github_repository),
)

ci_token = depot.ProjectToken("ci", project_id=project.id, description="CI builds of the quickstart project")

pulumi.export("projectId", project.id)
pulumi.export("projectName", project.name)
pulumi.export("trustPolicyId", github.id)
pulumi.export("trustedRepository", f"{github_owner}/{github_repository}")
pulumi.export("tokenId", ci_token.id)
pulumi.export("token", ci_token.secret)  # a secret: `pulumi stack output token --show-secrets` reveals it
