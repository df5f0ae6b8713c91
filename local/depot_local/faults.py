"""Fault injection: added latency, `unavailable` before doing anything, and `unavailable` after a mutation has
committed (the ambiguous failure that makes naive clients create duplicates).

Rates draw from a random.Random seeded by `seed` (reproducible runs). For tests that must hit a case every time,
`unavailable_next` / `commit_then_unavailable_next` count down: {"CreateProject": 2} fails the next two calls.
All state lives on the event loop's thread: no lock needed.
"""

from __future__ import annotations

import random
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, field_validator

from depot_local.connect import METHOD_NAMES, MUTATING

ANY_METHOD = "*"
Rate = Annotated[float, Field(ge=0.0, le=1.0)]


def _check_methods(names: list[str] | dict[str, int] | None, allowed: frozenset[str], what: str) -> None:
    for name in names or ():
        if name != ANY_METHOD and name not in allowed:
            raise ValueError(f"{name!r} is not {what}; use one of: {', '.join(sorted(allowed))} or '*'")


class FaultSettings(BaseModel):
    """What the admin API's /_admin/faults reads and replaces (PUT), and what the --latency-ms etc. flags set."""

    model_config = ConfigDict(extra="forbid")

    latency_ms: int = Field(0, ge=0, le=60_000, description="added to every affected call")
    unavailable_rate: Rate = Field(0.0, description="fraction of affected calls answered unavailable up front")
    commit_then_unavailable_rate: Rate = Field(
        0.0, description="fraction of affected mutating calls that commit, then answer unavailable"
    )
    methods: list[str] | None = Field(None, description="restrict latency and rates to these methods; null: all")
    unavailable_next: dict[str, Annotated[int, Field(ge=0)]] = Field(
        default_factory=dict, description="method (or '*') -> the next N calls answer unavailable up front"
    )
    commit_then_unavailable_next: dict[str, Annotated[int, Field(ge=0)]] = Field(
        default_factory=dict, description="mutating method (or '*') -> its next N successful calls commit, then fail"
    )
    outage_after_commit: int = Field(
        0,
        ge=0,
        description="after each commit-then-unavailable fault, the next N calls of any method answer unavailable "
        "up front (an outage that begins as the commit lands: what a client sees when it cannot learn the outcome)",
    )
    seed: int | None = Field(None, description="seed for the rates' random draws; null: unpredictable")

    @field_validator("methods")
    @classmethod
    def _known_methods(cls, value: list[str] | None) -> list[str] | None:
        _check_methods(value, METHOD_NAMES, "a method")
        return value

    @field_validator("unavailable_next")
    @classmethod
    def _known_counted(cls, value: dict[str, int]) -> dict[str, int]:
        _check_methods(value, METHOD_NAMES, "a method")
        return value

    @field_validator("commit_then_unavailable_next")
    @classmethod
    def _mutating_counted(cls, value: dict[str, int]) -> dict[str, int]:
        _check_methods(value, MUTATING, "a mutating method")
        return value


class FaultInjector:
    def __init__(self, settings: FaultSettings | None = None) -> None:
        self.settings = FaultSettings()
        self._random = random.Random()
        self.replace(settings or FaultSettings())

    def replace(self, settings: FaultSettings) -> None:
        self.settings = settings.model_copy(deep=True)
        self._random = random.Random(settings.seed)
        self._outage_left = 0

    def _affects(self, method: str) -> bool:
        return self.settings.methods is None or method in self.settings.methods

    @staticmethod
    def _take(counts: dict[str, int], method: str) -> bool:
        for key in (method, ANY_METHOD):
            if counts.get(key, 0) > 0:
                counts[key] -= 1
                return True
        return False

    def latency(self, method: str) -> float:
        return self.settings.latency_ms / 1000 if self._affects(method) else 0.0

    def fail_before(self, method: str) -> bool:
        if self._outage_left > 0:
            self._outage_left -= 1
            return True
        return self._take(self.settings.unavailable_next, method) or (
            self._affects(method) and self._random.random() < self.settings.unavailable_rate
        )

    def fail_after_commit(self, method: str) -> bool:
        if method not in MUTATING:
            return False
        failed = self._take(self.settings.commit_then_unavailable_next, method) or (
            self._affects(method) and self._random.random() < self.settings.commit_then_unavailable_rate
        )
        if failed:
            self._outage_left = self.settings.outage_after_commit
        return failed
