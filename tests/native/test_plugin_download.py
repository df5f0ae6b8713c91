"""The plugin as a user on a fresh machine gets it: the engine downloads scripts/package_plugin.py's archive from the
release host the schema names (pluginDownloadURL, the SDK's pulumi-plugin.json `server`), or `pulumi plugin install
--server` does. A loopback HTTP server plays the release host, reached through PULUMI_PLUGIN_DOWNLOAD_URL_OVERRIDES
on the real server URL. Each stack has a fresh PULUMI_HOME, ambient plugins are ignored, and the YAML programs run
with no virtualenv on PATH: the frozen plugin needs nothing beside it."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from native_stack import native_resources, up
from pulumi_depot_provider.native.provider import plugin_version
from pulumi_stack import PULUMI, SCHEMA_FILE, PulumiStack, write_program

ROOT = Path(__file__).resolve().parents[2]
SERVER = json.loads(SCHEMA_FILE.read_text())["pluginDownloadURL"]
YAML_HOST = PULUMI.with_name("pulumi-language-yaml")
# How the engine's error begins when it cannot get a plugin the program needs.
START = "Could not automatically download"
# The harness turns acquisition off for every other test.
ACQUIRE = {"PULUMI_IGNORE_AMBIENT_PLUGINS": "true", "PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION": "false"}
# The CLI and its language hosts, and the system's tools: no virtualenv, so no pulumi-depot and no Python packages.
BARE_PATH = os.pathsep.join([str(PULUMI.parent), "/usr/bin", "/bin"])
YAML_PROGRAM = """\
name: depot-download
runtime: yaml
resources:
  api:
    type: depot:index:Project
    properties:
      name: api
      region: us-east-1
  # A component: the plugin's Construct builds its children with the generated SDK, frozen in too.
  acme:
    type: depot:index:TenantProject
    properties:
      tenant: acme
      region: us-east-1
outputs:
  projectId: ${api.id}
"""
# A YAML project's package declaration (pulumi-yaml's packages.PackageDecl): the version and where it is released.
PACKAGE_DECLARATION = f"packageDeclarationVersion: 1\nname: depot\nversion: {plugin_version()}\ndownloadUrl: {SERVER}\n"


@contextmanager
def release_host(directory: Path) -> Iterator[tuple[str, list[str]]]:
    """A loopback server playing the plugin's release host: its URL, and the paths asked for (in order)."""
    asked: list[str] = []

    class Handler(SimpleHTTPRequestHandler):
        def do_GET(self) -> None:
            asked.append(self.path)
            super().do_GET()

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(Handler, directory=str(directory)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", asked
    finally:
        server.shutdown()
        server.server_close()


def redirect(url: str) -> dict[str, str]:
    """The engine's downloads from the schema's release host go to ``url`` instead."""
    return {"PULUMI_PLUGIN_DOWNLOAD_URL_OVERRIDES": f"^{re.escape(SERVER)}$={url}"}


def installed(stack: PulumiStack) -> Path:
    return Path(stack.env["PULUMI_HOME"]) / "plugins" / f"resource-depot-v{plugin_version()}" / "pulumi-resource-depot"


@pytest.fixture
def yaml_program(tmp_path: Path) -> Path:
    if not YAML_HOST.exists():
        pytest.skip(f"{YAML_HOST} is missing: run scripts/install-pulumi-yaml.sh")
    program = tmp_path / "yaml-program"
    program.mkdir()
    (program / "Pulumi.yaml").write_text(YAML_PROGRAM, encoding="utf-8")
    (program / "depot.yaml").write_text(PACKAGE_DECLARATION, encoding="utf-8")
    return program


def test_a_yaml_program_on_a_fresh_machine_gets_the_plugin_from_the_release_host(
    depot: Any,
    pulumi_stack: Callable[..., PulumiStack],
    plugin_tarball: Path,
    yaml_program: Path,
) -> None:
    with release_host(plugin_tarball.parent) as (url, asked):
        stack = pulumi_stack(yaml_program, depot, env={**ACQUIRE, **redirect(url), "PATH": BARE_PATH})
        assert not installed(stack).exists()
        ops = up(stack)
        assert ops["api"] == "create" and set(ops.values()) == {"create"}, ops
        assert asked == [f"/{plugin_tarball.name}"]
        assert os.access(installed(stack), os.X_OK)
        project_id = stack.outputs()["projectId"]
        assert native_resources(stack)["api"]["type"] == "depot:index:Project"
        assert depot.client().get_project(project_id).name == "api"
        assert len(depot.client().list_projects()) == 2  # the tenant's too
        stack.preview(expect_no_changes=True)
        stack.destroy()
        assert asked == [f"/{plugin_tarball.name}"]  # downloaded once, then the cached copy served every step
    assert depot.client().list_projects() == []


def test_b_a_bad_release_fails_naming_the_install_command_and_plugin_install_from_the_server_works(
    depot: Any, tmp_path: Path, pulumi_stack: Callable[..., PulumiStack], plugin_tarball: Path, yaml_program: Path
) -> None:
    """The three ways a release host can fail the engine: the engine's own one-line error (what the user sees; the
    plugin never runs) names the command that installs the plugin and what went wrong. Then that command, pointed at
    a good host, installs the plugin, which serves the deployment."""
    version = plugin_version()
    wanted = plugin_tarball.name
    hosts = {
        # Only another version released, only another platform's archive, the right name holding no gzip.
        "wrong-version": (wanted.replace(f"-v{version}-", "-v0.0.1-"), b""),
        "missing-platform": (re.sub(r"-linux-(amd64|arm64)\.", "-darwin-riscv64.", wanted), b""),
        "corrupt": (wanted, b"<html>not an archive</html>"),
    }
    for host, (name, data) in hosts.items():
        (tmp_path / "release" / host).mkdir(parents=True)
        (tmp_path / "release" / host / name).write_bytes(data)
    shutil.copy(plugin_tarball, tmp_path / "release" / wanted)
    fix = f"install the plugin using `pulumi plugin install resource depot v{version} --server {SERVER}`"
    with release_host(tmp_path / "release") as (url, asked):
        stack = pulumi_stack(yaml_program, depot, env={**ACQUIRE, "PATH": BARE_PATH})
        causes = {}
        for host in hosts:
            stack.env.update(redirect(f"{url}/{host}"))
            output = stack.cli("preview", "--color", "never", check=False)
            # The engine prints its error line in the progress and again under Diagnostics.
            errors = {line[line.index(START) :] for line in output.splitlines() if START in line}
            assert len(errors) == 1, output
            (error,) = errors
            assert fix in error, error
            causes[host] = error.split(f"--server {SERVER}`: ", 1)[1]
        assert not installed(stack).exists()
        missing = f"404 HTTP error fetching plugin from {url}"
        assert causes["wrong-version"].endswith(f"{missing}/wrong-version/{wanted}")
        assert causes["missing-platform"].endswith(f"{missing}/missing-platform/{wanted}")
        assert causes["corrupt"].endswith("uncompressing: gzip: invalid header")

        stack.env.pop("PULUMI_PLUGIN_DOWNLOAD_URL_OVERRIDES")
        install = [str(PULUMI), "plugin", "install", "resource", "depot", version, "--server", url]
        subprocess.run(install, env=stack.env, capture_output=True, text=True, timeout=300, check=True)
        assert asked[-1] == f"/{wanted}"
        assert os.access(installed(stack), os.X_OK)
        # Installed, the plugin is used as it is: nothing more is downloaded (the override is gone).
        assert up(stack)["api"] == "create"
        assert depot.client().get_project(stack.outputs()["projectId"]).name == "api"
        assert asked[-1] == f"/{wanted}" and asked.count(f"/{wanted}") == 1


def test_c_the_engine_fetches_the_plugin_the_python_language_host_reports_before_the_program_runs(
    depot: Any, tmp_path: Path, pulumi_stack: Callable[..., PulumiStack], plugin_tarball: Path
) -> None:
    """Pulumi's rule, through the Python language host's GetRequiredPackages: the installed pulumi_depot_native's
    pulumi-plugin.json names plugin depot at its version and its server, and the engine installs it into a fresh
    PULUMI_HOME before the deployment, so even a program that declares nothing of it gets it."""
    with release_host(plugin_tarball.parent) as (url, asked):
        program = write_program(tmp_path / "program", "import pulumi_depot_native  # noqa: F401\n")
        stack = pulumi_stack(program, depot, env={**ACQUIRE, **redirect(url)})
        stack.preview()
    assert asked == [f"/{plugin_tarball.name}"]
    assert os.access(installed(stack), os.X_OK)
