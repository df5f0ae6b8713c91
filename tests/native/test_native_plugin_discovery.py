"""How a program finds the plugin, under the real `pulumi` with PULUMI_IGNORE_AMBIENT_PLUGINS=true (so the console
script on PATH is not used; test_native_sdk.py covers PATH, the default): (b) Pulumi.yaml's `plugins: providers:`
path, (c) the tarball of scripts/package_plugin.py installed into the plugin cache (the stack's own PULUMI_HOME)
with `pulumi plugin install`. Each runs a generated-SDK program up, preview with no changes, and destroy. (d) the
engine's own acquisition: the Python language host reports the installed SDK's plugin, and the engine downloads it
before the program runs."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from native_stack import PLUGIN, native_resources, up
from pulumi import automation as auto
from pulumi_depot_provider.native.provider import plugin_version
from pulumi_stack import PULUMI, PulumiStack, write_program

ROOT = Path(__file__).resolve().parents[2]
IGNORE_AMBIENT = {"PULUMI_IGNORE_AMBIENT_PLUGINS": "true"}
PROGRAM = """
import pulumi
import pulumi_depot_native as depot

api = depot.Project("api", name="api", region="us-east-1")
pulumi.export("project_id", api.id)
"""


def package_plugin() -> ModuleType:
    spec = importlib.util.spec_from_file_location("package_plugin", ROOT / "scripts" / "package_plugin.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def plugin_cli(stack: PulumiStack, *args: str) -> subprocess.CompletedProcess[str]:
    """`pulumi plugin ...` with the stack's environment (its PULUMI_HOME: the user's cache is untouched)."""
    return subprocess.run(
        [str(PULUMI), "plugin", *args], env=stack.env, capture_output=True, text=True, timeout=120, check=False
    )


def cycle(stack: PulumiStack, depot: Any) -> None:
    assert up(stack) == {"api": "create"}
    assert not any("from $PATH" in line for line in stack.log)
    project_id = stack.outputs()["project_id"]
    assert native_resources(stack)["api"]["type"] == "depot:index:Project"
    assert depot.client().get_project(project_id).name == "api"
    stack.preview(expect_no_changes=True)
    stack.destroy()
    assert depot.client().list_projects() == []


def test_ambient_plugins_ignored_and_none_declared_the_plugin_is_not_found(
    depot: Any, tmp_path: Path, pulumi_stack: Callable[..., PulumiStack]
) -> None:
    """The control: with PATH ignored and nothing else, the engine has no depot plugin (so the tests below prove
    what they declare is what the engine used)."""
    stack = pulumi_stack(write_program(tmp_path / "program", PROGRAM), depot, env=IGNORE_AMBIENT)
    with pytest.raises(auto.CommandError) as failure:
        stack.preview()
    # The SDK asks for the plugin at its own version.
    assert f"no resource plugin 'pulumi-resource-depot' found in the workspace at version v{plugin_version()}" in str(
        failure.value
    )


def test_b_pulumi_yaml_plugins_providers_path(
    depot: Any, tmp_path: Path, pulumi_stack: Callable[..., PulumiStack]
) -> None:
    program = write_program(tmp_path / "program", PROGRAM)
    with (program / "Pulumi.yaml").open("a", encoding="utf-8") as project:
        project.write(f"plugins:\n  providers:\n    - name: depot\n      path: {json.dumps(str(PLUGIN.parent))}\n")
    cycle(pulumi_stack(program, depot, env=IGNORE_AMBIENT), depot)


def test_c_tarball_installed_into_the_plugin_cache(
    depot: Any, tmp_path: Path, pulumi_stack: Callable[..., PulumiStack]
) -> None:
    packaging = package_plugin()
    tarball = packaging.package(tmp_path / "dist")
    version = plugin_version()
    assert tarball.name == packaging.tarball_name(version)
    assert tarball.name.startswith(f"pulumi-resource-depot-v{version}-linux-")
    stack = pulumi_stack(write_program(tmp_path / "program", PROGRAM), depot, env=IGNORE_AMBIENT)
    home = Path(stack.env["PULUMI_HOME"])

    installed = plugin_cli(stack, "install", "resource", "depot", version, "--file", str(tarball))
    assert installed.returncode == 0, installed.stderr
    launcher = home / "plugins" / f"resource-depot-v{version}" / "pulumi-resource-depot"
    assert os.access(launcher, os.X_OK)
    listed = plugin_cli(stack, "ls", "--json")
    assert [(p["name"], p["version"]) for p in json.loads(listed.stdout) if p["kind"] == "resource"] == [
        ("depot", version)
    ]
    cycle(stack, depot)


def test_the_launcher_names_the_variable_when_its_python_cannot_run_the_plugin(tmp_path: Path) -> None:
    tarball = package_plugin().package(tmp_path / "dist", python=str(tmp_path / "no-such-python"))
    subprocess.run(["tar", "-xzf", str(tarball), "-C", str(tmp_path)], check=True)
    env = {key: value for key, value in os.environ.items() if key != "PULUMI_DEPOT_PYTHON"}
    failed = subprocess.run(
        [str(tmp_path / "pulumi-resource-depot"), "127.0.0.1:1"], env=env, capture_output=True, text=True, timeout=60
    )
    assert failed.returncode == 1
    assert failed.stderr.strip().splitlines() == [
        f"pulumi-resource-depot: no Python at '{tmp_path / 'no-such-python'}': set PULUMI_DEPOT_PYTHON to a Python "
        "with pulumi-depot installed"
    ]


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


def test_d_the_engine_fetches_the_plugin_the_language_host_reports_before_the_program_runs(
    depot: Any, tmp_path: Path, pulumi_stack: Callable[..., PulumiStack]
) -> None:
    """Pulumi's rule, through the Python language host's GetRequiredPackages: the installed pulumi_depot_native's
    pulumi-plugin.json names plugin depot at its version, and the engine installs it into a fresh PULUMI_HOME
    before the deployment, so even a program that declares nothing of it gets it."""
    tarball = package_plugin().package(tmp_path / "release")
    version = plugin_version()
    with release_host(tarball.parent) as (url, asked):
        # The harness turns acquisition off for every other test.
        acquire = {
            "PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION": "false",
            "PULUMI_PLUGIN_DOWNLOAD_URL_OVERRIDES": f".*={url}",
        }
        env = {**IGNORE_AMBIENT, **acquire}
        program = write_program(tmp_path / "program", "import pulumi_depot_native  # noqa: F401\n")
        stack = pulumi_stack(program, depot, env=env)
        stack.preview()
    assert asked == [f"/{tarball.name}"]
    launcher = Path(stack.env["PULUMI_HOME"]) / "plugins" / f"resource-depot-v{version}" / "pulumi-resource-depot"
    assert os.access(launcher, os.X_OK)
