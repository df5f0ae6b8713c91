"""scripts/quickstart.sh, run twice as a user would (reusing this interpreter's environment instead of .venv, the
Pulumi CLI already built in .tools, and a tmp directory instead of .depot-local): the first run creates the
quickstart in the local Depot API with the real `pulumi up`, the second changes nothing, the token's secret is never
printed nor stored in plaintext nor on any command line of the script's processes (the local API, `pulumi up` and its
plugins), and the local API is stopped when the script ends."""

from __future__ import annotations

import json
import os
import re
import secrets
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from command_lines import command_lines
from example_harness import ROOT, depot_projects
from pulumi_stack import TOOLS, plaintext_in

SCRIPT = ROOT / "scripts" / "quickstart.sh"
SCRIPT_TIMEOUT = 120.0
PROJECT_LINE = re.compile(r"^project +quickstart \(id (?P<id>[a-z0-9]+)\), us-east-1, cache 50 GB / 14 days$", re.M)
API_LINE = re.compile(r"Local Depot API at (?P<url>http://127\.0\.0\.1:\d+) ")


def run_quickstart(state_dir: Path, token: str, seen: dict[int, set[bytes]] | None = None) -> str:
    """The script's output; ``seen``: filled with every command line its process tree showed while it ran."""
    env = {
        **os.environ,
        "SKIP_BOOTSTRAP": "1",
        "PULUMI_DEPOT_VENV": sys.prefix,
        "PULUMI_DEPOT_TOOLS": str(TOOLS),
        "DEPOT_QUICKSTART_DIR": str(state_dir),
        "DEPOT_LOCAL_TOKEN": token,
    }
    for inherited in ("DEPOT_TOKEN", "DEPOT_API_URL", "PULUMI_BACKEND_URL", "PULUMI_ACCESS_TOKEN", "PULUMI_HOME"):
        env.pop(inherited, None)
    process = subprocess.Popen(
        ["bash", str(SCRIPT)], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    with command_lines(process.pid) as lines:
        stdout, stderr = process.communicate(timeout=SCRIPT_TIMEOUT)
    (seen if seen is not None else {}).update(lines)
    assert process.returncode == 0, f"quickstart.sh failed:\n{stdout}\n{stderr}"
    return stdout


def assert_api_stopped(output: str) -> None:
    """The local Depot API the script started (and printed) no longer listens."""
    started = API_LINE.search(output)
    assert started is not None, output
    with httpx.Client(timeout=5.0, trust_env=False) as http, pytest.raises(httpx.ConnectError):
        http.get(f"{started['url']}/_admin/health")


def test_quickstart_twice_creates_once_then_changes_nothing(
    pulumi_cli: Path, tmp_path: Path, start_depot_server: Callable[..., Any]
) -> None:
    state_dir = tmp_path / "depot-local"
    token = "depot_org_quickstart_test_" + secrets.token_hex(8)

    seen: dict[int, set[bytes]] = {}
    first = run_quickstart(state_dir, token, seen)
    assert "with pulumi up" in first
    assert "==> Deployed." in first
    created = PROJECT_LINE.search(first)
    assert created is not None, first
    project_id = created["id"]
    assert_api_stopped(first)

    second = run_quickstart(state_dir, token)
    assert "==> No changes: the quickstart was already deployed." in second
    assert re.search(r"^    \d+ unchanged$", second, re.M)
    assert not re.search(r"^    (\+|~|-|\+-) \d+ ", second, re.M)
    again = PROJECT_LINE.search(second)
    assert again is not None and again["id"] == project_id
    assert_api_stopped(second)

    # What the local API kept: the one project, its policy and token, exactly as printed.
    server = start_depot_server(db=state_dir / "depot.sqlite3", token=token)
    (project,) = depot_projects(server.client()).values()
    assert project.id == project_id
    assert project.trusted() == ["github:my-org/my-app"]
    (kept_token,) = project.tokens
    assert f"(id {kept_token.id})" in second
    assert f"(id {project.trust_id('github:my-org/my-app')})" in second

    # The token's secret: a Pulumi secret, never printed, never stored in plaintext by the CLI.
    outputs = json.loads((state_dir / "quickstart.outputs.json").read_text())
    assert outputs["token"] == "[secret]"
    exported = server.client().list_tokens(project.id)
    assert [t.token_id for t in exported] == [kept_token.id]
    revealed = subprocess.run(
        [str(TOOLS / "bin" / "pulumi"), "stack", "output", "token", "--show-secrets", "--non-interactive"],
        cwd=state_dir / "quickstart",
        env={
            **os.environ,
            "PULUMI_BACKEND_URL": f"file://{state_dir / 'pulumi'}",
            "PULUMI_HOME": str(state_dir / "pulumi-home"),
            "PULUMI_CONFIG_PASSPHRASE": "depot-quickstart-local",
            "PULUMI_SKIP_UPDATE_CHECK": "true",
        },
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert revealed.startswith("depot_project_")
    assert revealed not in first + second
    assert plaintext_in(state_dir, revealed, token) == []
    # Nor on a command line: the sampling saw the local API, `pulumi up`, the program and the provider host.
    lines = [line for pid_lines in seen.values() for line in pid_lines]
    for process in (b"depot-local\0serve", b"pulumi\0up", b"pulumi-language-python-exec\0--", b"pulumi.dynamic"):
        assert any(process in line for line in lines), (process, lines)
    assert [line.split(b"\0")[:3] for line in lines if token.encode() in line or revealed.encode() in line] == []


def test_depot_local_dir_is_ignored_by_git() -> None:
    ignored = subprocess.run(
        ["git", "check-ignore", "-q", ".depot-local/pulumi/anything.json"], cwd=ROOT, check=False, capture_output=True
    )
    assert ignored.returncode == 0, ".depot-local/ is not in .gitignore"
