"""Depot's official CLI (the Go binary from npm @depot/cli-linux-x64 0.0.1-cli.2.102.12, i.e. depot 2.102.12)
accepts the local Depot API as the real service: `depot projects create|get|update|delete` over h2c.

The CLI runs with a scratch HOME (it reads and writes ~/.config/depot), DEPOT_API_URL on loopback, and its update
check, error telemetry and OpenTelemetry export switched off, so it never reaches for depot.dev.
"""

from __future__ import annotations

import csv
import io
import json
import os
import platform
import re
import secrets
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any, NamedTuple
from urllib.parse import urlsplit

import httpx
import pytest
from official_clients import H2_PREFACE, NODE_DIR, ApiOrg, H2cTap, ensure_node_modules

CLI_PACKAGE = "@depot/cli-linux-x64"
CLI_TIMEOUT = 30.0
GIB = 1024**3
PROJECT_ID = re.compile(r"^[a-z0-9]{10}$")

pytestmark = pytest.mark.skipif(
    platform.system() != "Linux" or platform.machine().lower() not in {"x86_64", "amd64"},
    reason=f"{CLI_PACKAGE} ships the depot CLI for Linux x64 only; this is {platform.system()} {platform.machine()}",
)


class CliResult(NamedTuple):
    returncode: int
    stdout: str
    stderr: str


class DepotCli:
    """Runs the depot binary against one organization of the local API, through an H2cTap."""

    def __init__(self, org: ApiOrg, tap: H2cTap, home: Path) -> None:
        assert urlsplit(tap.url).hostname == "127.0.0.1", "the CLI may only ever talk to loopback"
        self.org = org
        self.tap = tap
        self.home = home
        self.binary = NODE_DIR / "node_modules" / CLI_PACKAGE / "bin" / "depot"

    def env(self, token: str | None) -> dict[str, str]:
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": str(self.home),
            "XDG_CONFIG_HOME": str(self.home / ".config"),
            "DEPOT_API_URL": self.tap.url,
            "DEPOT_NO_UPDATE_NOTIFIER": "1",
            "DEPOT_ERROR_TELEMETRY": "0",
            "DEPOT_DISABLE_OTEL": "1",
            "NO_COLOR": "1",
            "TERM": "dumb",
        }
        if token is not None:
            env["DEPOT_TOKEN"] = token
        return env

    def __call__(self, *args: str, token: str | None = None, via_env: bool = False) -> CliResult:
        """`depot projects <args>` with the organization's token (or `token`) as --token, or as DEPOT_TOKEN."""
        token = self.org.token if token is None else token
        argv = [str(self.binary), "projects", *args] + ([] if via_env else ["--token", token])
        try:
            result = subprocess.run(
                argv,
                cwd=self.home,  # no depot.json here: project ids come only from the arguments
                env=self.env(token if via_env else None),
                capture_output=True,
                text=True,
                timeout=CLI_TIMEOUT,
                stdin=subprocess.DEVNULL,
            )
        except subprocess.TimeoutExpired:
            pytest.fail(f"`depot projects {' '.join(args)}` did not finish within {CLI_TIMEOUT:.0f} s")
        return CliResult(result.returncode, result.stdout, result.stderr)

    def ok(self, *args: str, **kwargs: Any) -> str:
        result = self(*args, **kwargs)
        assert result.returncode == 0, f"depot projects {' '.join(args)} -> {result.returncode}: {result.stderr}"
        return result.stdout

    def fails(self, *args: str, **kwargs: Any) -> str:
        result = self(*args, **kwargs)
        assert result.returncode != 0, f"depot projects {' '.join(args)} succeeded: {result.stdout}"
        return result.stderr


@pytest.fixture
def cli(depot: ApiOrg, tmp_path: Path) -> Iterator[DepotCli]:
    ensure_node_modules(CLI_PACKAGE)
    home = tmp_path / "home"
    home.mkdir()
    with H2cTap(depot.url) as tap:
        yield DepotCli(depot, tap, home)


def assert_spoke_h2c(cli: DepotCli) -> None:
    """Every connection the CLI opened started with the HTTP/2 preface: h2c with prior knowledge."""
    assert cli.tap.openings, "the CLI never connected"
    assert all(opening == H2_PREFACE for opening in cli.tap.openings), f"not h2c: {cli.tap.openings}"


def rpc(org: ApiOrg, method: str, body: dict[str, Any]) -> httpx.Response:
    """A Connect unary call, JSON codec over HTTP/1.1, straight through httpx (checks what the CLI did)."""
    with httpx.Client(trust_env=False, timeout=10.0) as http:
        return http.post(
            f"{org.url}/depot.core.v1.ProjectService/{method}",
            json=body,
            headers={"Authorization": f"Bearer {org.token}", "Connect-Protocol-Version": "1"},
        )


def stored_project(org: ApiOrg, project_id: str) -> dict[str, Any]:
    response = rpc(org, "GetProject", {"projectId": project_id})
    assert response.status_code == 200, response.text
    return response.json()["project"]  # type: ignore[no-any-return]


def test_cli_project_lifecycle(cli: DepotCli, depot: ApiOrg) -> None:
    name = f"cli-{secrets.token_hex(3)}"
    created = json.loads(
        cli.ok(
            "create",
            "--organization",
            depot.org_id,
            "--region",
            "eu-central-1",
            "--cache-storage-policy",
            "40",
            "--cache-policy-keep-days",
            "9",
            name,
        )
    )
    project_id = created["project_id"]
    assert PROJECT_ID.match(project_id), created
    assert created == {
        "project_id": project_id,
        "name": name,
        "cache_policy": {"keep_bytes": 40 * GIB, "keep_days": 9},  # the CLI sends and shows bytes, not keep_gb
    }
    stored = stored_project(depot, project_id)
    assert (stored["name"], stored["regionId"], stored["organizationId"]) == (name, "eu-central-1", depot.org_id)
    assert (stored["cachePolicy"]["keepGb"], stored["cachePolicy"]["keepDays"]) == (40, 9)

    got = json.loads(cli.ok("get", project_id, "--output", "json", via_env=True))
    assert got == {
        "project_id": project_id,
        "organization_id": depot.org_id,
        "name": name,
        "region_id": "eu-central-1",
        "created_at": got["created_at"],
        "cache_policy": {"keep_bytes": 40 * GIB, "keep_days": 9},
    }
    assert got["created_at"].startswith(stored["createdAt"][:19])

    # --cache-storage-policy makes the CLI read the project first and send keep_bytes with the current keep_days.
    new_name = f"{name}-renamed"
    args = ("--name", new_name, "--region", "us-east-1", "--cache-storage-policy", "7", "--output", "json")
    updated = json.loads(cli.ok("update", project_id, *args))
    assert updated == {
        **got,
        "name": new_name,
        "region_id": "us-east-1",
        "cache_policy": {"keep_bytes": 7 * GIB, "keep_days": 9},
    }
    stored = stored_project(depot, project_id)
    assert (stored["name"], stored["regionId"], stored["cachePolicy"]["keepGb"]) == (new_name, "us-east-1", 7)

    table = cli.ok("get", "--project-id", project_id)
    assert re.search(rf"^Name:\s+{re.escape(new_name)}$", table, re.MULTILINE), table
    assert re.search(r"^Cache storage:\s+7 GB$", table, re.MULTILINE), table
    assert re.search(r"^Cache retention:\s+9 days$", table, re.MULTILINE), table

    assert cli.ok("delete", "--project-id", project_id, "--yes").strip() == f"Successfully deleted project {project_id}"
    assert rpc(depot, "GetProject", {"projectId": project_id}).json()["code"] == "not_found"
    assert "not_found" in cli.fails("delete", "--project-id", project_id, "--yes")
    assert_spoke_h2c(cli)


def test_cli_reports_the_servers_errors(cli: DepotCli) -> None:
    missing = "zz" + secrets.token_hex(4)
    assert re.search(rf"not_found: .*{missing}", cli.fails("get", missing, "--output", "json"))
    assert "unauthenticated" in cli.fails("get", missing, token="depot_org_unknown_" + secrets.token_hex(8))
    stderr = cli.fails("create", "--region", "mars-central-1", f"cli-{secrets.token_hex(3)}")
    assert "invalid_argument" in stderr and "region" in stderr, stderr
    assert_spoke_h2c(cli)


def test_cli_lists_the_organizations_projects(cli: DepotCli, depot: ApiOrg) -> None:
    names = sorted(f"cli-list-{secrets.token_hex(3)}" for _ in range(2))
    ids = {}
    for name in names:
        response = rpc(depot, "CreateProject", {"name": name, "regionId": "us-east-1"})
        assert response.status_code == 200, response.text
        ids[name] = response.json()["project"]["projectId"]

    listed = json.loads(cli.ok("list", "--output", "json"))
    assert sorted(listed, key=lambda project: project["name"]) == [{"id": ids[n], "name": n} for n in names]
    rows = list(csv.reader(io.StringIO(cli.ok("list", "--output", "csv"))))
    assert rows[0] == ["Project ID", "Name"]
    assert sorted(rows[1:], key=lambda row: row[1]) == [[ids[n], n] for n in names]
