"""Retries with exponential backoff and full jitter, bounded by attempts and by one deadline per call."""

from __future__ import annotations

import logging
import math
import random
from collections.abc import Callable
from dataclasses import dataclass, fields
from typing import TypeVar

from pulumi_depot_provider.client.errors import ConfigurationError, DepotError

T = TypeVar("T")
MIN_ATTEMPT_SECONDS = 0.001  # a clock that jumps must not hand httpx a negative timeout
log = logging.getLogger("pulumi_depot_provider.client")


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff with full jitter for retryable failures (unavailable, resource_exhausted honouring
    Retry-After, connection errors), bounded by attempts and by total time.

    The n-th retry waits a random time in [0, min(max_backoff, initial_backoff * 2**(n-1))], or the server's
    Retry-After capped at max_retry_after. total_timeout is the deadline of one call, retries included.
    """

    max_attempts: int = 5
    initial_backoff: float = 0.25
    max_backoff: float = 8.0
    total_timeout: float = 60.0
    max_retry_after: float = 30.0

    def __post_init__(self) -> None:
        for field in fields(self):
            value = getattr(self, field.name)
            minimum = 1 if field.name == "max_attempts" else 0
            if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
                raise ConfigurationError(f"RetryPolicy.{field.name} must be a finite number, got {value!r}")
            if value < minimum or (field.name == "total_timeout" and value == 0):
                raise ConfigurationError(f"RetryPolicy.{field.name} must be at least {minimum}, got {value!r}")
        if not isinstance(self.max_attempts, int):
            raise ConfigurationError(f"RetryPolicy.max_attempts must be a whole number, got {self.max_attempts!r}")

    def backoff(self, retry: int, rng: random.Random) -> float:
        """Full-jitter delay before retry number `retry` (1-based)."""
        ceiling = min(self.max_backoff, self.initial_backoff * 2 ** min(retry - 1, 64))
        return rng.uniform(0, ceiling)


class Retrier:
    def __init__(
        self,
        policy: RetryPolicy,
        *,
        sleep: Callable[[float], None],
        clock: Callable[[], float],
        rng: random.Random,
    ) -> None:
        self.policy = policy
        self._sleep = sleep
        self._clock = clock
        self._rng = rng

    def run(self, attempt: Callable[[float], T], *, idempotent: bool, timeout: float) -> T:
        """Calls attempt(seconds this attempt may take) until it succeeds or the policy gives up; the error
        raised is the last one, with `attempts` set.

        A non-idempotent call is retried only after a certain failure: after an ambiguous one the caller must
        look for what may have been created before trying again.
        """
        deadline = self._clock() + self.policy.total_timeout
        number = 0
        while True:
            number += 1
            budget = max(MIN_ATTEMPT_SECONDS, min(timeout, deadline - self._clock()))
            try:
                return attempt(budget)
            except DepotError as error:
                error.attempts = number
                delay = self._delay(error, number)
                if delay is None or (not idempotent and error.ambiguous) or number >= self.policy.max_attempts:
                    raise
                if self._clock() + delay >= deadline:
                    raise
                log.info("%s failed (%s, attempt %d); retrying in %.2fs", error.method, error.code, number, delay)
                self._sleep(delay)

    def _delay(self, error: DepotError, number: int) -> float | None:
        if not error.retryable:
            return None
        if error.retry_after is not None:
            return min(error.retry_after, self.policy.max_retry_after)
        return self.policy.backoff(number, self._rng)
