"""The names an organization's objects get in generated code: one allocation shared by both output formats, so a
project's tenant id and its logical name in a program are the same."""

from __future__ import annotations

from collections import Counter

from pydantic import BaseModel, ConfigDict

from pulumi_depot_provider.importer.naming import allocate, slug, variable
from pulumi_depot_provider.importer.snapshot import OrganizationSnapshot, ProjectSnapshot, TokenSnapshot

VARIABLE_MAX_LENGTH = 60
CHILD_MAX_LENGTH = 110
PART_LENGTH = 30  # of each Depot value that goes into a trust policy's or token's logical name


class ProjectNames(BaseModel):
    model_config = ConfigDict(frozen=True)

    key: str
    """Logical name and tenant id: lowercase letters, digits and '-', at most 40 characters."""
    variable: str
    """A Python identifier for the Project in a generated program."""
    policies: tuple[str, ...]
    """Logical names of the project's trust policies, in the snapshot's order."""
    tokens: tuple[str, ...]
    """Logical names of the project's tokens, in the snapshot's order."""
    shared_name: int
    """How many other projects have exactly this project's name."""


def _key_priority(project: ProjectSnapshot) -> tuple[bool, int, str]:
    # A project whose name already is a valid key keeps it; otherwise the oldest project wins.
    return (slug(project.name) != project.name, project.created_ns, project.id)


def _token_part(token: TokenSnapshot) -> str:
    part = slug(token.description, fallback="", max_length=PART_LENGTH)
    return f"token-{part}" if part else "token"


def assign_names(organization: OrganizationSnapshot) -> list[ProjectNames]:
    """Names for each project of the snapshot, in its order."""
    projects = organization.projects
    priorities = [_key_priority(project) for project in projects]
    taken: set[str] = set()
    keys = allocate([slug(project.name) for project in projects], priorities, taken=taken)
    variables = allocate([variable(key) for key in keys], priorities, separator="_", max_length=VARIABLE_MAX_LENGTH)
    owners: list[int] = []
    wanted: list[str] = []
    for index, project in enumerate(projects):
        for policy in project.trust_policies:
            parts = (slug(value, fallback="x", max_length=PART_LENGTH) for value in (policy.first, policy.second))
            wanted.append("-".join((keys[index], policy.kind, *parts)))
            owners.append(index)
        for token in project.tokens:
            wanted.append(f"{keys[index]}-{_token_part(token)}")
            owners.append(index)
    children = iter(allocate(wanted, taken=taken, max_length=CHILD_MAX_LENGTH))
    name_counts = Counter(project.name for project in projects)
    result = []
    for index, project in enumerate(projects):
        policies = tuple(next(children) for _ in project.trust_policies)
        tokens = tuple(next(children) for _ in project.tokens)
        result.append(
            ProjectNames(
                key=keys[index],
                variable=variables[index],
                policies=policies,
                tokens=tokens,
                shared_name=name_counts[project.name] - 1,
            )
        )
    return result
