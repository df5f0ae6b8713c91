"""One dynamic resource driven through the real provider host, sequenced the way the engine does (test tooling).

`up` is the engine's step for one resource: Check(olds=old inputs, news) then, for an existing resource,
Diff(olds=old outputs, news=checked inputs) and Update, or a create-before-delete replacement whose inputs come
from a second Check with no old inputs, as the engine's; `refresh` is Read
(adopting the returned inputs, or forgetting the resource when the id comes back empty); `destroy` is Delete.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Literal

from dynamic_host import (
    PROVIDER_KEY,
    CheckResult,
    DiffResult,
    DynamicProviderHost,
    HostError,
    ReadResult,
    make_urn,
    mark_secret_outputs,
    provider_input,
)
from pulumi.dynamic import ResourceProvider

Step = Literal["create", "same", "update", "replace"]


class CheckFailed(AssertionError):
    def __init__(self, result: CheckResult) -> None:
        super().__init__(f"check failed: {result.failures}")
        self.result = result


class EngineResource:
    """State of one resource (id, inputs, outputs) as the engine would keep it, and the calls that change it."""

    def __init__(
        self,
        host: DynamicProviderHost,
        provider: ResourceProvider,
        type_: str,
        name: str,
        *,
        secret_outputs: Sequence[str] = (),
    ) -> None:
        self.host = host
        self.urn = make_urn(type_, name)
        self.provider = provider_input(provider)
        self.secret_outputs = list(secret_outputs)
        self.id = ""
        self.inputs: dict[str, Any] = {}
        self.outputs: dict[str, Any] = {}

    def news(self, inputs: Mapping[str, Any]) -> dict[str, Any]:
        return {**inputs, PROVIDER_KEY: self.provider}

    def check(self, inputs: Mapping[str, Any], *, preview: bool = False) -> CheckResult:
        return self.host.check(self.urn, self.inputs, self.news(inputs), preview=preview)

    def diff(self, inputs: Mapping[str, Any], *, preview: bool = False) -> DiffResult:
        checked = self._checked(inputs, preview)
        return self.host.diff(self.urn, self.id, self.outputs, checked, old_inputs=self.inputs, preview=preview)

    def up(self, inputs: Mapping[str, Any]) -> Step:
        checked = self._checked(inputs, preview=False)
        if not self.id:
            self._created(checked)
            return "create"
        diff = self.host.diff(self.urn, self.id, self.outputs, checked, old_inputs=self.inputs)
        diff = diff.resolve(self.inputs, checked)  # the engine's own comparison when a provider answers "unknown"
        if diff.changes == "none":
            self.inputs = checked
            return "same"
        if diff.replaces:
            # The engine recomputes the replacement's inputs with a Check that has no old inputs
            # (step_generator.go: "we need to recompute the default values").
            replacement = self.host.check(self.urn, {}, self.news(inputs))
            if replacement.failures:
                raise CheckFailed(replacement)
            old_id, old_outputs, old_inputs = self.id, self.outputs, self.inputs
            self._created(replacement.inputs)
            self.host.delete(self.urn, old_id, old_outputs, old_inputs=old_inputs)
            return "replace"
        outputs = self.host.update(self.urn, self.id, self.outputs, checked, old_inputs=self.inputs)
        self.inputs, self.outputs = checked, mark_secret_outputs(outputs, self.secret_outputs)
        return "update"

    def refresh(self) -> ReadResult:
        result = self.host.read(self.urn, self.id, self.outputs, self.inputs)
        if not result.id:
            self.id, self.inputs, self.outputs = "", {}, {}
        else:
            self.outputs = mark_secret_outputs(result.outs, self.secret_outputs)
            self.inputs = result.inputs if result.inputs is not None else self.inputs
        return result

    def destroy(self) -> None:
        self.host.delete(self.urn, self.id, self.outputs, old_inputs=self.inputs)
        self.id, self.inputs, self.outputs = "", {}, {}

    def _checked(self, inputs: Mapping[str, Any], preview: bool) -> dict[str, Any]:
        result = self.check(inputs, preview=preview)
        if result.failures:
            raise CheckFailed(result)
        return result.inputs

    def _created(self, checked: dict[str, Any]) -> None:
        created = self.host.create(self.urn, checked)
        self.id, self.inputs = created.id, checked
        self.outputs = mark_secret_outputs(created.outs, self.secret_outputs)


def assert_one_line_error(error: HostError, token: str, *needles: str) -> str:
    """The host's failure details are one line, without a traceback or the token, and say each needle."""
    details = error.details.strip()
    assert "\n" not in details and "Traceback" not in details, details
    assert token not in details
    for needle in needles:
        assert needle in details, f"{needle!r} not in {details!r}"
    return details
