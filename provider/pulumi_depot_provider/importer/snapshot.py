"""Reading an organization: every project with its trust policies and token metadata, as plain models.

The models hold what the generators need and nothing secret: Depot never returns a token's secret after its
creation, so a token here is its id and description.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, as_completed
from functools import cached_property
from typing import Any

from google.protobuf.timestamp_pb2 import Timestamp
from pydantic import BaseModel, ConfigDict

from pulumi_depot_provider.client import DepotClient, NotFound
from pulumi_depot_provider.guardrail import TRUST_FIELDS
from pulumi_depot_provider.proto import pb
from pulumi_depot_provider.resources.fields import character_problem, text_errors
from pulumi_depot_provider.resources.project import live_inputs
from pulumi_depot_provider.resources.project_read import ProjectInfo
from pulumi_depot_provider.resources.token_mark import plain
from pulumi_depot_provider.resources.trust_policy import TrustPolicyArgs, TrustProvider, live_fields

# Concurrent reads: two calls per project, so a large organization is read in a fraction of the sequential time
# without hammering the API.
READ_WORKERS = 4

Progress = Callable[[int, int], None]
"""Called with (projects read, projects in total) after each project."""


def _first_problem(values: dict[str, str]) -> str | None:
    """Depot accepts characters that pulumi-depot's inputs refuse (a tab, a bidi override): the first such value,
    named by its field, with the reason."""
    for field, value in values.items():
        if problem := character_problem(value):
            return f"its {field} {problem.split(';')[0]}"
    return None


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True)


class TrustPolicySnapshot(_Frozen):
    id: str
    kind: TrustProvider
    first: str
    """repository_owner, organization_slug or organization_uuid."""
    second: str
    """repository, pipeline_slug or project_uuid."""

    def fields(self) -> dict[str, str]:
        first, second = TRUST_FIELDS[self.kind]
        return {first: self.first, second: self.second}

    def sort_key(self) -> tuple[str, str, str, str]:
        return (self.kind, self.first, self.second, self.id)

    def unaccepted(self) -> str | None:
        """Why pulumi-depot cannot declare this policy as Depot holds it, or None: a character its inputs refuse, or
        a name not in its CI service's form (an owner `acme/evil`, a CircleCI id that is no UUID), as check would."""
        for error in text_errors(TrustPolicyArgs, {self.kind: self.fields()}):
            return f"its {error.path.rsplit('.', 1)[-1]} {error.reason.split('; remove it')[0]}"
        return None


class TokenSnapshot(_Frozen):
    id: str
    description: str

    def sort_key(self) -> tuple[str, str]:
        return (self.description, self.id)

    def unaccepted(self) -> str | None:
        """Why pulumi-depot cannot declare this token as Depot holds it, or None."""
        return _first_problem({"description": self.description})


class ProjectSnapshot(ProjectInfo):
    """The project as Depot reports it (the one read model) with its trust policies and tokens."""

    trust_policies: tuple[TrustPolicySnapshot, ...] = ()
    tokens: tuple[TokenSnapshot, ...] = ()
    unreadable_policies: tuple[str, ...] = ()
    """Ids of trust policies Depot returned without a provider (left out of the output, said so in a comment)."""

    @cached_property
    def created_ns(self) -> int:
        """created_at in nanoseconds since the epoch (RFC 3339 strings do not sort: fractions vary in length)."""
        created = Timestamp()
        created.FromJsonString(self.created_at)
        return created.ToNanoseconds()

    def declared(self) -> dict[str, Any]:
        """What the program and the tenants file declare: the inputs the Project's import by id (`find`) takes,
        without HARDWARE_UNSPECIFIED, Depot's default, which leaving hardware out keeps."""
        inputs = live_inputs(self)
        if inputs.get("hardware") == "HARDWARE_UNSPECIFIED":
            del inputs["hardware"]
        return inputs

    def unaccepted(self) -> str | None:
        """Why pulumi-depot cannot declare this project as Depot holds it (its name), or None."""
        return _first_problem({"name": self.name})


class OrganizationSnapshot(_Frozen):
    projects: tuple[ProjectSnapshot, ...]
    vanished: tuple[str, ...] = ()
    """Ids of projects deleted while they were being read."""

    @property
    def organization_ids(self) -> list[str]:
        return sorted({project.organization_id for project in self.projects})

    def counts(self) -> tuple[int, int, int]:
        """(projects, trust policies, tokens)."""
        return (
            len(self.projects),
            sum(len(p.trust_policies) for p in self.projects),
            sum(len(p.tokens) for p in self.projects),
        )


def _policy(policy: pb.TrustPolicy) -> TrustPolicySnapshot | None:
    if policy.WhichOneof("provider") is None:
        return None
    kind, fields = live_fields(policy)
    first, second = TRUST_FIELDS[kind]
    return TrustPolicySnapshot(id=policy.trust_policy_id, kind=kind, first=fields[first], second=fields[second])


def _project(client: DepotClient, project: pb.Project) -> ProjectSnapshot:
    policies = client.list_trust_policies(project.project_id)
    tokens = client.list_tokens(project.project_id)
    readable = [(p.trust_policy_id, _policy(p)) for p in policies]
    return ProjectSnapshot.from_message(
        project,
        trust_policies=tuple(
            sorted((snap for _, snap in readable if snap is not None), key=TrustPolicySnapshot.sort_key)
        ),
        tokens=tuple(
            sorted(
                (TokenSnapshot(id=t.token_id, description=plain(t.description)) for t in tokens),
                key=TokenSnapshot.sort_key,
            )
        ),
        unreadable_policies=tuple(sorted(id_ for id_, snap in readable if snap is None)),
    )


def read_organization(client: DepotClient, progress: Progress | None = None) -> OrganizationSnapshot:
    """Every project the client's token sees, with trust policies and tokens. DepotErrors propagate, except a
    project deleted while it is read, which is left out and listed in `vanished`."""
    projects = client.list_projects()
    total = len(projects)
    if progress is not None:
        progress(0, total)
    read: dict[str, ProjectSnapshot] = {}
    vanished: list[str] = []
    with ThreadPoolExecutor(max_workers=READ_WORKERS, thread_name_prefix="depot-import") as pool:
        futures = {pool.submit(_project, client, project): project.project_id for project in projects}
        try:
            for done, future in enumerate(as_completed(futures), start=1):
                try:
                    snapshot = future.result()
                except NotFound:
                    vanished.append(futures[future])
                else:
                    read[snapshot.id] = snapshot
                if progress is not None:
                    progress(done, total)
        except BaseException:
            for future in futures:
                future.cancel()
            raise
    return OrganizationSnapshot(
        projects=tuple(sorted(read.values(), key=project_order)), vanished=tuple(sorted(vanished))
    )


def project_order(project: ProjectSnapshot) -> tuple[str, str, int, str]:
    """The order projects are written in: by name (case-insensitively), then age, then id."""
    return (project.name.casefold(), project.name, project.created_ns, project.id)
