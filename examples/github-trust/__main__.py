"""A Depot project whose builds may come from GitHub Actions in the repositories listed in stack config.

    pulumi config set repositories '["acme/api", "acme/web"]'

One trust policy per repository, named after it (`github-acme-api`), so adding or removing a repository touches
only its own policy.
"""

import re

import pulumi
import pulumi_depot as depot

config = pulumi.Config()
repositories = config.require_object("repositories")
if not isinstance(repositories, list) or not repositories:
    raise pulumi.RunError('config repositories: give a JSON list of "owner/name" strings, e.g. \'["acme/api"]\'')

# Every entry is checked before anything is declared, so a typo fails the update before it creates the project.
parsed = []
for entry in repositories:
    owner, _, repository = str(entry).partition("/")
    if not owner or not repository or "/" in repository:
        raise pulumi.RunError(f'config repositories: {entry!r} is not "owner/name" (e.g. "acme/api")')
    parsed.append((owner, repository))

project = depot.Project(
    "app",
    name=config.get("projectName", "github-builds"),
    region=config.get("region", "us-east-1"),
)

policy_ids = {}
for owner, repository in parsed:
    policy = depot.TrustPolicy(
        "github-" + re.sub(r"[^a-z0-9]+", "-", f"{owner}-{repository}".lower()),
        project_id=project.id,
        github=depot.GitHubTrustArgs(repository_owner=owner, repository=repository),
    )
    policy_ids[f"{owner}/{repository}"] = policy.id

pulumi.export("projectId", project.id)
pulumi.export("trustPolicyIds", policy_ids)
