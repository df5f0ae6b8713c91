"""A small dynamic provider for the engine harness's own tests.

Records live in ``records.json`` under the directory given by the ``sample:dataDir`` config key, and
``sample:token`` must be configured (a stand-in credential). The host subprocess imports this module by name, so
the tests put this directory on its PYTHONPATH; the provider class therefore pickles by reference.
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

import pulumi
from pulumi.dynamic import (
    CheckFailure,
    CheckResult,
    ConfigureRequest,
    CreateResult,
    DiffResult,
    ReadResult,
    Resource,
    ResourceProvider,
    UpdateResult,
)
from pulumi.output import Unknown

INPUT_KEYS = ("name", "size", "note", "secretValue")
STORE_FILE = "records.json"
JOURNAL_FILE = "journal.jsonl"


def load_store(data_dir: str | Path) -> dict[str, dict[str, Any]]:
    path = Path(data_dir) / STORE_FILE
    return json.loads(path.read_text()) if path.exists() else {}


def load_journal(data_dir: str | Path) -> list[tuple[str, str]]:
    """Every create, update and delete the provider performed, in order, as ``(operation, record name)``."""
    path = Path(data_dir) / JOURNAL_FILE
    lines = path.read_text().splitlines() if path.exists() else []
    return [(entry["op"], entry["name"]) for entry in map(json.loads, lines)]


class RecordProvider(ResourceProvider):
    _data_dir: str | None = None
    _token: str | None = None

    def configure(self, req: ConfigureRequest) -> None:
        self._data_dir = req.config.get("sample:dataDir")
        self._token = req.config.get("sample:token")

    def check(self, _olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        failures = []
        name = news.get("name")
        if not isinstance(name, Unknown) and not (isinstance(name, str) and name):
            failures.append(CheckFailure("name", "name is required: a non-empty string"))
        size = news.get("size", 1)
        if not isinstance(size, Unknown) and not (isinstance(size, int | float) and size >= 1):
            failures.append(CheckFailure("size", "size must be a number >= 1"))
        return CheckResult({**news, "size": size}, failures)

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        changed = [key for key in INPUT_KEYS if olds.get(key) != news.get(key)]
        replaces = [key for key in changed if key == "name"]
        return DiffResult(changes=bool(changed), replaces=replaces, delete_before_replace=bool(replaces))

    def create(self, props: dict[str, Any]) -> CreateResult:
        if not self._token:
            raise RuntimeError("sample:token is not configured")
        if props.get("failOnCreate"):
            raise RuntimeError(f"refusing to create {props.get('name')}: failOnCreate is set")
        print(f"creating {props.get('name')}")
        record_id = "" if props.get("emptyId") else f"rec-{uuid.uuid4().hex[:12]}"
        fields = {key: props[key] for key in INPUT_KEYS if key in props}
        self._write(record_id, fields)
        self._journal("create", fields.get("name"))
        return CreateResult(record_id, {**fields, "recordId": record_id, "tokenLength": len(self._token)})

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        fields = self._store().get(id_)
        if fields is None:
            return ReadResult("", {})
        return ReadResult(id_, {**props, **fields, "recordId": id_}, inputs=dict(fields))

    def update(self, id_: str, _olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        fields = {key: news[key] for key in INPUT_KEYS if key in news}
        self._write(id_, fields)
        self._journal("update", fields.get("name"))
        return UpdateResult({**fields, "recordId": id_, "tokenLength": len(self._token or "")})

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        store = self._store()
        store.pop(id_, None)
        self._save(store)
        self._journal("delete", props.get("name"))

    def _store(self) -> dict[str, dict[str, Any]]:
        if not self._data_dir:
            raise RuntimeError("sample:dataDir is not configured")
        return load_store(self._data_dir)

    def _write(self, record_id: str, fields: dict[str, Any]) -> None:
        store = self._store()
        store[record_id] = fields
        self._save(store)

    def _journal(self, op: str, name: Any) -> None:
        assert self._data_dir
        with (Path(self._data_dir) / JOURNAL_FILE).open("a") as journal:
            journal.write(json.dumps({"op": op, "name": name}) + "\n")

    def _save(self, store: dict[str, dict[str, Any]]) -> None:
        assert self._data_dir
        (Path(self._data_dir) / STORE_FILE).write_text(json.dumps(store, indent=1, sort_keys=True))


class Record(Resource, module="sample", name="Record"):
    """``pulumi-python:dynamic/sample:Record``."""

    recordId: pulumi.Output[str]  # dynamic resources keep wire names as attribute names

    def __init__(self, name: str, props: dict[str, Any], opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(RecordProvider(), name, {**props, "recordId": None, "tokenLength": None}, opts)
