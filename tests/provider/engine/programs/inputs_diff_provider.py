"""A sample-provider variant whose ``diff`` leaves ``changes`` unset, so the engine compares the inputs itself
(DIFF_UNKNOWN): the only case in which ``replace_on_changes`` and the engine's own ``ignore_changes`` comparison
decide for a Python dynamic provider."""

from __future__ import annotations

from typing import Any

import pulumi
from pulumi.dynamic import DiffResult, Resource
from sample_provider import RecordProvider


class InputsDiffProvider(RecordProvider):
    def diff(self, _id: str, _olds: dict[str, Any], _news: dict[str, Any]) -> DiffResult:
        return DiffResult()


class InputsDiffRecord(Resource, module="sample", name="InputsDiffRecord"):
    """``pulumi-python:dynamic/sample:InputsDiffRecord``."""

    recordId: pulumi.Output[str]

    def __init__(self, name: str, props: dict[str, Any], opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(InputsDiffProvider(), name, {**props, "recordId": None, "tokenLength": None}, opts)
