"""depot:TrustPolicySet — every trust policy of one project, as one authoritative, order-insensitive list.

Each policy is named by its key: `github:<owner>/<repo>`, `buildkite:<org slug>/<pipeline slug>` or
`circleci:<org UUID>/<project UUID>`. Create adopts live policies that match a declared entry, adds the missing
ones and removes every other policy of the project; update adds and removes only what differs; diff compares the
declared list with the project's LIVE policies (so a policy added by hand shows up at preview, without a refresh)
and logs one line per policy it would add or remove; read returns the live set, so refresh records a hand-added
policy as drift and the next up removes it. Delete removes the policies the set holds.

Pulumi's Python dynamic provider host cannot send a detailed diff (its DiffResponse has no detailedDiff), so the
per-policy view reaches the preview another way: check adds `granted`, a map keyed by policy key, to the inputs;
the engine's display diffs maps key by key (`+ github:acme/web`, `- buildkite:acme/deploy`), one line each.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Annotated, Any, Self

from pydantic import BeforeValidator, Field, Strict, ValidationError, model_validator

from pulumi_depot_provider import say
from pulumi_depot_provider.client import DepotClient, DepotError, NotFound
from pulumi_depot_provider.guardrail import GuardedTrust, TrustEntry, policy_key, provider_fields
from pulumi_depot_provider.proto import pb
from pulumi_depot_provider.resources.core import Checked, Created, Found, Read
from pulumi_depot_provider.resources.diffs import Detail, DetailKind, Diff, key_path
from pulumi_depot_provider.resources.exactly_once import create_exactly_once
from pulumi_depot_provider.resources.fields import (
    REPLACES,
    UPDATES,
    CrossFieldError,
    InputModel,
    OutputModel,
    Text,
    a_list,
    printable,
)
from pulumi_depot_provider.resources.stored import stored_provider
from pulumi_depot_provider.resources.trust_kinds import KINDS, message, one_of, one_policy
from pulumi_depot_provider.resources.trust_policy import PROVIDERS, live_fields
from pulumi_depot_provider.resources.values import DepotResourceError, check_failures, unknown_paths

COMPUTED_INPUTS = ("granted",)
LABELS = {kind.name: kind.trusts for kind in KINDS.values()}

if TYPE_CHECKING:  # the kinds' fields, from the table, are pydantic's (trust_kinds.with_kinds)
    _EntryKinds = InputModel
else:
    _EntryKinds = one_policy(InputModel)


class TrustPolicyEntry(_EntryKinds):
    """One trust policy of a set: exactly one of github, buildkite or circleci."""

    @model_validator(mode="after")
    def _one_provider(self) -> Self:
        given = [name for name in PROVIDERS if getattr(self, name) is not None]
        if len(given) != 1:
            reason = (
                f"no trust provider set: set exactly one of {one_of()}"
                if not given
                else f"{' and '.join(given)} are both set; an entry is one policy: split it into one entry each"
            )
            raise CrossFieldError(given[1] if given else PROVIDERS[0], reason, PROVIDERS)
        return self

    def kind_and_fields(self) -> tuple[str, dict[str, str]]:
        kind = next(name for name in PROVIDERS if getattr(self, name) is not None)
        return kind, getattr(self, kind).model_dump()

    def key(self) -> str:
        return policy_key(*self.kind_and_fields())

    def identity(self) -> str:
        """What two entries that are one policy share: the key compared case-insensitively (GitHub names are
        case-insensitive, Buildkite slugs lowercase, UUIDs hexadecimal)."""
        return self.key().casefold()


class TrustPolicySetArgs(InputModel):
    """Every trust policy of one Depot project, as one list: creating the set adopts the project's policies that
    match an entry (no import id needed), adds the missing ones and removes every other policy; a policy added by
    hand later shows at the next preview and is removed by the next up. Changing the list adds and removes only
    the policies that differ."""

    resource_inputs = True

    project_id: Annotated[Text, REPLACES] = Field(description="The project whose trust policies the set owns.")
    policies: Annotated[
        list[TrustPolicyEntry], BeforeValidator(a_list("trust policy entries ([] removes them all)")), Strict(), UPDATES
    ] = Field(
        description="The project's trust policies, in any order, each at most once. An explicit empty list [] means "
        "the project has no trust policy: every existing one is removed. Anything but a list (a string, a mapping, "
        "null) is refused, never read as an empty set."
    )

    @classmethod
    def rule_errors(cls, data: Mapping[str, Any]) -> list[CrossFieldError]:
        """Duplicates, found in the raw entries so they are reported even while project_id is unknown."""
        policies = data.get("policies")
        keys = [_raw_key(entry) for entry in (policies if isinstance(policies, list) else [])]
        for first, index, _ in repeats(key.casefold() if key else None for key in keys):
            reason = (
                f"{printable(keys[index] or '', 200)} is declared twice (policies[{first}] and policies[{index}], "
                "compared case-insensitively); a set holds each policy once: remove one"
            )
            return [CrossFieldError(f"policies[{index}]", reason, ("policies",))]
        return []


def _raw_key(entry: Any) -> str | None:
    """The key of a raw entry, None unless it is one complete policy (its own errors say why)."""
    declared = list(provider_fields(entry))
    if len(declared) != 1 or not all(isinstance(value, str) for value in declared[0][1].values()):
        return None
    return policy_key(*declared[0])


def repeats(keys: Iterable[str | None]) -> Iterator[tuple[int, int, str]]:
    """(index of the first, index, key) for every key an earlier one already had; None is no key."""
    first_seen: dict[str, int] = {}
    for index, key in enumerate(keys):
        if key is None:
            continue
        if key in first_seen:
            yield first_seen[key], index, key
        else:
            first_seen[key] = index


class TrustPolicySetState(OutputModel):
    """The project's trust policies as Depot has them."""

    project_id: str
    policies: list[TrustPolicyEntry] = Field(description="The project's trust policies (sorted by key).")
    granted: dict[str, str] = Field(
        description="Policy key (github:owner/repo, buildkite:org/pipeline, circleci:org-uuid/project-uuid) -> "
        "what it trusts; one entry per policy, so a diff names each added or removed policy on its own line."
    )
    policy_ids: dict[str, str] = Field(description="Policy key -> Depot's trust policy id.")
    changes: list[str] = Field([], description="What the last create or update did, one policy per line.")
    drift: list[str] = Field([], description="What the last refresh found changed outside Pulumi, one policy per line.")


def describe(kind: str, fields: Mapping[str, Any]) -> str:
    first, second = list(fields.values())[:2]
    return f"{LABELS[kind]} {first}/{second}"


def live_key(policy: pb.TrustPolicy) -> str:
    return policy_key(*live_fields(policy))


def canonical(entries: Sequence[TrustPolicyEntry]) -> list[TrustPolicyEntry]:
    return sorted(entries, key=lambda entry: entry.key())


def granted(entries: Sequence[TrustPolicyEntry]) -> dict[str, str]:
    return {entry.key(): describe(*entry.kind_and_fields()) for entry in canonical(entries)}


@dataclass
class Plan:
    """What reconciling the live policies with the declared ones takes."""

    kept: dict[str, pb.TrustPolicy] = field(default_factory=dict)
    added: list[TrustPolicyEntry] = field(default_factory=list)
    removed: list[pb.TrustPolicy] = field(default_factory=list)

    def lines(self) -> list[str]:
        return [
            *(f"- {live_key(p)} (id {p.trust_policy_id}): remove, not declared" for p in self.removed),
            *(f"+ {entry.key()}: add" for entry in self.added),
        ]


def plan(declared: Sequence[TrustPolicyEntry], live: Sequence[pb.TrustPolicy], owned: Mapping[str, str]) -> Plan:
    """Keep one live policy per declared key (the one the set already holds, if it is still there), remove every
    other live policy, add the declared keys that have none."""
    wanted = {entry.key(): entry for entry in declared}
    held = set(owned.values())
    result = Plan()
    for policy in sorted(live, key=lambda p: p.trust_policy_id not in held):
        key = live_key(policy)
        if key in wanted and key not in result.kept:
            result.kept[key] = policy
        else:
            result.removed.append(policy)
    result.added = [entry for key, entry in sorted(wanted.items()) if key not in result.kept]
    return result


def state_of(project_id: str, live: Sequence[pb.TrustPolicy], **extra: Any) -> TrustPolicySetState:
    """The set's state from live policies; a key held several times is recorded once (the first id)."""
    entries: dict[str, TrustPolicyEntry] = {}
    ids: dict[str, str] = {}
    for policy in live:
        kind, fields = live_fields(policy)
        entry = TrustPolicyEntry.model_validate({kind: fields})
        entries.setdefault(entry.key(), entry)
        ids.setdefault(entry.key(), policy.trust_policy_id)
    ordered = canonical(list(entries.values()))
    return TrustPolicySetState(
        project_id=project_id,
        policies=ordered,
        granted=granted(ordered),
        policy_ids=dict(sorted(ids.items())),
        **extra,
    )


class TrustPolicySetResource(GuardedTrust[TrustPolicySetArgs, TrustPolicySetState]):
    """depot:TrustPolicySet. Its dynamic provider class, in users' state, is this module's TrustPolicySetProvider."""

    type_token = "depot:TrustPolicySet"
    args_model = TrustPolicySetArgs
    state_model = TrustPolicySetState
    id_form = "its project's id"

    def describe(self, model: TrustPolicySetArgs | TrustPolicySetState) -> str:
        return f"of project {model.project_id}"

    @classmethod
    def trust_entries(cls, inputs: Mapping[str, Any]) -> Iterator[TrustEntry]:
        policies = inputs.get("policies")
        if not isinstance(policies, list):
            return
        for index, entry in enumerate(policies):
            for provider, fields in provider_fields(entry):
                yield f"policies[{index}].{provider}", provider, fields

    # -- the engine's calls --

    def check(self, olds: Mapping[str, Any], news: Mapping[str, Any]) -> Checked:
        # `granted` is computed here from policies; a value from an earlier check is never the user's.
        result = super().check(olds, {k: v for k, v in news.items() if k not in COMPUTED_INPUTS})
        if result.failures or unknown_paths(result.inputs.get("policies")):
            return result
        entries = [TrustPolicyEntry.model_validate(entry) for entry in result.inputs["policies"]]
        inputs = {
            **result.inputs,
            "policies": [entry.declared() for entry in canonical(entries)],
            "granted": granted(entries),
        }
        return Checked(inputs, [])

    def diff(self, id_: str, olds: Mapping[str, Any], news: Mapping[str, Any], detailed: bool = False) -> Diff:
        """The diff compares the declared list with the project's live policies; its detail names each policy
        key the set gains (add) or loses (delete), from that reconciliation and from what the state recorded."""
        with self.one_line("diff", f"(id {id_})"):
            result, steps = self._diff_with_plan(id_, olds, news)
        if not detailed:
            return result
        detail = policy_set_details(result.replaces, steps, olds, news) if result.changes else {}
        return Diff(result.changes, result.replaces, result.delete_before_replace, detail)

    def _diff_with_plan(self, id_: str, old: Mapping[str, Any], new: Mapping[str, Any]) -> tuple[Diff, Plan | None]:
        """The diff, and the reconciliation it is based on: None when the project changes, is not known yet or is
        gone."""
        project_id = new.get("project_id")
        if unknown_paths(project_id) or project_id != old.get("project_id"):
            return Diff(changes=True, replaces=["project_id"]), None
        if unknown_paths(new.get("policies")):
            return Diff(changes=True), None
        declared = self._declared(new, "diff")
        state = self.state(id_, old, "diff")
        try:
            live = self.client().list_trust_policies(declared.project_id)
        except NotFound:
            return Diff(changes=True), None
        steps = plan(declared.policies, live, state.policy_ids)
        for line in steps.lines():
            say.info(f"{self.label} {self.describe(declared)}: {line}")
        recorded = set(state.granted) != {entry.key() for entry in declared.policies}
        return Diff(changes=bool(steps.added or steps.removed or recorded)), steps

    def create(self, props: Mapping[str, Any]) -> Created:
        args = self._declared(props, "create")
        with self.one_line("create", self.describe(args)):
            state = self.reconcile(self.client(), args, owned={}, adopting=True)
            return Created(args.project_id, state.outputs())

    def update(self, id_: str, olds: Mapping[str, Any], news: Mapping[str, Any]) -> dict[str, Any]:
        old = self.state(id_, olds, "update")
        args = self._declared(news, "update")
        with self.one_line("update", self.describe(args)):
            return self.reconcile(self.client(), args, owned=old.policy_ids).outputs()

    def read(self, id_: str, props: Mapping[str, Any]) -> Read:
        old = self.state(id_, props, "read")
        with self.one_line("read", self.describe(old)):
            try:
                live = self.client().list_trust_policies(old.project_id)
            except NotFound:
                return Read("")
            state = state_of(old.project_id, live, changes=old.changes)
            state.drift = drift(old, state, live)
            return Read(id_, state.outputs(), declared_inputs(state))

    def find(self, client: DepotClient, id_: str) -> Found | None:
        try:
            state = state_of(id_, client.list_trust_policies(id_))
        except NotFound:
            return None
        return id_, state.outputs(), declared_inputs(state)

    def delete_resource(self, client: DepotClient, id_: str, state: TrustPolicySetState) -> None:
        for key, policy_id in state.policy_ids.items():
            try:
                client.remove_trust_policy(state.project_id, policy_id)
            except NotFound:
                continue  # already gone (or the project is): what delete asks for
            say.info(f"{self.label} {self.describe(state)}: - {key} (id {policy_id}): removed")

    # -- reconciling --

    def reconcile(
        self, client: DepotClient, args: TrustPolicySetArgs, owned: Mapping[str, str], adopting: bool = False
    ) -> TrustPolicySetState:
        """Make the project's live policies exactly the declared ones; the state lists what it did."""
        project_id = args.project_id
        # A project this client created holds what the client's ledger recorded (client/ledger.py): no listing.
        known = client.ledger.trust_policies(project_id)
        steps = plan(args.policies, client.list_trust_policies(project_id) if known is None else known, owned)
        changes = [f"= {key} (id {p.trust_policy_id}): adopted" for key, p in steps.kept.items()] if adopting else []
        # Removing first: if adding fails half-way, the project trusts less than declared, never more.
        for policy in steps.removed:
            self._remove(client, project_id, policy)
            changes.append(f"- {live_key(policy)} (id {policy.trust_policy_id}): removed, not declared")
        held = list(steps.kept.values())
        for entry in steps.added:
            added = self._add_exactly_once(client, project_id, entry)
            held.append(added)
            changes.append(f"+ {entry.key()} (id {added.trust_policy_id}): added")
        for line in changes:
            say.info(f"{self.label} {self.describe(args)}: {line}")
        # The set now holds what it kept and what it added (AddTrustPolicy returns each): no second listing. A
        # policy someone adds meanwhile is not recorded as declared; the next diff shows it for removal.
        return state_of(project_id, held, changes=sorted(changes, key=_by_key))

    def _remove(self, client: DepotClient, project_id: str, policy: pb.TrustPolicy) -> None:
        try:
            client.remove_trust_policy(project_id, policy.trust_policy_id)
        except NotFound:
            pass  # removed meanwhile: the outcome asked for
        except DepotError as error:
            gone = policy.trust_policy_id not in {p.trust_policy_id for p in client.list_trust_policies(project_id)}
            if not (error.ambiguous and gone):
                raise

    def _add_exactly_once(self, client: DepotClient, project_id: str, entry: TrustPolicyEntry) -> pb.TrustPolicy:
        """AddTrustPolicy, retried after an ambiguous failure only once it is clear nothing was added: the plan
        added this key because no live policy had it, so a policy with it now is ours (extra copies are removed)."""
        key = entry.key()
        kind, fields = entry.kind_and_fields()
        return create_exactly_once(
            lambda: client.add_trust_policy(project_id, **{kind: message(kind, fields)}),
            appeared=lambda: [p for p in client.list_trust_policies(project_id) if live_key(p) == key],
            remove=lambda policy: client.remove_trust_policy(project_id, policy.trust_policy_id),
            name_of=lambda policy: f"trust policy {policy.trust_policy_id}",
            label=f"{self.label} of project {project_id}: {key}",
        )

    # -- plumbing --

    def _declared(self, props: Mapping[str, Any], operation: str) -> TrustPolicySetArgs:
        inputs = {k: v for k, v in props.items() if k not in COMPUTED_INPUTS}
        with self.one_line(operation, ""):
            try:
                return TrustPolicySetArgs.model_validate(inputs)
            except ValidationError as error:
                problems = "; ".join(f"{f.property}: {f.reason}" for f in check_failures(TrustPolicySetArgs, error, []))
                raise DepotResourceError(f"invalid inputs: {problems}") from None


def declared_inputs(state: TrustPolicySetState) -> dict[str, Any]:
    """The inputs a program declares to hold the set as it is."""
    return {
        "project_id": state.project_id,
        "policies": [entry.declared() for entry in state.policies],
        "granted": state.granted,
    }


def policy_set_details(
    replaces: Iterable[str], steps: Plan | None, olds: Mapping[str, Any], news: Mapping[str, Any]
) -> Detail:
    """One entry per policy key that the set gains (add) or loses (delete), from the reconciliation with Depot's
    live policies and from what the state recorded; a key kept but held twice in Depot is an update."""
    if steps is None:
        return {name: DetailKind.UPDATE_REPLACE for name in replaces} or {"policies": DetailKind.UPDATE}
    recorded, declared = set(olds.get("granted") or {}), set(news.get("granted") or {})
    lost = {live_key(policy) for policy in steps.removed} | (recorded - declared)
    gained = {entry.key() for entry in steps.added} | (declared - recorded)
    detail: Detail = {}
    for key in sorted(lost | gained):
        change = DetailKind.ADD if key in gained else DetailKind.UPDATE if key in declared else DetailKind.DELETE
        detail[key_path("granted", key)] = change
    return detail


def drift(old: TrustPolicySetState, new: TrustPolicySetState, live: Sequence[pb.TrustPolicy]) -> list[str]:
    """What changed in Depot since the state was recorded, one policy per line."""
    lines = [
        f"+ {key} (id {new.policy_ids[key]}): added outside Pulumi; the next up removes it"
        for key in sorted(set(new.granted) - set(old.granted))
    ]
    lines += [
        f"- {key}: removed outside Pulumi; the next up adds it again"
        for key in sorted(set(old.granted) - set(new.granted))
    ]
    copies: dict[str, int] = {}
    for policy in live:
        copies[live_key(policy)] = copies.get(live_key(policy), 0) + 1
    lines += [
        f"+ {key}: {count} copies; the next up removes {count - 1}"
        for key, count in sorted(copies.items())
        if count > 1
    ]
    return sorted(lines, key=_by_key)


def _by_key(line: str) -> str:
    return line[2:]


def __getattr__(name: str) -> Any:
    """TrustPolicySetProvider, the dynamic provider class users' state names, made by the dynamic front end."""
    return stored_provider(__name__, name)
