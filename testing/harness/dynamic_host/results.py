"""What the provider host's calls return, read the way the engine reads them (TEST TOOLING)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal, NamedTuple

import grpc
from pydantic import BaseModel, ConfigDict

from .diffing import changed_keys

DiffChanges = Literal["unknown", "none", "some"]


class HostError(Exception):
    """A provider host call failed.

    ``status`` is the gRPC status the host answered with (a provider exception arrives as ``UNKNOWN`` with the
    Python traceback, including the exception's message, in ``details``), or None when the host answered but the
    engine would reject the answer (an empty ID from Create, an unknown output outside preview).
    """

    def __init__(self, method: str, status: grpc.StatusCode | None, details: str) -> None:
        self.method = method
        self.status = status
        self.details = details
        status_name = status.name if status is not None else "invalid response"
        super().__init__(f"{method} failed ({status_name}): {details}")


class HostStartError(RuntimeError):
    """The provider host process did not start serving (its stderr is in the message)."""


class CheckFailure(NamedTuple):
    property: str
    reason: str


class CheckResult(NamedTuple):
    inputs: dict[str, Any]
    failures: list[CheckFailure]


class CreateResult(NamedTuple):
    id: str
    outs: dict[str, Any]


class ReadResult(NamedTuple):
    """``id`` empty means the resource is gone; ``inputs`` is None unless the provider returned inputs."""

    id: str
    outs: dict[str, Any]
    inputs: dict[str, Any] | None


class DiffResult(BaseModel):
    """A DiffResponse as the engine holds it. ``changes`` is what the provider said; see ``resolve``."""

    model_config = ConfigDict(frozen=True)

    changes: DiffChanges
    replaces: list[str] = []
    stables: list[str] = []
    diffs: list[str] = []
    delete_before_replace: bool = False

    def resolve(self, old_inputs: Mapping[str, Any], new_inputs: Mapping[str, Any]) -> DiffResult:
        """Apply the engine's rule for a provider that answered DIFF_UNKNOWN (the Python host does whenever the
        provider's diff left ``changes`` as None): compare old and new inputs, secrets unwrapped, and report
        ``some`` with the changed keys or ``none``. As in the engine, a null value and an absent one are equal.
        Known answers are returned unchanged."""
        if self.changes != "unknown":
            return self
        changed = changed_keys(old_inputs, new_inputs)
        if not changed:
            return self.model_copy(update={"changes": "none"})
        return self.model_copy(update={"changes": "some", "diffs": changed})
