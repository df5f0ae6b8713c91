"""What a runner operation did (or, in preview, would do), printable like Pulumi's listing (TEST TOOLING)."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any, Final, Literal

from pydantic import BaseModel, ConfigDict

from .props import UNKNOWN, Secret

Operation = Literal["preview", "up", "refresh", "destroy"]
Op = Literal["create", "update", "replace", "delete", "same"]

_SYMBOLS: Final[dict[Op, str]] = {"create": "+", "update": "~", "replace": "+-", "delete": "-", "same": " "}
_DONE: Final[dict[Op, str]] = {
    "create": "created",
    "update": "updated",
    "replace": "replaced",
    "delete": "deleted",
    "same": "unchanged",
}
_PLANNED: Final[dict[Op, str]] = {
    "create": "to create",
    "update": "to update",
    "replace": "to replace",
    "delete": "to delete",
    "same": "unchanged",
}
_TITLES: Final[dict[Operation, str]] = {
    "preview": "Previewing update",
    "up": "Updating",
    "refresh": "Refreshing",
    "destroy": "Destroying",
}


class Step(BaseModel):
    """One resource's step. ``changed``: the property names that differ (update, replace, refresh);
    ``replace_keys``: those that forced a replacement; ``retained``: deleted from state only (retain_on_delete);
    ``delete_before_replace``: the old resource was deleted before its replacement was created."""

    model_config = ConfigDict(frozen=True)

    op: Op
    urn: str
    type: str
    name: str
    custom: bool = True
    changed: list[str] = []
    replace_keys: list[str] = []
    delete_before_replace: bool = False
    retained: bool = False


class Summary(BaseModel):
    model_config = ConfigDict(arbitrary_types_allowed=True)

    operation: Operation
    project: str
    stack: str
    steps: list[Step] = []
    outputs: dict[str, Any] = {}
    """Stack outputs (``Secret`` for secrets; ``UNKNOWN`` in preview for values not known yet)."""

    def counts(self) -> dict[Op, int]:
        return dict(Counter(step.op for step in self.steps))

    @property
    def changes(self) -> bool:
        """Whether anything was (or, in preview, would be) created, updated, replaced or deleted."""
        return any(step.op != "same" for step in self.steps)

    def step(self, name: str, op: Op | None = None) -> Step:
        """The one step for the resource named ``name`` (and ``op`` if given); KeyError if none or several."""
        found = [s for s in self.steps if s.name == name and (op is None or s.op == op)]
        if len(found) != 1:
            raise KeyError(f"{len(found)} steps for a resource named {name!r}" + (f" with op {op}" if op else ""))
        return found[0]

    def ops(self) -> dict[str, Op]:
        """Resource name -> op (a create-before-delete replacement is one ``replace`` step; deleting its old half
        is part of it)."""
        return {step.name: step.op for step in self.steps}

    def render(self) -> str:
        """A Pulumi-like listing: one line per resource, then the stack outputs and the counts."""
        lines = [f"{_TITLES[self.operation]} ({self.stack}) of {self.project} [engine-shaped test runner, not Pulumi]:"]
        type_width = max((len(step.type) for step in self.steps), default=0)
        for step in self.steps:
            line = f" {_SYMBOLS[step.op]:<2} {step.op:<8} {step.type:<{type_width}}  {step.name}{_detail(step)}"
            lines.append(line.rstrip())
        if self.outputs:
            lines.append("Outputs:")
            lines.extend(f"    {key}: {_show(value)}" for key, value in sorted(self.outputs.items()))
        lines.append("Resources:")
        words = _PLANNED if self.operation == "preview" else _DONE
        counts = self.counts()
        for op in ("create", "update", "replace", "delete", "same"):
            if counts.get(op):
                symbol = _SYMBOLS[op].strip()
                lines.append(f"    {symbol + ' ' if symbol else ''}{counts[op]} {words[op]}")
        if not self.steps:
            lines.append("    no resources")
        return "\n".join(lines)


def _detail(step: Step) -> str:
    parts = []
    if step.changed:
        parts.append("diff: " + ", ".join(step.changed))
    if step.replace_keys:
        parts.append("replace: " + ", ".join(step.replace_keys))
    if step.delete_before_replace:
        parts.append("delete before replace")
    if step.retained:
        parts.append("retained: deleted from state only")
    return f"  [{'; '.join(parts)}]" if parts else ""


def _show(value: Any) -> str:
    if isinstance(value, Secret):
        return "[secret]"
    if value is UNKNOWN:
        return "[unknown]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{json.dumps(k)}: {_show(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_show(v) for v in value) + "]"
    return json.dumps(value)
