"""Per-method call counts, for tests that assert e.g. that a client retried (GET /_admin/stats)."""

from __future__ import annotations

from collections import Counter
from typing import Literal

from pydantic import BaseModel, Field

Injected = Literal["unavailable", "commit_then_unavailable"]


class MethodStats(BaseModel):
    calls: int = 0
    results: dict[str, int] = Field(default_factory=dict, description="'ok' or a Connect code -> count")
    injected: dict[str, int] = Field(default_factory=dict, description="injected fault kind -> count")


class Stats:
    """Lives on the event loop's thread, like the faults."""

    def __init__(self) -> None:
        self._results: dict[str, Counter[str]] = {}
        self._injected: dict[str, Counter[str]] = {}

    def record(self, method: str, result: str, injected: Injected | None = None) -> None:
        self._results.setdefault(method, Counter())[result] += 1
        if injected is not None:
            self._injected.setdefault(method, Counter())[injected] += 1

    def snapshot(self) -> dict[str, MethodStats]:
        return {
            method: MethodStats(
                calls=sum(results.values()),
                results=dict(results),
                injected=dict(self._injected.get(method, {})),
            )
            for method, results in sorted(self._results.items())
        }

    def reset(self) -> None:
        self._results.clear()
        self._injected.clear()
