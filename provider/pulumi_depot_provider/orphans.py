"""`pulumi-depot orphans`: the live tokens and trust policies of Depot projects that no given stack holds.

What the stacks hold is read from their state (`pulumi stack export`, without secrets, or an exported file): the
Depot ids of every project, token and trust policy of the dynamic (`pulumi-python:dynamic/depot:*`) and native
(`depot:index:*`) resource types, including those pending deletion. What Depot has is listed project by project
(ListTokens, ListTrustPolicies). The difference is printed, one object a line, and revoked with `--revoke`. A token's
mark (token_mark) says which stack made it, when it is one of the given stacks. No secret is read or printed:
ListTokens returns none.

Exit status: 0 nothing unheld; 1 unheld objects found (with --revoke: found and revoked); 2 a failure (no token, an
unreadable state, a Depot error, a revoke that failed).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from pulumi_depot_provider.client import ConfigurationError, DepotClient, DepotError, NotFound
from pulumi_depot_provider.native.names import wire_name
from pulumi_depot_provider.resources.token_mark import mark_of, stack_hash, stack_of
from pulumi_depot_provider.resources.trust_policy import live_fields

TOKEN_ENV = "DEPOT_TOKEN"
URL_ENV = "DEPOT_API_URL"
DYNAMIC_PREFIX = "pulumi-python:dynamic/depot:"
NATIVE_PREFIX = "depot:index:"
SHOWN = 120  # characters of a description printed


DESCRIPTION = """\
List the live project tokens and trust policies that no given stack holds: what an interrupted `up` (a killed CI
job) can leave live in Depot. What the stacks hold is read from their state (`pulumi stack export` in --cwd, for
each --stack, secrets left encrypted; or --state FILE, from `pulumi stack export --file`). Checked: the Depot
projects those states hold, or the ones given with --project. DEPOT_TOKEN (an organization token) and DEPOT_API_URL
as for `import`.

Give every stack that uses these projects: an object held by a stack not given is listed, and --revoke deletes it.
A token the provider made carries its stack's mark in its description; the line names that stack when it was given.

Exit status: 0 none found; 1 found (listed; with --revoke, revoked); 2 failure. No secret is printed.
"""


class OrphansFailure(Exception):
    """A failure the user can fix, as one line."""


@dataclass
class Held:
    """What the given stacks' states hold."""

    projects: set[str] = field(default_factory=set)
    tokens: set[str] = field(default_factory=set)
    policies: set[str] = field(default_factory=set)
    # stack hash (token_mark) -> "<project>/<stack>", for the stacks read
    stacks: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Orphan:
    kind: str  # "token" or "trust policy"
    id: str
    project_id: str
    what: str  # the token's description, or what the policy trusts

    def line(self, stacks: Mapping[str, str]) -> str:
        # repr: a description set outside Pulumi may hold control or bidi characters; cut: it may be long
        shown = repr(self.what if len(self.what) <= SHOWN else self.what[:SHOWN] + "...")
        text = f"{self.kind} {self.id} in project {self.project_id}: {shown}"
        mark = mark_of(self.what) if self.kind == "token" else None
        if mark is not None:
            made = stacks.get(mark.stack)
            text += f" (made by a create of stack {made})" if made else " (made by a stack not given)"
        return text


def resource_kind(type_: str) -> str | None:
    """ "Project", "ProjectToken", "TrustPolicy" or "TrustPolicySet" for a Depot resource type; else None."""
    for prefix in (DYNAMIC_PREFIX, NATIVE_PREFIX):
        if type_.startswith(prefix):
            return type_.removeprefix(prefix)
    return None


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def held_by(deployment: Mapping[str, Any], held: Held) -> None:
    """Add what one stack's state (the `deployment` of `pulumi stack export`) holds."""
    resources = list(deployment.get("resources") or [])
    resources += [op.get("resource") or {} for op in deployment.get("pending_operations") or []]
    for resource in resources:
        urn = str(resource.get("urn") or "")
        names = stack_of(urn) if urn.startswith("urn:pulumi:") else None
        if names is not None and names[0] and names[1]:
            held.stacks[stack_hash(*names)] = "/".join(names)
        kind = resource_kind(resource.get("type") or "")
        outputs = resource.get("outputs") or {}
        object_id = _text(resource.get("id"))
        project_id = _text(_output(outputs, "project_id"))
        if kind is None:
            continue
        if project_id:
            held.projects.add(project_id)
        if object_id is None:
            continue
        if kind == "Project":
            held.projects.add(object_id)
        elif kind == "ProjectToken":
            held.tokens.add(object_id)
        elif kind == "TrustPolicy":
            held.policies.add(object_id)
        elif kind == "TrustPolicySet":
            policy_ids = _output(outputs, "policy_ids")
            if isinstance(policy_ids, Mapping):
                held.policies.update(value for value in policy_ids.values() if isinstance(value, str))


def _output(outputs: Mapping[str, Any], name: str) -> Any:
    """A state's output by its field name: a native resource's state has it in camelCase (projectId), a dynamic
    one's and a pre-rename plugin's as the field."""
    return outputs.get(name, outputs.get(wire_name(name)))


def export_stack(stack: str, cwd: Path) -> dict[str, Any]:
    """`pulumi stack export` of one stack, secrets left encrypted."""
    pulumi = shutil.which("pulumi")
    if pulumi is None:
        raise OrphansFailure("the pulumi CLI is not on PATH: install it, or give exported states with --state FILE")
    done = subprocess.run(
        [pulumi, "stack", "export", "--stack", stack, "--non-interactive"],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        reason = " ".join(done.stderr.split())[-400:] or f"exit status {done.returncode}"
        raise OrphansFailure(f"cannot read the state of stack {stack!r} in {cwd} (pulumi stack export): {reason}")
    return _deployment(done.stdout, f"stack {stack!r}")


def _deployment(text: str, source: str) -> dict[str, Any]:
    try:
        exported = json.loads(text)
    except ValueError as error:
        raise OrphansFailure(f"{source}: not an exported Pulumi state ({error})") from None
    deployment = exported.get("deployment") if isinstance(exported, dict) else None
    if not isinstance(deployment, dict):
        raise OrphansFailure(f"{source}: not an exported Pulumi state (no deployment)")
    return deployment


def find_orphans(client: DepotClient, held: Held, projects: Iterable[str]) -> list[Orphan]:
    found = []
    for project_id in sorted(set(projects)):
        try:
            tokens = client.list_tokens(project_id)
            policies = client.list_trust_policies(project_id)
        except NotFound:
            continue  # a project gone from Depot holds nothing
        found += [
            Orphan("token", token.token_id, project_id, token.description)
            for token in tokens
            if token.token_id not in held.tokens
        ]
        for policy in policies:
            if policy.trust_policy_id not in held.policies:
                kind, fields = live_fields(policy)
                found.append(
                    Orphan("trust policy", policy.trust_policy_id, project_id, f"{kind} {'/'.join(fields.values())}")
                )
    return found


def revoke(client: DepotClient, orphan: Orphan) -> None:
    try:
        if orphan.kind == "token":
            client.delete_token(orphan.id)
        else:
            client.remove_trust_policy(orphan.project_id, orphan.id)
    except NotFound:
        pass  # already gone: what revoking asks for


def _client(environ: Mapping[str, str]) -> DepotClient:
    token = environ.get(TOKEN_ENV, "")
    if not token.strip():
        raise OrphansFailure(f"{TOKEN_ENV} is not set: export an organization token (and {URL_ENV} if needed)")
    try:
        return DepotClient(base_url=environ.get(URL_ENV) or None, token=token)
    except ConfigurationError as error:
        raise OrphansFailure(" ".join(str(error).replace("base_url", URL_ENV).split())) from None


def run_orphans(
    *,
    stacks: Sequence[str],
    states: Sequence[Path],
    projects: Sequence[str],
    cwd: Path,
    revoke_found: bool,
    out: TextIO | None = None,
    environ: Mapping[str, str] | None = None,
) -> int:
    out = out or sys.stdout
    if not stacks and not states:
        raise OrphansFailure("give the stacks that use the projects: --stack NAME (or --state FILE), once per stack")
    held = Held()
    for stack in stacks:
        held_by(export_stack(stack, cwd), held)
    for path in states:
        try:
            text = path.read_text()
        except OSError as error:
            raise OrphansFailure(f"--state {path}: {error.strerror}") from None
        held_by(_deployment(text, f"--state {path}"), held)
    scanned = set(projects) or held.projects
    if not scanned:
        print("the given stacks hold no Depot project: nothing to check (give --project ID)", file=out)
        return 0
    with _client(os.environ if environ is None else environ) as client:
        try:
            orphans = find_orphans(client, held, scanned)
            for orphan in orphans:
                print(orphan.line(held.stacks), file=out)
                if revoke_found:
                    revoke(client, orphan)
                    print(f"  revoked {orphan.kind} {orphan.id}", file=out)
        except DepotError as error:
            raise OrphansFailure(f"Depot answered {error.code.value} ({error.method}): {error.message}") from None
    checked = f"{len(scanned)} project(s) checked against {len(stacks) + len(states)} stack state(s)"
    if not orphans:
        print(f"no unheld tokens or trust policies: {checked}", file=out)
        return 0
    done = "revoked" if revoke_found else "held by no given stack; revoke them with --revoke"
    print(f"{len(orphans)} live object(s) {done}: {checked}", file=out)
    return 1


def add_parser(commands: Any) -> None:
    """The `orphans` subcommand of `pulumi-depot` (commands: the CLI's subparsers)."""
    parser = commands.add_parser(
        "orphans",
        help="list (and revoke) the live tokens and trust policies that no given stack holds",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("-s", "--stack", action="append", default=[], metavar="NAME", help="a stack to read (repeat)")
    parser.add_argument(
        "--state", action="append", default=[], type=Path, metavar="FILE", help="an exported state (repeat)"
    )
    parser.add_argument(
        "-p", "--project", action="append", default=[], metavar="ID", help="a Depot project id to check (repeat)"
    )
    parser.add_argument("-C", "--cwd", type=Path, default=Path(), metavar="DIR", help="the Pulumi project directory")
    parser.add_argument("--revoke", action="store_true", help="delete the unheld tokens and trust policies")


def run(args: argparse.Namespace) -> int:
    try:
        return run_orphans(
            stacks=args.stack, states=args.state, projects=args.project, cwd=args.cwd, revoke_found=args.revoke
        )
    except OrphansFailure as failure:
        print(f"pulumi-depot orphans: error: {failure}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("pulumi-depot orphans: interrupted", file=sys.stderr)
        return 130
