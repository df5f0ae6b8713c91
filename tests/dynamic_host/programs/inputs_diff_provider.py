"""A sample-provider variant whose ``diff`` leaves ``changes`` unset, so the engine compares the inputs itself
(DIFF_UNKNOWN): the only case in which ``replace_on_changes`` and the engine's own ``ignore_changes`` comparison
decide for a Python dynamic provider. Its ``delete`` fails while a ``fail-delete`` file exists in the data
directory (to interrupt a run between a replacement's create and its old half's delete)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pulumi
from pulumi.dynamic import DiffResult, Resource
from sample_provider import RecordProvider

FAIL_DELETE_FILE = "fail-delete"


class InputsDiffProvider(RecordProvider):
    def diff(self, _id: str, _olds: dict[str, Any], _news: dict[str, Any]) -> DiffResult:
        return DiffResult()

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        if self._data_dir and (Path(self._data_dir) / FAIL_DELETE_FILE).exists():
            raise RuntimeError(f"refusing to delete {props.get('name')}: {FAIL_DELETE_FILE} is present")
        super().delete(id_, props)


class InputsDiffRecord(Resource, module="sample", name="InputsDiffRecord"):
    """``pulumi-python:dynamic/sample:InputsDiffRecord``."""

    recordId: pulumi.Output[str]

    def __init__(self, name: str, props: dict[str, Any], opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(InputsDiffProvider(), name, {**props, "recordId": None, "tokenLength": None}, opts)
