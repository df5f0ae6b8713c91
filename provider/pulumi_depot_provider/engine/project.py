"""A Pulumi project directory and its stack configuration, read as the CLI reads them (TEST TOOLING).

- ``Pulumi.yaml``: ``name`` (the project), ``runtime`` (must be ``python``; its ``options`` reach the provider host
  as ``PULUMI_RUNTIME_<OPTION>`` environment variables, as the engine passes them) and ``main`` (another directory
  or file holding the program).
- ``Pulumi.<stack>.yaml``: the ``config:`` map. Keys without a namespace get the project's (``key`` ->
  ``<project>:key``); scalars become strings (``true``/``false`` for booleans) and lists or maps their JSON, as the
  CLI hands them to a program. Encrypted values (``secure:``) are refused: this tooling has no secrets provider,
  pass them as secret config instead.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Final

import yaml
from pydantic import BaseModel, ConfigDict

from .props import Secret

PROJECT_FILE: Final = "Pulumi.yaml"
DYNAMIC_PROVIDER_PACKAGE: Final = "pulumi-python"


class ProjectError(ValueError):
    """A project or stack file that cannot be used; the message names the file and the field."""


class ProjectInfo(BaseModel):
    model_config = ConfigDict(frozen=True)

    name: str
    directory: Path
    program: Path
    """The directory (holding ``__main__.py``) or file to run."""
    runtime_options: dict[str, str] = {}


def load_project(directory: str | Path) -> ProjectInfo:
    directory = Path(directory).resolve()
    project_file = directory / PROJECT_FILE
    if not project_file.is_file():
        raise ProjectError(f"no {PROJECT_FILE} in {directory}: give the directory of a Pulumi project")
    data = _read_yaml(project_file)
    name = data.get("name")
    if not isinstance(name, str) or not name:
        raise ProjectError(f"{project_file}: `name` must be a non-empty string")
    runtime = data.get("runtime")
    runtime_name = runtime.get("name") if isinstance(runtime, Mapping) else runtime
    if runtime_name != "python":
        raise ProjectError(f"{project_file}: `runtime` must be python (got {runtime_name!r}); the runner runs Python")
    options = (runtime.get("options") or {}) if isinstance(runtime, Mapping) else {}
    if not isinstance(options, Mapping):
        raise ProjectError(f"{project_file}: `runtime.options` must be a map")
    main = data.get("main")
    if main is not None and not isinstance(main, str):
        raise ProjectError(f"{project_file}: `main` must be a path relative to the project")
    program = (directory / main).resolve() if main else directory
    return ProjectInfo(
        name=name,
        directory=directory,
        program=program,
        runtime_options={str(key): _config_string(value) for key, value in options.items()},
    )


def load_stack_config(project: ProjectInfo, stack: str) -> dict[str, str]:
    """The plain ``config:`` values of ``Pulumi.<stack>.yaml`` (empty if the file does not exist)."""
    stack_file = project.directory / f"Pulumi.{stack}.yaml"
    if not stack_file.is_file():
        return {}
    config = _read_yaml(stack_file).get("config") or {}
    if not isinstance(config, Mapping):
        raise ProjectError(f"{stack_file}: `config` must be a map of keys to values")
    values: dict[str, str] = {}
    for key, value in config.items():
        full_key = qualify_key(str(key), project.name)
        if isinstance(value, Mapping) and "secure" in value:
            raise ProjectError(
                f"{stack_file}: {full_key} is encrypted (`secure:`); the runner has no secrets provider, "
                "pass it with --secret-config instead"
            )
        if value is None:
            raise ProjectError(f"{stack_file}: {full_key} has no value; give one or remove the key")
        values[full_key] = _config_string(value)
    return values


def qualify_key(key: str, project: str) -> str:
    """``key`` -> ``project:key``; namespaced keys are left alone."""
    if not key or key.startswith(":") or key.endswith(":"):
        raise ProjectError(f"config key {key!r} must be `name` or `namespace:name`")
    return key if ":" in key else f"{project}:{key}"


def split_config(config: Mapping[str, str | Secret]) -> tuple[dict[str, str], set[str]]:
    """Plain string values and the set of keys that are secrets."""
    values: dict[str, str] = {}
    secret_keys: set[str] = set()
    for key, value in config.items():
        raw = value.value if isinstance(value, Secret) else value
        if not isinstance(raw, str):
            raise ProjectError(
                f"config {key}: values must be strings (or Secret of a string), got {type(raw).__name__}"
            )
        if ":" not in key:
            raise ProjectError(f"config {key}: keys must be namespaced, e.g. depot:token")
        values[key] = raw
        if isinstance(value, Secret):
            secret_keys.add(key)
    return values, secret_keys


def provider_host_env(values: Mapping[str, str], runtime_options: Mapping[str, str]) -> dict[str, str]:
    """What the engine adds to a provider plugin's environment (pkg/host Provider, plugin.NewProvider):
    ``PULUMI_CONFIG``, the JSON of the config keys in the plugin's own namespace (``pulumi-python`` for dynamic
    providers, so usually ``{}``) with the namespace removed, and ``PULUMI_RUNTIME_<OPTION>`` per runtime option."""
    prefix = f"{DYNAMIC_PROVIDER_PACKAGE}:"
    own = {key[len(prefix) :]: value for key, value in values.items() if key.startswith(prefix)}
    env = {f"PULUMI_RUNTIME_{name.upper()}": value for name, value in runtime_options.items()}
    env["PULUMI_CONFIG"] = json.dumps(own, sort_keys=True)
    return env


def _config_string(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    if isinstance(value, int | float):
        return str(value)
    return json.dumps(value)


def _read_yaml(path: Path) -> dict[str, Any]:
    try:
        data = yaml.safe_load(path.read_text())
    except (OSError, yaml.YAMLError) as err:
        raise ProjectError(f"cannot read {path}: {err}") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ProjectError(f"{path}: expected a YAML map at the top level")
    return data
