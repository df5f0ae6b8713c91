"""Who declares a project's trust policies in this program: a TrustPolicySet owns all of them, so a project with a
set may have no other set and no plain TrustPolicy.

Depot keeps no owner on a trust policy, so the provider cannot tell a policy a TrustPolicy added from one added by
hand: a set would remove it on every up while the TrustPolicy added it back after each refresh. The program is the
one place that sees both, so the rule is enforced here, as early as the project's id is known:

- the same literal id, or the same Output object (``project.id`` passed to both), is rejected when the second
  resource is constructed -- at preview, before anything is registered for it;
- different Outputs are compared once their values are known: at preview for existing projects (their ids are
  known then), otherwise during up, when the id resolves; the second claimant's project_id then fails, so that
  resource is never registered.

Not detected: claims made in different programs or stacks on the same project, and a TrustPolicy whose
project_id is an Output that only resolves after the set is registered (e.g. derived from the set's own outputs).
"""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any, cast

import pulumi
from pulumi.runtime.settings import get_root_resource

SET = "TrustPolicySet"


class TrustOwnershipError(pulumi.RunError):
    """Two resources claim one project's trust policies in a way that cannot work (reported without a traceback)."""


@dataclass(frozen=True)
class Claim:
    kind: str  # "TrustPolicySet" or "TrustPolicy"
    name: str

    def conflicts_with(self, other: Claim) -> bool:
        return SET in (self.kind, other.kind)

    def describe(self) -> str:
        return f"depot.{self.kind} {self.name!r}"


@dataclass
class _Registry:
    root: Any
    by_value: dict[str, list[Claim]] = field(default_factory=dict)
    by_output: list[tuple[object, Claim]] = field(default_factory=list)

    def add_value(self, claim: Claim, project_id: str) -> str:
        _refuse(claim, f"project {project_id}", self.by_value.get(project_id, []))
        self.by_value.setdefault(project_id, []).append(claim)
        return project_id

    def add_output(self, claim: Claim, project_id: object) -> None:
        same = [other for output, other in self.by_output if output is project_id]
        _refuse(claim, "one project (the same project_id Output)", same)
        self.by_output.append((project_id, claim))


_REGISTRY: ContextVar[_Registry | None] = ContextVar("pulumi_depot_trust_claims", default=None)


def claim_project(kind: str, name: str, project_id: pulumi.Input[str]) -> pulumi.Input[str]:
    """Record that resource ``name`` of ``kind`` declares trust policies of ``project_id``; raise
    TrustOwnershipError now if that is already known to conflict. Returns the project_id to register: an Output
    that fails if a conflict shows once its value is known."""
    registry = _REGISTRY.get()
    root = get_root_resource()
    if registry is None or registry.root is not root:
        registry = _Registry(root)
        _REGISTRY.set(registry)
    claim = Claim(kind, name)
    if isinstance(project_id, str):
        return registry.add_value(claim, project_id)
    registry.add_output(claim, project_id)  # the caller's object: Output.from_input wraps it in a new one
    return pulumi.Output.from_input(cast(pulumi.Output[str], project_id)).apply(
        lambda value: registry.add_value(claim, value) if isinstance(value, str) else value
    )


def _refuse(claim: Claim, project: str, others: list[Claim]) -> None:
    conflicting = [other for other in others if claim.conflicts_with(other)]
    if not conflicting:
        return
    other = conflicting[0]
    raise TrustOwnershipError(
        f"{claim.describe()} and {other.describe()} both declare trust policies of {project}: a "
        "TrustPolicySet owns every trust policy of its project and removes any it does not list. Move the "
        "policies into the one TrustPolicySet's `policies` (or use only plain TrustPolicy resources)"
    )
