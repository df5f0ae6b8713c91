"""`pulumi install` then `up`, as a user with a virtualenv runs an example (issue 19): the Python language host's
InstallDependencies (Pulumi's toolchain package) creates the virtualenv of Pulumi.yaml's runtime options from the
example's requirements.txt, pulumi and its dependencies from PyPI, with pip (`virtualenv: venv`) or uv
(`toolchain: uv`, which turns requirements.txt into a pyproject.toml and a `.venv`), and the program then runs in
that virtualenv. And `pulumi new`, which asks the host for the runtime options and to prepare the project."""

from __future__ import annotations

import subprocess
import tomllib
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml
from example_cycles import Org
from example_harness import copy_example
from pulumi_stack import PULUMI, PulumiStack, cli_environment

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(("option", "virtualenv"), [("virtualenv: venv", "venv"), ("toolchain: uv", ".venv")])
def test_pulumi_install_creates_the_virtualenv_and_up_runs_in_it(
    option: str, virtualenv: str, depot: Org, tmp_path: Path, pulumi_stack: Callable[..., PulumiStack]
) -> None:
    program = copy_example("quickstart", tmp_path / "programs")
    # A clone installs pulumi-depot from itself, as the requirements file's comment says.
    requirements = program / "requirements.txt"
    lines = requirements.read_text(encoding="utf-8").splitlines()
    assert "pulumi-depot" in lines
    lines[lines.index("pulumi-depot")] = f"pulumi-depot @ {ROOT.as_uri()}"
    requirements.write_text("\n".join(lines) + "\n", encoding="utf-8")
    project = program / "Pulumi.yaml"
    text = project.read_text(encoding="utf-8")
    assert "\nruntime: python\n" in text
    project.write_text(
        text.replace("\nruntime: python\n", f"\nruntime:\n  name: python\n  options:\n    {option}\n"),
        encoding="utf-8",
    )
    with (program / "__main__.py").open("a", encoding="utf-8") as main:
        main.write("\nimport sys\n\npulumi.export('python', sys.prefix)\n")

    stack = pulumi_stack(program, depot)
    # `pulumi install` takes no --stack (PulumiStack.cli adds one).
    installed = subprocess.run(
        [str(PULUMI), "install"], cwd=program, env=stack.env, capture_output=True, text=True, timeout=600, check=False
    )
    assert installed.returncode == 0, installed.stdout + installed.stderr
    venv = program / virtualenv
    assert (venv / "bin" / "python").exists()
    assert list(venv.glob("lib/python*/site-packages/pulumi_depot/pulumi-plugin.json"))

    assert stack.up() == {"app": "create", "github": "create", "ci": "create"}
    assert Path(stack.outputs()["python"]).resolve() == venv.resolve()
    assert len(depot.client().list_projects()) == 1
    stack.preview(expect_no_changes=True)


def test_pulumi_new_asks_the_host_for_the_toolchain_and_prepares_the_project(tmp_path: Path) -> None:
    """`pulumi new` from a Python template: with no toolchain set, the host's RuntimeOptionsPrompts default
    (pip, virtualenv venv) is written to Pulumi.yaml; with `toolchain: uv`, its Template turns requirements.txt into
    a pyproject.toml."""
    env = cli_environment(tmp_path / "home", tmp_path / "backend")
    (tmp_path / "backend").mkdir()
    created = {}
    for name, runtime in (
        ("plain", "runtime: python"),
        ("uv", "runtime:\n  name: python\n  options:\n    toolchain: uv"),
    ):
        template = tmp_path / f"template-{name}"
        template.mkdir()
        (template / "Pulumi.yaml").write_text(f"name: ${{PROJECT}}\n{runtime}\n", encoding="utf-8")
        (template / "requirements.txt").write_text("pulumi>=3.200,<4\n", encoding="utf-8")
        (template / "__main__.py").write_text("import pulumi\n", encoding="utf-8")
        created[name] = tmp_path / name
        command = [str(PULUMI), "new", str(template), "--yes", "--generate-only", "--name", name]
        done = subprocess.run(
            [*command, "--dir", str(created[name])], env=env, capture_output=True, text=True, timeout=300, check=False
        )
        assert done.returncode == 0, done.stdout + done.stderr

    project = yaml.safe_load((created["plain"] / "Pulumi.yaml").read_text(encoding="utf-8"))
    assert project["runtime"] == {"name": "python", "options": {"toolchain": "pip", "virtualenv": "venv"}}
    pyproject = tomllib.loads((created["uv"] / "pyproject.toml").read_text(encoding="utf-8"))
    assert pyproject["project"]["dependencies"] == ["pulumi>=3.200,<4"]
    assert not (created["uv"] / "requirements.txt").exists()
