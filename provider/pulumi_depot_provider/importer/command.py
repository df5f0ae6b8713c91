"""`pulumi-depot import`: read the organization behind DEPOT_TOKEN and write a program or a tenants file.

Every failure the user can cause or fix (no token, a bad URL, an unreachable API, a project token, an existing
output file) becomes an `ImportFailure` with a one-line message; the CLI prints it without a traceback.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Mapping
from typing import TextIO

from pydantic import BaseModel, ConfigDict

from pulumi_depot_provider.client import (
    ConfigurationError,
    DepotClient,
    DepotError,
    PermissionDenied,
    TransportError,
    Unauthenticated,
)
from pulumi_depot_provider.client.errors import Code
from pulumi_depot_provider.importer.output import (
    Format,
    OutputError,
    Target,
    check_writable,
    resolve_target,
    write_files,
)
from pulumi_depot_provider.importer.program import (
    DEFAULT_PROJECT_NAME,
    check_project_name,
    render_main,
    render_project_files,
)
from pulumi_depot_provider.importer.snapshot import OrganizationSnapshot, read_organization
from pulumi_depot_provider.importer.tenants import render_tenants

TOKEN_ENV = "DEPOT_TOKEN"
URL_ENV = "DEPOT_API_URL"
UNREACHABLE = frozenset({Code.UNAVAILABLE, Code.DEADLINE_EXCEEDED})


class ImportFailure(Exception):
    """Why the import stopped, in one line."""


class ImportOptions(BaseModel):
    model_config = ConfigDict(frozen=True)

    output: str = "-"
    format: Format = "program"
    force: bool = False
    project_name: str | None = None
    quiet: bool = False


class ProgressReporter:
    """'read 120/480 projects' lines on stderr, about twenty per run whatever the organization's size."""

    def __init__(self, stream: TextIO, *, quiet: bool) -> None:
        self._stream = stream
        self._quiet = quiet
        self._step = 1

    def __call__(self, done: int, total: int) -> None:
        if self._quiet:
            return
        if done == 0:
            self._step = max(10, total // 20)
            self.say(f"{total} projects; reading their trust policies and tokens")
        elif done == total or done % self._step == 0:
            self.say(f"read {done}/{total} projects")

    def say(self, message: str) -> None:
        if not self._quiet:
            print(f"pulumi-depot import: {message}", file=self._stream, flush=True)


def _one_line(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _client(environ: Mapping[str, str]) -> DepotClient:
    token = environ.get(TOKEN_ENV, "")
    if not token.strip():
        raise ImportFailure(
            f"{TOKEN_ENV} is not set: export an organization token (Depot: organization settings, API tokens) as "
            f"{TOKEN_ENV}, and {URL_ENV} if the API is not https://api.depot.dev"
        )
    try:
        return DepotClient(base_url=environ.get(URL_ENV) or None, token=token)
    except ConfigurationError as error:
        # The client names its argument; here the value came from the environment.
        raise ImportFailure(_one_line(str(error).replace("base_url", URL_ENV))) from None


def _explain(error: DepotError, base_url: str) -> str:
    if isinstance(error, Unauthenticated):
        return f"Depot at {base_url} rejected {TOKEN_ENV} ({error.message}); export a valid organization token"
    if isinstance(error, PermissionDenied):
        return (
            f"permission denied: {TOKEN_ENV} may not read the organization's projects ({error.message}); import "
            "needs an organization token, not a project token"
        )
    if isinstance(error, TransportError) or error.code in UNREACHABLE:
        return f"cannot reach the Depot API at {base_url} ({error.message}); check {URL_ENV} and the network"
    return f"Depot answered {error.code.value} to {error.method or 'a call'}: {error.message}"


def read(client: DepotClient, progress: ProgressReporter) -> OrganizationSnapshot:
    try:
        snapshot = read_organization(client, progress)
    except DepotError as error:
        raise ImportFailure(_one_line(_explain(error, client.base_url))) from None
    for project_id in snapshot.vanished:
        progress.say(f"project {project_id} was deleted while it was read; it is left out")
    return snapshot


def render(snapshot: OrganizationSnapshot, options: ImportOptions, target: Target, api_url: str) -> dict[str, str]:
    if options.format == "tenants":
        return {"tenants": render_tenants(snapshot)}
    if target.kind == "directory":
        return render_project_files(snapshot, api_url, options.project_name or DEFAULT_PROJECT_NAME)
    return {"__main__.py": render_main(snapshot, api_url)}


def run_import(
    options: ImportOptions,
    *,
    environ: Mapping[str, str] | None = None,
    stdout: TextIO | None = None,
    stderr: TextIO | None = None,
) -> None:
    """The whole command. Raises ImportFailure."""
    out, err = stdout or sys.stdout, stderr or sys.stderr
    try:
        target = resolve_target(options.output, options.format)
        if options.project_name is not None:
            if target.kind != "directory":
                raise ImportFailure("--project-name applies only to a program written to a directory (--output DIR)")
            check_project_name(options.project_name)
        check_writable(target, force=options.force)
        progress = ProgressReporter(err, quiet=options.quiet)
        with _client(os.environ if environ is None else environ) as client:
            progress.say(f"reading the organization's projects from {client.base_url}")
            snapshot = read(client, progress)
            files = render(snapshot, options, target, client.base_url)
        if target.kind == "stdout":
            out.write("".join(files.values()))
            out.flush()
            return
        written = write_files(target, files, force=options.force)
    except (OutputError, ValueError) as error:
        raise ImportFailure(_one_line(str(error))) from None
    except OSError as error:
        raise ImportFailure(_one_line(f"cannot write the output: {error}")) from None
    projects, policies, tokens = snapshot.counts()
    progress.say(
        f"wrote {', '.join(map(str, written))}: {projects} projects, {policies} trust policies, {tokens} tokens"
    )
