"""The trust kinds, once. Depot's TrustPolicy has a oneof `provider` (depot.core.v1): its members are the kinds and
their messages give each kind's field names. KINDS attaches what this project adds to each: labels, the input
model (names checked with resources/trust_names.py) and what the allowlist lists. Models, keys
(`github:owner/repo`), labels, allowlist fields and depot-local's validation all read it: the models that hold one
field per kind (a policy's inputs and state, a set's entry, the allowlist) get those fields from `with_kinds`.

A new kind is its model here and a row in _ROWS (the model's fields must be the message's, in order) once the
proto has it; nothing else in the provider names the kinds one by one.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Annotated, Any, Final, TypeVar

from google.protobuf.message import Message
from pydantic import BaseModel, Field, create_model

from pulumi_depot_provider.proto import pb
from pulumi_depot_provider.resources.fields import Format, InputModel, Text
from pulumi_depot_provider.resources.trust_names import (
    buildkite_slug_problem,
    github_owner_problem,
    github_repository_problem,
    uuid_problem,
)

GitHubOwner = Annotated[Text, Format(github_owner_problem)]
GitHubRepository = Annotated[Text, Format(github_repository_problem)]
BuildkiteSlug = Annotated[Text, Format(buildkite_slug_problem)]
CircleCIUuid = Annotated[Text, Format(uuid_problem)]
B = TypeVar("B", bound=BaseModel)


class GitHubTrust(InputModel):
    """Trust GitHub Actions workflows of one repository."""

    repository_owner: GitHubOwner = Field(
        description="The GitHub user or organization that owns the repository: 1 to 39 letters, digits and single "
        "hyphens, not first or last (GitHub's rule; no wildcards)."
    )
    repository: GitHubRepository = Field(
        description="The repository's name (without the owner): 1 to 100 letters, digits, '.', '-' and '_'."
    )


class BuildkiteTrust(InputModel):
    """Trust one Buildkite pipeline."""

    organization_slug: BuildkiteSlug = Field(
        description="The Buildkite organization's slug: lowercase letters, digits and hyphens."
    )
    pipeline_slug: BuildkiteSlug = Field(description="The pipeline's slug: lowercase letters, digits and hyphens.")


class CircleCITrust(InputModel):
    """Trust one CircleCI project."""

    organization_uuid: CircleCIUuid = Field(
        description="The CircleCI organization's UUID (8-4-4-4-12 hexadecimal digits)."
    )
    project_uuid: CircleCIUuid = Field(description="The CircleCI project's UUID (8-4-4-4-12 hexadecimal digits).")


TrustFields = GitHubTrust | BuildkiteTrust | CircleCITrust


@dataclass(frozen=True)
class TrustKind:
    name: str
    """The oneof member, and the key of the kind everywhere: `github`."""
    label: str
    """`GitHub`"""
    trusts: str
    """What one policy trusts: `GitHub repository`."""
    allowlisted: str
    """What the allowlist lists (the first field): `GitHub owners`."""
    placeholder: str
    """One allowlist item as shown in the expected shape: `repository owner`."""
    model: type[InputModel]
    message: type[Message]
    fields: tuple[str, str]
    """The message's fields, in Depot's order: the first is who is trusted (what the allowlist lists); with the
    second it makes the policy's key."""

    @property
    def description(self) -> str:
        return f"Trust a {self.trusts}."

    def key(self, fields: Mapping[str, Any]) -> str:
        first, second = self.fields
        return f"{self.name}:{fields.get(first, '?')}/{fields.get(second, '?')}"


# (kind, label, trusts, allowlisted, placeholder, model), in the order messages and the schema list them.
_ROWS: Final = (
    ("github", "GitHub", "GitHub repository", "GitHub owners", "repository owner", GitHubTrust),
    ("buildkite", "Buildkite", "Buildkite pipeline", "Buildkite organizations", "organization slug", BuildkiteTrust),
    ("circleci", "CircleCI", "CircleCI project", "CircleCI organizations", "organization UUID", CircleCITrust),
)


def _kinds() -> dict[str, TrustKind]:
    members = {member.name: member for member in pb.TrustPolicy.DESCRIPTOR.oneofs_by_name["provider"].fields}
    if missing := set(members) ^ {row[0] for row in _ROWS}:
        raise TypeError(f"trust kinds: TrustPolicy.provider and _ROWS differ in {sorted(missing)}")
    kinds = {}
    for name, label, trusts, allowlisted, placeholder, model in _ROWS:
        message_type = members[name].message_type
        fields = tuple(field.name for field in message_type.fields)
        if fields != tuple(model.model_fields) or len(fields) != 2:
            raise TypeError(f"trust kinds: {model.__name__} must have {name}'s two fields {fields}")
        message = getattr(pb.TrustPolicy, message_type.name)
        kinds[name] = TrustKind(name, label, trusts, allowlisted, placeholder, model, message, (fields[0], fields[1]))
    return kinds


KINDS: Final = _kinds()
KIND_NAMES: Final = tuple(KINDS)
TRUST_FIELDS: Final = {kind.name: kind.fields for kind in KINDS.values()}
ALLOWLIST_LABELS: Final = {kind.name: kind.allowlisted for kind in KINDS.values()}


def one_of(conjunction: str = "or") -> str:
    """`github, buildkite or circleci`"""
    *rest, last = KIND_NAMES
    return f"{', '.join(rest)} {conjunction} {last}" if rest else last


def policy_key(kind: str, fields: Mapping[str, Any]) -> str:
    """How a policy is named in diffs, outputs and messages: `github:acme/api`, `buildkite:acme/deploy`,
    `circleci:<organization UUID>/<project UUID>`."""
    return KINDS[kind].key(fields)


def message(kind: str, fields: Mapping[str, Any]) -> Message:
    """The kind's TrustPolicy message (`pb.TrustPolicy.GitHub(repository_owner=..., repository=...)`)."""
    return KINDS[kind].message(**fields)


def with_kinds(base: type[B], field: Callable[[TrustKind], tuple[Any, Any]]) -> type[B]:
    """`base` plus one field per kind, named by it, in the table's order; `field(kind)` gives its type and its
    default (or FieldInfo). A class deriving from the result adds its own fields after them. Pydantic reads these
    fields at runtime; the type checker, which cannot, is shown `base` (`if TYPE_CHECKING` where it is used), so
    code reaches them by name (getattr(model, kind)), never as `model.github`."""
    fields: dict[str, Any] = {kind.name: field(kind) for kind in KINDS.values()}
    return create_model(f"{base.__name__}Kinds", __base__=base, __module__=base.__module__, **fields)


def one_policy(base: type[B], *metadata: Any, described: bool = True) -> type[B]:
    """`base` plus `github: GitHubTrust | None = None` and the like (with each kind's description unless not
    `described`; `metadata` such as REPLACES annotates each): a model that holds one policy of any kind."""

    def field(kind: TrustKind) -> tuple[Any, Any]:
        annotation: Any = kind.model | None
        if metadata:
            annotation = Annotated[(annotation, *metadata)]
        return annotation, Field(None, description=kind.description if described else None)

    return with_kinds(base, field)
