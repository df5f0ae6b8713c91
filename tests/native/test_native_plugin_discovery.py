"""How a program finds the plugin, under the real `pulumi` with PULUMI_IGNORE_AMBIENT_PLUGINS=true (so the console
script on PATH is not used; test_native_sdk.py covers PATH, the default): (b) Pulumi.yaml's `plugins: providers:`
path, (c) the tarball of scripts/package_plugin.py installed into the plugin cache (the stack's own PULUMI_HOME)
with `pulumi plugin install`. Each runs a generated-SDK program up, preview with no changes, and destroy. The
engine's own download of the plugin: test_plugin_download.py."""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from native_stack import PLUGIN, native_resources, preview, up
from pulumi import automation as auto
from pulumi_depot_provider.native.provider import plugin_version
from pulumi_stack import PULUMI, PulumiStack, write_program

IGNORE_AMBIENT = {"PULUMI_IGNORE_AMBIENT_PLUGINS": "true"}
ARCH = {"x86_64": "amd64", "aarch64": "arm64"}.get(platform.machine(), platform.machine())
PROGRAM = """
import pulumi
import pulumi_depot_native as depot

api = depot.Project("api", name="api", region="us-east-1")
pulumi.export("project_id", api.id)
"""


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


def test_b_a_python_plugin_directory_runs_through_the_language_host(
    depot: Any, tmp_path: Path, pulumi_stack: Callable[..., PulumiStack]
) -> None:
    """A plugin path holding Python source (PulumiPlugin.yaml `runtime: python`, a __main__.py) rather than an
    executable: the engine has the Python language host run it (RunPlugin, in the virtualenv its options name)."""
    plugin = tmp_path / "depot-plugin"
    plugin.mkdir()
    (plugin / "PulumiPlugin.yaml").write_text(
        f"runtime:\n  name: python\n  options:\n    virtualenv: {json.dumps(sys.prefix)}\n", encoding="utf-8"
    )
    (plugin / "__main__.py").write_text(
        "from pulumi_depot_provider.native.server import main\n\nmain()\n", encoding="utf-8"
    )
    program = write_program(tmp_path / "program", PROGRAM)
    with (program / "Pulumi.yaml").open("a", encoding="utf-8") as project:
        project.write(f"plugins:\n  providers:\n    - name: depot\n      path: {json.dumps(str(plugin))}\n")
    stack = pulumi_stack(program, depot, env=IGNORE_AMBIENT)
    assert preview(stack) == {"api": "create"}  # the plugin answered Check


def test_c_tarball_installed_into_the_plugin_cache(
    depot: Any, tmp_path: Path, pulumi_stack: Callable[..., PulumiStack], plugin_tarball: Path
) -> None:
    version = plugin_version()
    assert plugin_tarball.name == f"pulumi-resource-depot-v{version}-linux-{ARCH}.tar.gz"
    stack = pulumi_stack(write_program(tmp_path / "program", PROGRAM), depot, env=IGNORE_AMBIENT)
    home = Path(stack.env["PULUMI_HOME"])

    installed = plugin_cli(stack, "install", "resource", "depot", version, "--file", str(plugin_tarball))
    assert installed.returncode == 0, installed.stderr
    plugin = home / "plugins" / f"resource-depot-v{version}" / "pulumi-resource-depot"
    assert os.access(plugin, os.X_OK)
    listed = plugin_cli(stack, "ls", "--json")
    assert [(p["name"], p["version"]) for p in json.loads(listed.stdout) if p["kind"] == "resource"] == [
        ("depot", version)
    ]
    cycle(stack, depot)
