"""depot:TrustPolicy — lets one CI pipeline (GitHub Actions, Buildkite or CircleCI) build in a project via OIDC.

Depot has no UpdateTrustPolicy: any change replaces the policy, creating the new one before removing the old
(a duplicate policy is harmless for a moment).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import Field

from pulumi_depot_provider import say
from pulumi_depot_provider.client import DepotClient, NotFound
from pulumi_depot_provider.guardrail import GuardedTrust, TrustEntry, policy_key, provider_fields
from pulumi_depot_provider.proto import pb
from pulumi_depot_provider.resources.core import Found, within_project
from pulumi_depot_provider.resources.diffs import DECLARED_INPUTS, PropertyDiff, declared_paths
from pulumi_depot_provider.resources.exactly_once import Claim, create_exactly_once, recover_or_refuse
from pulumi_depot_provider.resources.fields import (
    CREATE_ONLY,
    REPLACES,
    CrossFieldError,
    ImportId,
    InputModel,
    OutputModel,
    Text,
)
from pulumi_depot_provider.resources.stored import stored_provider
from pulumi_depot_provider.resources.trust_kinds import (
    KIND_NAMES,
    BuildkiteTrust,
    CircleCITrust,
    GitHubTrust,
    TrustFields,
    message,
    one_of,
    one_policy,
)
from pulumi_depot_provider.resources.trust_names import same_names
from pulumi_depot_provider.resources.values import DepotResourceError

__all__ = [
    "PROVIDERS",
    "BuildkiteTrust",
    "CircleCITrust",
    "GitHubTrust",
    "TrustFields",
    "TrustPolicyArgs",
    "TrustPolicyResource",
    "TrustPolicyState",
    "TrustProvider",
    "live_fields",
    "matches",
    "policy_state",
    "provider_of",
]

if TYPE_CHECKING:
    TrustProvider = str
else:  # pydantic (a snapshot's `kind`) validates it as the literal of the kinds' names
    TrustProvider = Literal[KIND_NAMES]
"""A trust kind's name (a key of resources/trust_kinds.py's KINDS)."""
PROVIDERS: tuple[TrustProvider, ...] = KIND_NAMES


class _ArgsProject(InputModel):
    project_id: Annotated[Text, REPLACES] = Field(description="The id of the project the policy belongs to.")


class _StateProject(OutputModel):
    project_id: str


if TYPE_CHECKING:  # the kinds' fields, from the table, are pydantic's (trust_kinds.with_kinds)
    _ArgsKinds = _ArgsProject
    _StateKinds = _StateProject
else:
    _ArgsKinds = one_policy(_ArgsProject, REPLACES)
    _StateKinds = one_policy(_StateProject, described=False)


class TrustPolicyArgs(_ArgsKinds):
    """An OIDC trust policy of a Depot project: exactly one of github, buildkite or circleci."""

    resource_inputs = True

    import_id: Annotated[ImportId | None, CREATE_ONLY] = Field(
        None,
        description="Adopt the existing trust policy with this id (in project_id) instead of creating one; its "
        "provider fields must match the declared ones. Only consulted when the resource is created. An empty "
        "string is refused: leave it out to create.",
    )

    @classmethod
    def rule_errors(cls, data: Mapping[str, Any]) -> list[CrossFieldError]:
        given = [name for name in PROVIDERS if data.get(name) is not None]
        if not given:
            return [CrossFieldError(PROVIDERS[0], f"no trust provider set: set exactly one of {one_of()}", PROVIDERS)]
        if len(given) > 1:
            reason = (
                f"{' and '.join(given)} are all set; a trust policy has exactly one provider: "
                "declare one TrustPolicy per provider"
            )
            return [CrossFieldError(given[1], reason, PROVIDERS)]
        return []


class TrustPolicyState(_StateKinds):
    """The policy as Depot has it."""

    import_id: str | None = None


def provider_of(model: TrustPolicyArgs | TrustPolicyState) -> tuple[TrustProvider, TrustFields]:
    for name in PROVIDERS:
        fields = getattr(model, name)
        if fields is not None:
            return name, fields
    raise DepotResourceError(f"the policy has no provider ({one_of()})")


def live_fields(policy: pb.TrustPolicy) -> tuple[str, dict[str, str]]:
    """(provider, its fields) of a policy as Depot returns it."""
    kind = policy.WhichOneof("provider")
    if kind is None:
        raise DepotResourceError(f"Depot returned trust policy {policy.trust_policy_id} without a provider")
    message = getattr(policy, kind)
    return kind, {field.name: getattr(message, field.name) for field in message.DESCRIPTOR.fields}


def policy_state(policy: pb.TrustPolicy, project_id: str, import_id: str | None = None) -> TrustPolicyState:
    kind, fields = live_fields(policy)
    return TrustPolicyState.model_validate({"project_id": project_id, kind: fields, "import_id": import_id})


def matches(policy: pb.TrustPolicy, args: TrustPolicyArgs, *, letter_case: bool = False) -> bool:
    """Whether Depot's policy grants what args declares: the same kind naming the same thing, case ignored unless
    `letter_case` (an adopted policy's live values become the state, so they must equal the inputs to the letter,
    or every preview would replace it)."""
    kind, fields = provider_of(args)
    live_kind, live = live_fields(policy)
    if letter_case:
        return (live_kind, live) == (kind, fields.model_dump())
    return live_kind == kind and same_names(live, fields.model_dump())


def _summary(kind: str, fields: TrustFields) -> str:
    first, second = fields.model_dump().values()
    return f"{kind} {first}/{second}"


class TrustPolicyResource(GuardedTrust[TrustPolicyArgs, TrustPolicyState]):
    """depot:TrustPolicy. Its dynamic provider class, in users' state, is this module's TrustPolicyProvider."""

    type_token = "depot:TrustPolicy"
    args_model = TrustPolicyArgs
    state_model = TrustPolicyState
    id_form = "<project id>/<trust policy id>"

    @classmethod
    def trust_entries(cls, inputs: Mapping[str, Any]) -> Iterator[TrustEntry]:
        for provider, fields in provider_fields(inputs):
            yield provider, provider, fields

    def describe(self, model: TrustPolicyArgs | TrustPolicyState) -> str:
        return f"{_summary(*provider_of(model))} in project {model.project_id}"

    def create_resource(self, client: DepotClient, args: TrustPolicyArgs) -> tuple[str, TrustPolicyState]:
        if args.import_id:
            return self._adopt(client, args)
        policy = self._add_exactly_once(client, args)
        return policy.trust_policy_id, policy_state(policy, args.project_id)

    def read_resource(self, client: DepotClient, id_: str, state: TrustPolicyState) -> TrustPolicyState | None:
        for policy in client.list_trust_policies(state.project_id):
            if policy.trust_policy_id == id_:
                return policy_state(policy, state.project_id, state.import_id)
        return None

    def update_resource(
        self, client: DepotClient, id_: str, old: TrustPolicyState, new: TrustPolicyArgs, diff: PropertyDiff
    ) -> TrustPolicyState:
        # Every input replaces the policy, so the engine never asks for an in-place update of one that changed.
        return old

    def delete_resource(self, client: DepotClient, id_: str, state: TrustPolicyState) -> None:
        client.remove_trust_policy(state.project_id, id_)

    def find(self, client: DepotClient, id_: str) -> Found | None:
        project_id, policy_id = within_project(id_, "trust policy")
        try:
            found = [p for p in client.list_trust_policies(project_id) if p.trust_policy_id == policy_id]
        except NotFound:
            return None
        if not found:
            return None
        state = policy_state(found[0], project_id)
        kind, fields = live_fields(found[0])
        inputs: dict[str, Any] = {"project_id": project_id, kind: fields}
        return policy_id, {**state.outputs(), DECLARED_INPUTS: declared_paths(TrustPolicyArgs, inputs)}, inputs

    def _adopt(self, client: DepotClient, args: TrustPolicyArgs) -> tuple[str, TrustPolicyState]:
        existing = {p.trust_policy_id: p for p in client.list_trust_policies(args.project_id)}
        policy = existing.get(args.import_id or "")
        if policy is None:
            raise DepotResourceError(
                f"import_id {args.import_id!r}: project {args.project_id} has no trust policy with this id "
                f"(it has: {', '.join(existing) or 'none'}); remove import_id to create a new policy"
            )
        live = policy_state(policy, args.project_id, args.import_id)
        if not matches(policy, args, letter_case=True):
            raise DepotResourceError(
                f"import_id {args.import_id!r} is {_summary(*provider_of(live))}, not the declared "
                f"{_summary(*provider_of(args))}; trust policies cannot change in place: declare the existing "
                "values to adopt it, or remove import_id to create a new policy"
            )
        say.info(f"{self.label} {self.describe(args)}: adopted trust policy {policy.trust_policy_id}")
        return policy.trust_policy_id, live

    def _add_exactly_once(self, client: DepotClient, args: TrustPolicyArgs) -> pb.TrustPolicy:
        """AddTrustPolicy, never duplicating a policy. An identical policy that already exists is recovered when an
        interrupted create of this resource left it (create journal), and refused otherwise: an orphan policy
        keeps granting build access. After an ambiguous failure, a policy with the declared provider fields that
        was not there before the call is ours (extra ones are removed)."""
        label = f"{self.label} {self.describe(args)}"
        kind, fields = provider_of(args)
        given = message(kind, fields.model_dump())
        claim: Claim[pb.TrustPolicy] = Claim(
            owner=self.owner,
            kind="trust policy",
            identity={"project_id": args.project_id, "policy": policy_key(kind, fields.model_dump())},
            label=label,
            same=f"{_summary(kind, fields)} in project {args.project_id} (names compared case-insensitively)",
            id_of=lambda policy: policy.trust_policy_id,
            remove=lambda policy: client.remove_trust_policy(args.project_id, policy.trust_policy_id),
            adopt=lambda policy_id: self.adopt_fix(policy_id, within=args.project_id),
            journal=self.session.journal,
        )
        known = client.ledger.trust_policies(args.project_id)
        live = client.list_trust_policies(args.project_id) if known is None else known
        recovered = recover_or_refuse(claim, [p for p in live if matches(p, args)])
        if recovered is not None:
            return recovered
        before = {p.trust_policy_id for p in live}
        claim.begin(before)
        policy = create_exactly_once(
            lambda: client.add_trust_policy(args.project_id, **{kind: given}),
            appeared=lambda: [
                p
                for p in client.list_trust_policies(args.project_id)
                if p.trust_policy_id not in before and matches(p, args)
            ],
            remove=claim.remove,
            name_of=lambda policy: f"trust policy {policy.trust_policy_id}",
            label=label,
        )
        claim.answered(policy.trust_policy_id)
        return policy


def __getattr__(name: str) -> Any:
    """TrustPolicyProvider, the dynamic provider class users' state names, made by the dynamic front end (PEP 562)."""
    return stored_provider(__name__, name)
