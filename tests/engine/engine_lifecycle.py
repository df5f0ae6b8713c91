"""Test tooling for the real-engine lifecycle tests: Depot-side views, failures the engine reports, and waiting for
a line of a background `pulumi` without sleeping.

Local to tests/engine/ (the shared harness, testing/harness/pulumi_stack.py, is not changed from here).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable

from pulumi_depot_provider.client import DepotClient, DepotError
from pulumi_depot_provider.resources.token_mark import plain
from pulumi_stack import PulumiStack
from pulumi_stack import fails as fails  # re-exported: the engine tests import it from here

WAIT_DEADLINE = 180.0  # a safety net against a hung CLI, never a synchronisation device


def projects(client: DepotClient) -> dict[str, str]:
    """Project id -> name."""
    return {p.project_id: p.name for p in client.list_projects()}


def tokens(client: DepotClient, project_id: str) -> dict[str, str]:
    """Token id -> description (as declared: without the mark the provider adds in Depot)."""
    return {t.token_id: plain(t.description) for t in client.list_tokens(project_id)}


def policies(client: DepotClient, project_id: str) -> dict[str, str]:
    """Trust policy id -> "github:owner/repo" (or buildkite:org/pipeline, circleci:org/project)."""
    found = {}
    for policy in client.list_trust_policies(project_id):
        kind = policy.WhichOneof("provider")
        message = getattr(policy, kind)
        values = [getattr(message, field.name) for field in message.DESCRIPTOR.fields]
        found[policy.trust_policy_id] = f"{kind}:" + "/".join(values)
    return found


def authenticates(url: str, secret: str, project_id: str) -> bool:
    """The project token works for its project (Depot accepts it)."""
    with DepotClient(base_url=url, token=secret) as builds:
        try:
            return builds.get_project(project_id).project_id == project_id
        except DepotError:
            return False


def urn_of(stack: PulumiStack, name: str) -> str:
    return str(stack.resources()[name]["urn"])


class LineLog(list[str]):
    """A list that `PulumiStack.running_cli`'s reader thread extends line by line, and that a test can wait on:
    `wait_for(pattern)` returns the first matching line as soon as it is printed (no polling, no sleeping)."""

    def __init__(self, lines: Iterable[str] = ()) -> None:
        super().__init__(lines)
        self._changed = threading.Condition()
        self.closed = False

    def extend(self, lines: Iterable[str]) -> None:
        for line in lines:
            with self._changed:
                self.append(line)
                self._changed.notify_all()
        with self._changed:
            self.closed = True  # the process's output ended
            self._changed.notify_all()

    def wait_for(self, pattern: str, start: int = 0) -> str:
        return self.wait_for_count(pattern, 1, start)

    def wait_for_count(self, pattern: str, count: int, start: int = 0) -> str:
        """Waits until `count` lines match; returns the first."""
        regex = re.compile(pattern)
        with self._changed:
            found: list[str] = []

            def seen() -> bool:
                found[:] = [line for line in self[start:] if regex.search(line)]
                return len(found) >= count or self.closed

            self._changed.wait_for(seen, timeout=WAIT_DEADLINE)
            if len(found) < count:
                raise AssertionError(
                    f"{len(found)} of {count} lines matched {pattern!r}; output:\n{''.join(self[start:])}"
                )
            return found[0]
