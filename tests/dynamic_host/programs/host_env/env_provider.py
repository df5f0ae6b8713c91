"""A provider that reports the environment the engine gave its host process. It lives beside ``__main__.py``
and is imported there by the host, whose working directory is the project's, as under the engine."""

from __future__ import annotations

import os
from typing import Any

import pulumi
from pulumi.dynamic import CreateResult, Resource, ResourceProvider


class EnvProvider(ResourceProvider):
    def create(self, props: dict[str, Any]) -> CreateResult:
        return CreateResult(
            "env",
            {
                "pulumiConfig": os.environ.get("PULUMI_CONFIG"),
                "toolchain": os.environ.get("PULUMI_RUNTIME_TOOLCHAIN"),
                "project": os.environ.get("PULUMI_PROJECT"),
                "cwd": os.getcwd(),
            },
        )


class EnvEcho(Resource, module="sample", name="EnvEcho"):
    pulumiConfig: pulumi.Output[str]
    toolchain: pulumi.Output[str]
    project: pulumi.Output[str]
    cwd: pulumi.Output[str]

    def __init__(self, name: str) -> None:
        super().__init__(EnvProvider(), name, {"pulumiConfig": None, "toolchain": None, "project": None, "cwd": None})
