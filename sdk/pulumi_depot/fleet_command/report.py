"""The fleet's review summary, from the engine events of every shard's stack.

Per tenant: what the operation did (or, in a preview, would do) to it: created, updated, replaced, deleted, or
nothing. Fleet-wide: every trust policy granted or revoked, keyed as everywhere else (`github:acme/app`), with the
allowlist's verdict; policies the allowlist refused (the provider's check failure names them); and each failed
shard with its errors. Events carry no secret value (the engine masks them), and the report keeps only
operations, URNs, policy keys and messages.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from pulumi import automation as auto
from pulumi_depot_provider.allowlist import refused_keys
from pulumi_depot_provider.resources.fields import printable as shown_line

from pulumi_depot.fleet import tenant_logical_name

TENANT_TYPE: Final = "depot:index:TenantProject"
_REPLACING: Final = {"replace", "create-replacement", "delete-replaced", "discard-replaced"}
_CHANGING: Final = {"create", "update", "delete", "import", *_REPLACING}
_COMPONENT_URN: Final = re.compile(rf"(?:::|\$){re.escape(TENANT_TYPE)}::[^:]+$")
_GRANTED_PATH: Final = re.compile(r'^granted\["((?:[^"\\]|\\.)*)"\]$')
TENANT_PREFIX: Final = tenant_logical_name("")

DRY_RUN_OPERATIONS: Final = frozenset({"preview"})


def printable(text: str, limit: int = 2000) -> str:
    """Engine and provider messages for a terminal, line by line through the input rules' `printable` (control,
    bidi and invisible characters escaped), the line breaks of a multi-line diagnostic kept, long text cut."""
    shown = "\n".join(shown_line(line, limit) for line in text.splitlines())
    return shown if len(shown) <= limit else f"{shown[:limit]}... ({len(shown) - limit} more characters cut)"


def urn_name(urn: str) -> str:
    return urn.rsplit("::", 1)[-1]


def _kind(type_token: str) -> str:
    """`TrustPolicySet`, `Project`, ... of a dynamic (`pulumi-python:dynamic/depot:X`) or native (`depot:index:X`)
    resource type."""
    return type_token.rsplit(":", 1)[-1]


@dataclass
class Step:
    op: str
    type: str
    tenant: str | None
    old: Any
    new: Any
    detailed_diff: Mapping[str, Any] | None
    done: bool = False
    failed: bool = False


@dataclass
class ShardEvents:
    """What one shard's operation reported, collected from ``on_event`` (called on the Automation API's thread)."""

    shard: str
    steps: dict[str, Step] = field(default_factory=dict)
    errors: list[tuple[str | None, str]] = field(default_factory=list)
    """(URN or None, message) of every error diagnostic."""
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def progress(self) -> tuple[int, int]:
        """(resources done or failed, resources seen), safe to read while events arrive."""
        with self._lock:
            return sum(1 for step in self.steps.values() if step.done or step.failed), len(self.steps)

    def __call__(self, event: auto.EngineEvent) -> None:
        with self._lock:
            self._record(event)

    def _record(self, event: auto.EngineEvent) -> None:
        if event.resource_pre_event is not None:
            meta = event.resource_pre_event.metadata
            if meta.type.startswith("pulumi:"):  # the stack, providers
                return
            op = meta.op.value
            previous = self.steps.get(meta.urn)
            if previous is not None and (previous.op in _REPLACING or op in _REPLACING):
                op = "replace"
            self.steps[meta.urn] = Step(
                op=op,
                type=meta.type,
                tenant=_tenant_of(meta),
                old=meta.old if previous is None else previous.old,
                new=meta.new if meta.new is not None or previous is None else previous.new,
                detailed_diff=meta.detailed_diff or (previous.detailed_diff if previous else None),
            )
        elif event.res_outputs_event is not None:
            meta = event.res_outputs_event.metadata
            step = self.steps.get(meta.urn)
            if step is not None:
                step.done = True
                if meta.new is not None:  # a refresh's pre-event holds the old state twice; this holds what it read
                    step.new = meta.new
        elif event.res_op_failed_event is not None:
            step = self.steps.get(event.res_op_failed_event.metadata.urn)
            if step is not None:
                step.failed = True
        elif event.diagnostic_event is not None and event.diagnostic_event.severity == "error":
            diagnostic = event.diagnostic_event
            self.errors.append((diagnostic.urn or None, printable(diagnostic.message.strip())))
            if diagnostic.urn and diagnostic.urn in self.steps:
                self.steps[diagnostic.urn].failed = True


def _tenant_of(meta: Any) -> str | None:
    state = meta.new or meta.old
    if meta.type == TENANT_TYPE:
        name = urn_name(meta.urn)
    elif state is not None and state.parent and _COMPONENT_URN.search(state.parent):
        name = urn_name(state.parent)
    else:
        return None
    return name.removeprefix(TENANT_PREFIX) if name.startswith(TENANT_PREFIX) else None


def tenant_of_urn(urn: str | None, steps: Mapping[str, Step]) -> str | None:
    """The tenant of a URN that may have no step (a child whose check failed): its parent is the TenantProject
    whose name its own name extends (`tenant-acme` -> `tenant-acme-trust`)."""
    if urn is None:
        return None
    step = steps.get(urn)
    if step is not None:
        return step.tenant
    if f"{TENANT_TYPE}$" not in urn:
        return None
    name = urn_name(urn)
    parents = [
        urn_name(other) for other, found in steps.items() if found.type == TENANT_TYPE and found.tenant is not None
    ]
    matching = [parent for parent in parents if name.startswith(f"{parent}-")]
    best = max(matching, key=len, default=None)
    return best.removeprefix(TENANT_PREFIX) if best else None


def tenant_change(steps: list[Step], operation: str) -> str:
    """One word for what happened to a tenant: created, deleted, replaced, updated, drifted, or unchanged."""
    ops = {step.op for step in steps}
    component = next((step for step in steps if step.type == TENANT_TYPE), None)
    if operation == "refresh":
        return "drifted" if any(_drifted(step) for step in steps) else "unchanged"
    if component is not None and component.op == "create":
        return "created"
    if component is not None and component.op == "delete":
        return "deleted"
    if ops & _REPLACING:
        return "replaced"
    if ops & _CHANGING:
        return "updated"
    return "unchanged"


def _drifted(step: Step) -> bool:
    if step.type == TENANT_TYPE:
        return False
    if step.new is None:
        return step.old is not None
    return bool(step.old is not None and (step.old.outputs or {}) != (step.new.outputs or {}))


def _keys(state: Any, *, outputs: bool) -> set[str]:
    if state is None:
        return set()
    source = (state.outputs if outputs else state.inputs) or {}
    granted = source.get("granted")
    if not isinstance(granted, Mapping) and outputs:
        granted = (state.inputs or {}).get("granted")
    return {str(key) for key in granted} if isinstance(granted, Mapping) else set()


def _single_key(state: Any) -> str | None:
    """The key of a single TrustPolicy's inputs (`github: {repository_owner, repository}` and the like; a native
    one's camelCase names, `repositoryOwner`, as the resource code's)."""
    from pulumi_depot_provider.guardrail import policy_key, provider_fields
    from pulumi_depot_provider.native.names import to_core
    from pulumi_depot_provider.resources.trust_policy import TrustPolicyArgs

    inputs = (state.inputs if state is not None else None) or {}
    found = list(provider_fields(to_core(TrustPolicyArgs, inputs)))
    return policy_key(*found[0]) if len(found) == 1 else None


def happened(step: Step, operation: str) -> bool:
    """Whether the step counts: in a preview every planned step; otherwise only those the engine completed."""
    return not step.failed and (operation in DRY_RUN_OPERATIONS or step.done)


def policy_changes(step: Step, operation: str) -> tuple[set[str], set[str]]:
    """(granted, revoked) policy keys of one trust policy resource's step."""
    kind = _kind(step.type)
    if not happened(step, operation) or (step.op in {"same", "read"} and operation != "refresh"):
        return set(), set()
    if kind == "TrustPolicy":
        old, new = _single_key(step.old), _single_key(step.new)
        if step.op == "delete" or operation == "destroy":
            return set(), ({old} if old and not _retained(step) else set())
        if old == new:
            return set(), set()
        return ({new} if new else set()), ({old} if old else set())
    if kind != "TrustPolicySet":
        return set(), set()
    before = _keys(step.old, outputs=True)
    if step.op == "delete" or operation == "destroy":
        return set(), set() if _retained(step) else before
    after = _keys(step.new, outputs=operation == "refresh")
    granted, revoked = after - before, before - after
    for path, diff in (step.detailed_diff or {}).items():
        match = _GRANTED_PATH.match(path)
        if match is None:
            continue
        key = match[1].replace('\\"', '"').replace("\\\\", "\\")
        kind_of_diff = getattr(getattr(diff, "diff_kind", None), "value", str(diff))
        if kind_of_diff.startswith("add"):
            granted.add(key)
        elif kind_of_diff.startswith("delete"):
            revoked.add(key)
    return granted, revoked


def _retained(step: Step) -> bool:
    return bool(step.old is not None and step.old.retain_on_delete)


@dataclass(frozen=True)
class Allowlist:
    """The allowlists a shard's providers enforce (pulumi_depot_provider.allowlist): the stack config
    depot:allowedTrust and, inherited from this command's environment, DEPOT_ALLOWED_TRUST(_FILE); for the verdict
    on each policy the shard grants."""

    raw: str | None

    def verdict(self, key: str) -> str:
        from pulumi_depot_provider.allowlist import (
            ALLOWED_TRUST_KEY,
            TRUST_FIELDS,
            Source,
            environment_sources,
            parse_allowed_trust,
        )

        try:
            sources = environment_sources()
            if self.raw:
                sources.append(Source(ALLOWED_TRUST_KEY, parse_allowed_trust(self.raw, ALLOWED_TRUST_KEY)))
        except Exception as error:  # a malformed allowlist fails the shard itself; say so here too
            return f"the allowlist cannot be read: {printable(str(error), 200)}"
        if not sources:
            return "no allowlist set"
        provider, _, rest = key.partition(":")
        if provider not in TRUST_FIELDS:
            return "unknown provider"
        first, second = TRUST_FIELDS[provider]
        owner, _, name = rest.partition("/")
        refusing = [
            source.name for source in sources if not source.allowed.permits(provider, {first: owner, second: name})
        ]
        if refusing:
            return f"NOT allowed by {' and '.join(refusing)}"
        return f"allowed by {' and '.join(source.name for source in sources)}"


@dataclass
class ShardOutcome:
    shard: str
    stack: str
    tenants: list[str]
    status: str = "skipped"
    """succeeded, failed, or skipped (not run: absent stack for refresh/destroy, or not selected)."""
    seconds: float = 0.0
    error: str | None = None
    """Why it failed, when the engine's diagnostics do not say (a locked stack, a missing stack, ...)."""
    events: ShardEvents | None = None
    allowlist: Allowlist = Allowlist(None)


CHANGES: Final = ("created", "updated", "replaced", "deleted", "drifted", "unchanged")


@dataclass
class FleetReport:
    operation: str
    outcomes: list[ShardOutcome]
    seconds: float
    assigned: dict[str, str] = field(default_factory=dict)
    """Tenants given a shard by this run."""

    @property
    def failed(self) -> list[str]:
        return [outcome.shard for outcome in self.outcomes if outcome.status == "failed"]

    def tenants(self) -> dict[str, dict[str, Any]]:
        found: dict[str, dict[str, Any]] = {}
        for outcome in self.outcomes:
            if outcome.events is None:
                continue
            by_tenant: dict[str, list[Step]] = {}
            for step in outcome.events.steps.values():
                if step.tenant is not None:
                    by_tenant.setdefault(step.tenant, []).append(step)
            erring = {tenant_of_urn(urn, outcome.events.steps) for urn, _ in outcome.events.errors}
            for tenant, steps in sorted(by_tenant.items()):
                completed = [step for step in steps if happened(step, self.operation)]
                found[tenant] = {
                    "shard": outcome.shard,
                    "change": tenant_change(completed, self.operation),
                    "failed": tenant in erring or len(completed) < len(steps),
                    "resources": {
                        urn_name(urn): step.op
                        for urn, step in outcome.events.steps.items()
                        if step.tenant == tenant and step.type != TENANT_TYPE
                    },
                }
        return dict(sorted(found.items()))

    def policies(self) -> dict[str, list[dict[str, str]]]:
        granted, revoked, refused = [], [], []
        for outcome in self.outcomes:
            if outcome.events is None:
                continue
            for step in outcome.events.steps.values():
                gained, lost = policy_changes(step, self.operation)
                where = {"tenant": step.tenant or "", "shard": outcome.shard}
                granted += [{"policy": k, **where, "allowlist": outcome.allowlist.verdict(k)} for k in sorted(gained)]
                revoked += [{"policy": key, **where} for key in sorted(lost)]
            for urn, message in outcome.events.errors:
                for key in refused_keys(message):
                    tenant = tenant_of_urn(urn, outcome.events.steps) or ""
                    refused.append({"policy": key, "tenant": tenant, "shard": outcome.shard, "allowlist": "refused"})
        order = lambda entry: (entry["tenant"], entry["policy"])  # noqa: E731
        return {
            "granted": sorted(granted, key=order),
            "revoked": sorted(revoked, key=order),
            "refused": sorted(refused, key=order),
        }

    def as_json(self) -> dict[str, Any]:
        return {
            "operation": self.operation,
            "dry_run": self.operation in DRY_RUN_OPERATIONS,
            "ok": not self.failed,
            "seconds": round(self.seconds, 3),
            "failed_shards": self.failed,
            "assigned": self.assigned,
            "shards": [
                {
                    "shard": outcome.shard,
                    "stack": outcome.stack,
                    "status": outcome.status,
                    "seconds": round(outcome.seconds, 3),
                    "tenants": outcome.tenants,
                    "errors": self._errors(outcome),
                }
                for outcome in self.outcomes
            ],
            "tenants": self.tenants(),
            "trust_policies": self.policies(),
        }

    @staticmethod
    def _errors(outcome: ShardOutcome) -> list[dict[str, str | None]]:
        errors: list[dict[str, str | None]] = []
        if outcome.events is not None:
            errors += [
                {"tenant": tenant_of_urn(urn, outcome.events.steps), "urn": urn, "message": message}
                for urn, message in outcome.events.errors
            ]
        if outcome.error and not errors:
            errors.append({"tenant": None, "urn": None, "message": outcome.error})
        return errors

    def text(self) -> str:
        ran = [outcome for outcome in self.outcomes if outcome.status != "skipped"]
        failed = self.failed
        head = f"pulumi-depot fleet {self.operation}: {len(ran)} shard(s) run, {len(ran) - len(failed)} succeeded"
        head += f", {len(failed)} failed ({', '.join(failed)})" if failed else ""
        head += f", in {self.seconds:.1f} s" + (
            " (a preview: nothing was changed)" if self.operation == "preview" else ""
        )
        lines = [head]
        if self.assigned:
            lines.append(f"new tenants assigned to shards: {_listing(self.assigned)}")
        tenants = self.tenants()
        counts = {change: sorted(t for t, entry in tenants.items() if entry["change"] == change) for change in CHANGES}
        lines.append("tenants: " + ", ".join(f"{len(counts[c])} {c}" for c in CHANGES if counts[c] or c != "drifted"))
        for change in CHANGES[:-1]:
            if counts[change]:
                lines.append(f"  {change:<9} {', '.join(counts[change])}")
        failing = sorted(tenant for tenant, entry in tenants.items() if entry["failed"])
        if failing:
            lines.append(f"  {'failed':<9} {', '.join(failing)} (not all of their changes were made)")
        policies = self.policies()
        for kind, mark in (("granted", "+"), ("revoked", "-"), ("refused", "!")):
            entries = policies[kind]
            if not entries:
                continue
            lines.append(f"trust policies {kind} ({len(entries)}):")
            for entry in entries:
                verdict = f"; {entry['allowlist']}" if kind == "granted" else ""
                lines.append(f"  {mark} {entry['policy']}  (tenant {entry['tenant']}, {entry['shard']}{verdict})")
        for outcome in self.outcomes:
            if outcome.status != "failed":
                continue
            errors = self._errors(outcome) or [{"message": "failed (no diagnostic)"}]
            lines.append(f"shard {outcome.shard} (stack {outcome.stack}) failed:")
            lines += [f"  {printable(str(error['message']), 400)}" for error in errors[:5]]
        if failed:
            lines.append(f"rerun the failed shards: pulumi-depot fleet {self.operation} --only {','.join(failed)}")
        return "\n".join(lines)


def _listing(assigned: Mapping[str, str]) -> str:
    shown = [f"{tenant} -> {shard}" for tenant, shard in sorted(assigned.items())[:20]]
    more = len(assigned) - len(shown)
    return ", ".join(shown) + (f" and {more} more" if more > 0 else "")
