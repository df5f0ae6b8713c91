"""Copies of the examples to deploy, and what Depot holds afterwards.

An example is deployed from a copy in the test's tmp_path (so a test may edit it) as one stack under the real
`pulumi` (pulumi_stack.PulumiStack, the ``Deployer`` of example_cycles.py). Its native twin is the same copy with
the edit its README's "With the native plugin" section shows applied (``native_twin``): the README is the one
place that says how an example runs on the native plugin, and the tests run exactly that. `depot_projects` lists the
organization's projects with their trust policies and tokens, through DepotClient.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Final

from pulumi_depot_provider.client import DepotClient
from pulumi_depot_provider.proto import pb
from pulumi_depot_provider.resources.token_mark import plain
from pydantic import BaseModel, ConfigDict

ROOT: Final = Path(__file__).resolve().parents[2]
EXAMPLES_DIR: Final = ROOT / "examples"


class TokenView(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: str
    description: str


class ProjectView(BaseModel):
    """One Depot project as Depot holds it. ``trust`` maps policy id -> ``provider:who`` (``github:acme/api``,
    ``buildkite:acme/deploy``, ``circleci:<org uuid>/<project uuid>``)."""

    model_config = ConfigDict(frozen=True)

    id: str
    name: str
    region: str
    keep_gb: int
    keep_days: int
    hardware: str
    trust: dict[str, str]
    tokens: tuple[TokenView, ...]

    def trusted(self) -> list[str]:
        return sorted(self.trust.values())

    def trust_id(self, who: str) -> str:
        (found,) = [policy_id for policy_id, described in self.trust.items() if described == who]
        return found


def describe_trust(policy: pb.TrustPolicy) -> str:
    which = policy.WhichOneof("provider")
    if which == "github":
        return f"github:{policy.github.repository_owner}/{policy.github.repository}"
    if which == "buildkite":
        return f"buildkite:{policy.buildkite.organization_slug}/{policy.buildkite.pipeline_slug}"
    if which == "circleci":
        return f"circleci:{policy.circleci.organization_uuid}/{policy.circleci.project_uuid}"
    raise AssertionError(f"trust policy {policy.trust_policy_id} has no provider")


def depot_projects(client: DepotClient) -> dict[str, ProjectView]:
    """Every project of the client's organization, by id."""
    views = {}
    for project in client.list_projects():
        project_id = project.project_id
        views[project_id] = ProjectView(
            id=project_id,
            name=project.name,
            region=project.region_id,
            keep_gb=project.cache_policy.keep_gb,
            keep_days=project.cache_policy.keep_days,
            hardware=pb.Hardware.Name(project.hardware),
            trust={p.trust_policy_id: describe_trust(p) for p in client.list_trust_policies(project_id)},
            tokens=tuple(
                TokenView(id=t.token_id, description=plain(t.description)) for t in client.list_tokens(project_id)
            ),
        )
    return views


def only_project(client: DepotClient) -> ProjectView:
    projects = depot_projects(client)
    assert len(projects) == 1, f"expected exactly one project in Depot, found {sorted(projects)}"
    return next(iter(projects.values()))


def copy_example(name: str, destination: Path) -> Path:
    target = destination / name
    shutil.copytree(EXAMPLES_DIR / name, target, ignore=shutil.ignore_patterns("__pycache__"))
    return target


NATIVE_SECTION: Final = "## With the native plugin"
_DIFF_BLOCK: Final = re.compile(r"```diff\n(.*?)```", re.S)


def native_edit(example: str) -> list[tuple[str, str]]:
    """The (old line, new line) pairs of __main__.py that the example's README gives for the native plugin: the
    ```diff block of its "With the native plugin" section, one ``-`` line followed by its ``+`` line."""
    readme = (EXAMPLES_DIR / example / "README.md").read_text()
    assert NATIVE_SECTION in readme, f"examples/{example}/README.md has no {NATIVE_SECTION!r} section"
    section = readme.split(NATIVE_SECTION, 1)[1].split("\n## ", 1)[0]
    blocks = _DIFF_BLOCK.findall(section)
    assert len(blocks) == 1, f"examples/{example}/README.md: {NATIVE_SECTION!r} needs exactly one ```diff block"
    lines = blocks[0].splitlines()
    assert len(lines) % 2 == 0 and all(
        old.startswith("-") and new.startswith("+") for old, new in zip(lines[::2], lines[1::2], strict=True)
    ), f"examples/{example}/README.md: the diff must be '-' / '+' line pairs"
    return [(old[1:], new[1:]) for old, new in zip(lines[::2], lines[1::2], strict=True)]


def native_twin(name: str, destination: Path) -> Path:
    """A copy of the example with its README's native edit applied; each edited line must occur exactly once."""
    target = copy_example(name, destination)
    program = target / "__main__.py"
    lines = program.read_text().splitlines()
    for old, new in native_edit(name):
        assert lines.count(old) == 1, f"examples/{name}/__main__.py: {old!r} occurs {lines.count(old)} times"
        lines[lines.index(old)] = new
    program.write_text("\n".join(lines) + "\n")
    return target
