"""Helpers for the `pulumi-depot import` tests: an organization full of awkward projects and its full listing."""

from __future__ import annotations

import json
import subprocess
import unicodedata
from collections.abc import Callable
from typing import Any, Protocol

from google.protobuf.json_format import MessageToDict
from pulumi_depot_provider.client import DepotClient
from pulumi_depot_provider.proto import pb
from pulumi_stack import DYNAMIC_TYPE_PREFIX, PulumiStack

GIB = 1024**3
# The `run_cli` fixture (conftest.py): `pulumi-depot import ARGS` as a subprocess. Kept here, not in conftest.py:
# `import conftest` would find whichever test folder's conftest comes first on sys.path.
RunCli = Callable[..., subprocess.CompletedProcess[str]]
# The `pulumi_stack` fixture (tests/conftest.py): pulumi_stack(program_dir, org) -> a stack under the real `pulumi`.
MakeStack = Callable[..., PulumiStack]
# GitHub's longest repository name (100 characters): with its keyword and indent, split in the program
LONG_REPOSITORY = "service-" + "long-repository-name-" * 4 + "the-ends"
AWKWARD_NAMES = [
    "api",
    "api",  # a duplicate
    "API",  # the same slug as "api"
    "api-2",  # the slug a duplicate would get
    '1st project: "quoted" caf\u00e9!',  # leading digit, quotes, punctuation, non-ASCII
    "class",  # a Python keyword
    "depot",  # the generated program's module alias
    "web.frontend/prod",
    "\u65e5\u672c\u8a9e",  # no ASCII at all
    "project",  # what a name without ASCII falls back to
    "back\\slash 'single' tab\tname",
    "x" * 64,
]


class Org(Protocol):
    url: str
    token: str
    org_id: str

    def client(self, **kwargs: Any) -> DepotClient: ...


def populate(client: DepotClient) -> None:
    """Projects with each trust provider kind, tokens, cache policies, hardware and regions, and awkward names."""
    created: dict[str, pb.Project] = {}
    for index, name in enumerate(AWKWARD_NAMES):
        region = "eu-central-1" if index % 3 == 1 else "us-east-1"
        hardware = [None, pb.HARDWARE_32X64, pb.HARDWARE_4X4, pb.HARDWARE_UNSPECIFIED, pb.HARDWARE_192X384][index % 5]
        policy = [None, pb.CachePolicy(keep_gb=100, keep_days=30), pb.CachePolicy(keep_gb=1, keep_days=0)][index % 3]
        project = client.create_project(name, region, cache_policy=policy, hardware=hardware)
        created.setdefault(name, project)
    api, quoted, awkward = created["api"].project_id, created[AWKWARD_NAMES[4]].project_id, created["web.frontend/prod"]
    client.add_trust_policy(api, github=pb.TrustPolicy.GitHub(repository_owner="acme", repository="api"))
    client.add_trust_policy(api, buildkite=pb.TrustPolicy.Buildkite(organization_slug="acme", pipeline_slug="deploy"))
    client.add_trust_policy(
        api,
        circleci=pb.TrustPolicy.CircleCI(
            organization_uuid="6a2c8c52-4fbc-4d0c-9f3a-2c1e5f3b9d10",
            project_uuid="0b7e3f4e-93c5-4cc4-8a51-7d2f1e9c6a42",
        ),
    )
    client.add_trust_policy(
        quoted, github=pb.TrustPolicy.GitHub(repository_owner="quoted-Owner", repository=LONG_REPOSITORY)
    )
    client.add_trust_policy(quoted, github=pb.TrustPolicy.GitHub(repository_owner="acme", repository="api"))
    client.add_trust_policy(
        awkward.project_id, buildkite=pb.TrustPolicy.Buildkite(organization_slug="web", pipeline_slug="release")
    )
    client.create_token(api, "CI builds")
    client.create_token(api, "CI builds")  # two tokens alike: logical names still unique
    client.create_token(api, "deploy")
    client.create_token(quoted, ("a description with spaces that is far too long to fit on one line " * 3).strip())
    client.create_token(awkward.project_id, "r\u00e9lease \"bot\" 'one'")
    # Legacy cache policy: keep_bytes only, as Depot's CLI sends it.
    client.update_project(created["class"].project_id, cache_policy=pb.CachePolicy(keep_bytes=7 * GIB, keep_days=3))


def org_listing(client: DepotClient) -> dict[str, Any]:
    """Everything Depot holds for the organization: projects (all fields), trust policies and tokens, by id."""
    listing: dict[str, Any] = {}
    for project in client.list_projects():
        listing[project.project_id] = {
            "project": MessageToDict(project),
            "trust_policies": {
                p.trust_policy_id: MessageToDict(p) for p in client.list_trust_policies(project.project_id)
            },
            "tokens": {t.token_id: t.description for t in client.list_tokens(project.project_id)},
        }
    return listing


def state_resources(stack: PulumiStack) -> dict[str, dict[str, Any]]:
    """The stack state's Depot resources by URN (`pulumi stack export --show-secrets`: secrets still marked as
    such, their plaintext beside the mark). By URN, not by logical name: two types may share a name."""
    deployment = json.loads(stack.cli("stack", "export", "--show-secrets"))["deployment"]
    return {r["urn"]: r for r in deployment.get("resources", []) if r["type"].startswith(DYNAMIC_TYPE_PREFIX)}


def refused(text: str) -> bool:
    """Whether pulumi-depot's inputs refuse the text as a name (a control or invisible formatting character), so
    the importer must leave its object out: written here from Unicode's categories, not from the provider's table."""
    return any(unicodedata.category(character) in ("Cc", "Cf", "Zl", "Zp", "Cs") for character in text)


def refused_projects(listing: dict[str, Any]) -> set[str]:
    """Ids, in an `org_listing`, of the projects whose names pulumi-depot refuses (the tab in AWKWARD_NAMES)."""
    return {pid for pid, entry in listing.items() if refused(entry["project"]["name"])}
