"""Deploying an example (with the engine-shaped runner, or with a real Pulumi CLI) and reading what Depot holds.

A `Deployer` deploys one copy of an example (``program_dir``, a copy in the test's tmp_path, so a test may edit
it) as one stack; `RunnerDeployer` and `PulumiDeployer` do the same steps, so one cycle per example
(example_cycles.py) runs with either. `depot_projects` lists the organization's projects with their trust
policies and tokens, through DepotClient.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, Final, Protocol

from pulumi_depot_provider.client import DepotClient
from pulumi_depot_provider.engine import Runner, Secret, StateFile
from pulumi_depot_provider.proto import pb
from pydantic import BaseModel, ConfigDict

ROOT: Final = Path(__file__).resolve().parents[2]
EXAMPLES_DIR: Final = ROOT / "examples"
STACK: Final = "dev"
DYNAMIC_TYPE_PREFIX: Final = "pulumi-python:dynamic/"
PULUMI_TIMEOUT: Final = 300.0

Ops = dict[str, str]
"""Logical resource name -> step op (create, update, replace, delete, same), custom resources only."""


class TokenView(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: str
    description: str


class ProjectView(BaseModel):
    """One Depot project as Depot holds it. ``trust`` maps policy id -> ``provider:who`` (``github:acme/api``,
    ``buildkite:acme/deploy``, ``circleci:<org uuid>/<project uuid>``)."""

    model_config = ConfigDict(frozen=True)

    id: str
    name: str
    region: str
    keep_gb: int
    keep_days: int
    hardware: str
    trust: dict[str, str]
    tokens: tuple[TokenView, ...]

    def trusted(self) -> list[str]:
        return sorted(self.trust.values())

    def trust_id(self, who: str) -> str:
        (found,) = [policy_id for policy_id, described in self.trust.items() if described == who]
        return found


def describe_trust(policy: pb.TrustPolicy) -> str:
    which = policy.WhichOneof("provider")
    if which == "github":
        return f"github:{policy.github.repository_owner}/{policy.github.repository}"
    if which == "buildkite":
        return f"buildkite:{policy.buildkite.organization_slug}/{policy.buildkite.pipeline_slug}"
    if which == "circleci":
        return f"circleci:{policy.circleci.organization_uuid}/{policy.circleci.project_uuid}"
    raise AssertionError(f"trust policy {policy.trust_policy_id} has no provider")


def depot_projects(client: DepotClient) -> dict[str, ProjectView]:
    """Every project of the client's organization, by id."""
    views = {}
    for project in client.list_projects():
        project_id = project.project_id
        views[project_id] = ProjectView(
            id=project_id,
            name=project.name,
            region=project.region_id,
            keep_gb=project.cache_policy.keep_gb,
            keep_days=project.cache_policy.keep_days,
            hardware=pb.Hardware.Name(project.hardware),
            trust={p.trust_policy_id: describe_trust(p) for p in client.list_trust_policies(project_id)},
            tokens=tuple(TokenView(id=t.token_id, description=t.description) for t in client.list_tokens(project_id)),
        )
    return views


def only_project(client: DepotClient) -> ProjectView:
    projects = depot_projects(client)
    assert len(projects) == 1, f"expected exactly one project in Depot, found {sorted(projects)}"
    return next(iter(projects.values()))


class Deployer(Protocol):
    program_dir: Path

    def set_config(self, key: str, value: str) -> None:
        """Stack config in the project's namespace (``keepGb``) or another (``depot:apiUrl``)."""

    def up(self) -> Ops:
        """Deploy; what it did, as the preview just before it planned it."""

    def refresh(self) -> None: ...

    def destroy(self) -> None: ...

    def outputs(self) -> dict[str, Any]:
        """Stack outputs with secrets revealed."""

    def secret_outputs(self) -> set[str]:
        """Names of the stack outputs that are secrets."""


MakeRunnerDeployer = Callable[[str], "RunnerDeployer"]
"""The ``runner_deployer`` fixture: example directory name -> a deployer of a fresh copy of it."""


def copy_example(name: str, destination: Path) -> Path:
    target = destination / name
    shutil.copytree(EXAMPLES_DIR / name, target, ignore=shutil.ignore_patterns("__pycache__"))
    return target


class RunnerDeployer:
    """The engine-shaped runner (pulumi_depot_provider.engine.Runner), state in ``state_dir``."""

    def __init__(self, program_dir: Path, state_dir: Path, *, api_url: str, token: str) -> None:
        self.program_dir = program_dir
        self.state_path = state_dir / f"{program_dir.name}.{STACK}.json"
        self._config: dict[str, str | Secret] = {"depot:apiUrl": api_url, "depot:token": Secret(token)}

    def set_config(self, key: str, value: str) -> None:
        self._config[key] = value

    def _runner(self) -> Runner:
        return Runner(self.program_dir, stack=STACK, state=self.state_path, config=self._config)

    def up(self) -> Ops:
        summary = self._runner().up()
        return {step.name: step.op for step in summary.steps if step.custom}

    def refresh(self) -> None:
        self._runner().refresh()

    def destroy(self) -> None:
        self._runner().destroy()

    def _state_outputs(self) -> dict[str, Any]:
        state = StateFile(self.state_path).load()
        assert state is not None, f"no state at {self.state_path}"
        return state.outputs

    def outputs(self) -> dict[str, Any]:
        return {
            key: value.value if isinstance(value, Secret) else value for key, value in self._state_outputs().items()
        }

    def secret_outputs(self) -> set[str]:
        return {key for key, value in self._state_outputs().items() if isinstance(value, Secret)}


class PulumiDeployer:
    """The real Pulumi CLI: a local (file) backend and PULUMI_HOME under ``work_dir``, the passphrase secrets
    provider, and this interpreter's environment for the program and the dynamic provider host."""

    def __init__(self, program_dir: Path, work_dir: Path, *, api_url: str, token: str) -> None:
        self.program_dir = program_dir
        home, backend = work_dir / "pulumi-home", work_dir / "pulumi-backend"
        home.mkdir(parents=True, exist_ok=True)
        backend.mkdir(parents=True, exist_ok=True)
        self._env = {
            **os.environ,
            "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
            "PULUMI_HOME": str(home),
            "PULUMI_CONFIG_PASSPHRASE": "example-tests",
            "PULUMI_SKIP_UPDATE_CHECK": "true",
            "PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION": "true",
        }
        self._env.pop("PULUMI_ACCESS_TOKEN", None)
        self._env.pop("PULUMI_BACKEND_URL", None)
        self._pulumi("login", f"file://{backend}")
        self._pulumi("stack", "init", STACK, "--secrets-provider", "passphrase")
        self.set_config("depot:apiUrl", api_url)
        self._pulumi("config", "set", "--secret", "depot:token", token)

    def _pulumi(self, *args: str) -> str:
        completed = subprocess.run(
            ["pulumi", *args, "--non-interactive"],
            cwd=self.program_dir,
            env=self._env,
            capture_output=True,
            text=True,
            timeout=PULUMI_TIMEOUT,
            check=False,
        )
        if completed.returncode != 0:
            raise AssertionError(f"pulumi {' '.join(args[:2])} failed:\n{completed.stdout}\n{completed.stderr}")
        return completed.stdout

    def set_config(self, key: str, value: str) -> None:
        self._pulumi("config", "set", key, value)

    def up(self) -> Ops:
        planned = preview_ops(json.loads(self._pulumi("preview", "--json")))
        self._pulumi("up", "--yes", "--skip-preview")
        return planned

    def refresh(self) -> None:
        self._pulumi("refresh", "--yes")

    def destroy(self) -> None:
        self._pulumi("destroy", "--yes")

    def outputs(self) -> dict[str, Any]:
        return dict(json.loads(self._pulumi("stack", "output", "--json", "--show-secrets")))

    def secret_outputs(self) -> set[str]:
        masked = json.loads(self._pulumi("stack", "output", "--json"))
        return {key for key, value in masked.items() if value == "[secret]"}


_REPLACEMENT_OPS: Final = {"replace", "create-replacement", "delete-replaced"}


def preview_ops(digest: dict[str, Any]) -> Ops:
    """`pulumi preview --json`'s steps as name -> op for dynamic resources; a replacement's several steps are one
    ``replace``."""
    ops: Ops = {}
    for step in digest.get("steps", []):
        _, _, qualified_type, name = step["urn"].split("::", 3)
        if not qualified_type.split("$")[-1].startswith(DYNAMIC_TYPE_PREFIX):
            continue
        op = "replace" if step["op"] in _REPLACEMENT_OPS else step["op"]
        ops[name] = "replace" if ops.get(name) == "replace" else op
    return ops
