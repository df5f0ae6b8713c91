"""A Pulumi program declared by data, for the runner's tests: change the data between runs the way a user edits
a program between ``up``s."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pulumi
from programs.inputs_diff_provider import InputsDiffRecord
from sample_provider import Record


@dataclass
class Decl:
    """One resource. ``note_from`` feeds another resource's ``recordId`` into ``note`` (a real dependency);
    ``parent`` names a component declared in ``SpecProgram.components``; ``inputs_diff`` picks the provider
    whose diff leaves the comparison to the engine."""

    props: dict[str, Any] = field(default_factory=dict)
    options: dict[str, Any] = field(default_factory=dict)
    note_from: str | None = None
    parent: str | None = None
    inputs_diff: bool = False


@dataclass
class SpecProgram:
    records: dict[str, Decl] = field(default_factory=dict)
    components: list[str] = field(default_factory=list)
    exports: dict[str, Any] = field(default_factory=dict)
    """Stack outputs: a value, or ``("recordId", name)`` for a record's output."""

    def __call__(self) -> None:
        parents = {name: pulumi.ComponentResource("sample:index:Group", name) for name in self.components}
        made: dict[str, Record | InputsDiffRecord] = {}
        for name, decl in self.records.items():
            props = {"name": name, **decl.props}
            if decl.note_from is not None:
                props["note"] = made[decl.note_from].recordId
            options = dict(decl.options)
            if decl.parent is not None:
                options["parent"] = parents[decl.parent]
            kind = InputsDiffRecord if decl.inputs_diff else Record
            made[name] = kind(name, props, pulumi.ResourceOptions(**options))
        for key, value in self.exports.items():
            if isinstance(value, tuple) and value[0] == "recordId":
                pulumi.export(key, made[value[1]].recordId)
            else:
                pulumi.export(key, value)
