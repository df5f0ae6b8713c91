"""Each shard as a stack of the user's project, driven with the Automation API.

Stacks are named ``<prefix><shard>`` on the backend the user is logged in to (``PULUMI_BACKEND_URL`` or
``pulumi login``); the Automation API runs the ``pulumi`` on PATH with this process's environment. A new shard's
stack is made with ``pulumi stack init`` (``--copy-config-from`` copies another stack's config, secrets re-encrypted
by the CLI, never passed on a command line). Every run sets ``pulumi-depot:fleet`` (``{stackPrefix: <prefix>}``) on
each stack it touches, so that the program (``depot.TenantFleet``) deploys that shard's tenants only, also when run
by hand.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pulumi import automation as auto
from pulumi.automation._stack import StackInitMode  # what auto.Stack.select passes; the package does not export it

from pulumi_depot.fleet_command.progress import Progress
from pulumi_depot.fleet_command.report import ShardEvents, ShardOutcome, printable
from pulumi_depot.fleet_shards import PREFIX_FIELD, SHARD_CONFIG_KEY

OPERATIONS = ("preview", "up", "refresh", "destroy")
ALLOWED_TRUST_KEY = "depot:allowedTrust"


class FleetError(Exception):
    """Something the command cannot do; the message names the fix."""


@dataclass(frozen=True)
class Target:
    """Where the shards' stacks live and how they are made."""

    project_dir: Path
    stack_prefix: str = ""
    copy_config_from: str | None = None
    secrets_provider: str | None = None
    command: auto.PulumiCommand | None = None

    def stack_name(self, shard: str) -> str:
        return f"{self.stack_prefix}{shard}"

    def pulumi(self) -> auto.PulumiCommand:
        return self.command or auto.PulumiCommand()

    def run_cli(self, *args: str) -> auto.CommandResult:
        end = args.index("--") if "--" in args else len(args)  # flags before a `--` that ends them
        return self.pulumi().run([*args[:end], "--non-interactive", *args[end:]], str(self.project_dir), {})

    def workspace(self, env: Mapping[str, str] | None = None) -> auto.LocalWorkspace:
        """A workspace whose commands get ``env`` on top of this process's environment."""
        return _Workspace(
            work_dir=str(self.project_dir),
            pulumi_command=self.pulumi(),
            secrets_provider=self.secrets_provider,
            env_vars=dict(env or {}),
        )

    def existing_stacks(self) -> set[str]:
        """The project's stacks by their short names (`pulumi stack ls` may qualify them: org/project/name)."""
        listing = json.loads(self.run_cli("stack", "ls", "--json").stdout or "[]")
        return {entry["name"].rsplit("/", 1)[-1] for entry in listing}

    def exists(self, shard: str, existing: set[str]) -> bool:
        return self.stack_name(shard).rsplit("/", 1)[-1] in existing


class _Workspace(auto.LocalWorkspace):
    """A workspace that never selects a stack: every command of a Stack names its stack (--stack), and shards are
    prepared in parallel, so `pulumi stack select` would only race on the workspace's current-stack file."""

    def select_stack(self, stack_name: str) -> None:
        return None


class _ShardStack(auto.Stack):
    """A shard's stack. The fleet reads what an operation did from its engine events (report.py). After a
    successful up, refresh or destroy the Automation API would run `pulumi stack output` twice and `pulumi stack
    history` once, each loading the shard's whole state, only to fill a result object the fleet never reads:
    three CLI runs per shard and operation, which cost as much as a small shard's deployment itself."""

    def outputs(self) -> auto.OutputMap:
        return {}

    def info(self, show_secrets: bool = True) -> auto.UpdateSummary | None:
        # Reached only after the command succeeded (a failure raises before); nothing reads it.
        return auto.UpdateSummary("update", datetime.now(UTC), "", {}, {}, "succeeded")


def open_stack(
    target: Target, shard: str, existing: set[str], *, create: bool, env: Mapping[str, str] | None = None
) -> tuple[auto.Stack | None, str | None]:
    """(the shard's stack with its shard config set, its depot:allowedTrust), or (None, None) when the stack does
    not exist and ``create`` is false. The stack's operations run with ``env`` added to the environment."""
    name = target.stack_name(shard)
    if not target.exists(shard, existing):
        if not create:
            return None, None
        init = ["stack", "init", name, "--no-select"]
        if target.copy_config_from:
            init += ["--copy-config-from", target.copy_config_from]
        if target.secrets_provider:
            init += ["--secrets-provider", target.secrets_provider]
        try:
            target.run_cli(*init)
        except auto.CommandError as error:
            raise FleetError(f"cannot create the stack {name!r} for shard {shard!r}: {cause(error)}") from None
        existing.add(name.rsplit("/", 1)[-1])
    stack = _ShardStack(name, target.workspace(env), StackInitMode.SELECT)
    config = json.loads(target.run_cli("config", "--json", "--stack", name).stdout or "{}")
    if ((config.get(SHARD_CONFIG_KEY) or {}).get("objectValue") or {}) != {PREFIX_FIELD: target.stack_prefix}:
        target.run_cli(
            "config", "set", "--path", f"{SHARD_CONFIG_KEY}.{PREFIX_FIELD}", "--stack", name, "--", target.stack_prefix
        )
    allowed = (config.get(ALLOWED_TRUST_KEY) or {}).get("value")
    return stack, allowed if isinstance(allowed, str) else None


def run_operation(
    stack: auto.Stack, operation: str, outcome: ShardOutcome, parallel: int | None, log: Callable[[str], None]
) -> None:
    """One operation on one shard's stack; records the result in ``outcome`` (never raises for the shard's own
    failure: the other shards go on)."""
    events = outcome.events = ShardEvents(outcome.shard)
    options: dict[str, Any] = {"on_event": events, "on_output": log, "color": "never"}
    if parallel is not None:
        options["parallel"] = parallel
    started = time.monotonic()
    try:
        if operation == "preview":
            stack.preview(**options)
        elif operation == "up":
            stack.up(**options)
        elif operation == "refresh":
            stack.refresh(**options)
        else:
            stack.destroy(**options)
        outcome.status = "succeeded"
    except auto.ConcurrentUpdateError as error:
        outcome.status, outcome.error = "failed", f"the stack is locked by another update: {cause(error)}"
    except auto.CommandError as error:
        outcome.status, outcome.error = "failed", cause(error)
    finally:
        outcome.seconds = time.monotonic() - started


def run_all(
    outcomes: list[ShardOutcome],
    operation: str,
    prepare: Callable[[ShardOutcome], auto.Stack | None],
    *,
    jobs: int,
    parallel: int | None,
    progress: Progress,
) -> None:
    """Prepare each shard's stack and run ``operation`` on it, ``jobs`` shards at a time (each a `pulumi` process
    waited on by a thread); a shard that fails, in either, fails alone. ``prepare`` returns None to skip a shard."""

    def one(outcome: ShardOutcome) -> None:
        progress.start(outcome)
        try:
            stack = prepare(outcome)
            if stack is not None:
                run_operation(stack, operation, outcome, parallel, lambda line: progress.output(outcome, line))
        except FleetError as error:
            outcome.status, outcome.error = "failed", str(error)
        except auto.CommandError as error:
            outcome.status, outcome.error = "failed", f"cannot prepare the stack: {cause(error)}"
        except Exception as error:  # anything unexpected fails this shard only
            outcome.status, outcome.error = "failed", printable(f"{type(error).__name__}: {error}", 400)
        progress.done(outcome)

    with ThreadPoolExecutor(max_workers=max(1, jobs), thread_name_prefix="fleet") as pool:
        for future in [pool.submit(one, outcome) for outcome in outcomes]:
            future.result()


def cause(error: auto.CommandError) -> str:
    """The last lines the CLI wrote to stderr (its error), escaped and cut."""
    text = str(error)
    stderr = text.split("stderr:", 1)[-1].strip() if "stderr:" in text else text
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    return printable(" ".join(lines[-3:]) or text, 600)
