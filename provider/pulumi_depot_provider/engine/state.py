"""The engine-shaped runner's state file (TEST TOOLING, not Pulumi's checkpoint format).

One JSON file per stack, rewritten atomically (temporary file, fsync, rename) after every step, so a run that
fails halfway keeps everything it created. Resources are listed dependencies first, like Pulumi's snapshot.

Secrets are encrypted, never written in plaintext. A secret value is stored the way Pulumi's checkpoint stores one,
``{"4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", "ciphertext": "..."}``, where the
ciphertext is a Fernet token (AES-128-CBC + HMAC-SHA256, from ``cryptography``) of the value's JSON. The key is
kept beside the state in ``<state file>.key`` (created with mode 0600 on first save): it keeps secrets out of a
state file that is printed, diffed or uploaded, but anyone who can read the key file can decrypt the state.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from collections.abc import Iterable, Sequence
from graphlib import CycleError, TopologicalSorter
from pathlib import Path
from typing import Any, Final, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from .props import SECRET_SIG, SIG_KEY, UNKNOWN, Secret, strip_secrets
from .urn import parse_urn

STATE_VERSION: Final = 1
_CIPHERTEXT_KEY: Final = "ciphertext"


class StateError(Exception):
    """The state file or its key cannot be read, decrypted or written."""


class ResourceState(BaseModel):
    """One resource as the last operation left it. ``inputs`` are the provider-checked inputs, ``outputs`` what the
    provider returned (with ``additional_secret_outputs`` marked). ``pending_delete`` marks the old half of a
    create-before-delete replacement, still to be deleted."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    urn: str
    type: str
    custom: bool
    id: str = ""
    parent: str = ""
    inputs: dict[str, Any] = {}
    outputs: dict[str, Any] = {}
    dependencies: list[str] = []
    property_dependencies: dict[str, list[str]] = {}
    protect: bool = False
    retain_on_delete: bool = False
    deleted_with: str = ""
    additional_secret_outputs: list[str] = []
    ignore_changes: list[str] = []
    pending_delete: bool = False

    @property
    def name(self) -> str:
        return parse_urn(self.urn).name

    def depends_on(self) -> set[str]:
        """URNs this resource must outlive: dependencies, property dependencies, its parent and ``deleted_with``."""
        urns = set(self.dependencies)
        for deps in self.property_dependencies.values():
            urns.update(deps)
        urns.update(urn for urn in (self.parent, self.deleted_with) if urn)
        urns.discard(self.urn)
        return urns


class StackState(BaseModel):
    model_config = ConfigDict(arbitrary_types_allowed=True)

    version: Literal[1] = STATE_VERSION
    project: str
    stack: str
    resources: list[ResourceState] = []
    outputs: dict[str, Any] = Field(default_factory=dict)

    def live(self, urn: str) -> ResourceState | None:
        """The resource registered as ``urn`` (not the old half of a replacement), if any."""
        return live_resource(self.resources, urn)


def live_resource(resources: Iterable[ResourceState], urn: str) -> ResourceState | None:
    """The entry of ``resources`` registered as ``urn`` (not the old half of a replacement), if any."""
    return next((r for r in resources if r.urn == urn and not r.pending_delete), None)


def deletion_order(doomed: Sequence[ResourceState]) -> list[ResourceState]:
    """``doomed`` ordered for deletion: every resource before anything in ``doomed`` it depends on (recorded
    dependencies, property dependencies, parent, deleted_with). Ties keep reverse state order, so the result is
    deterministic. Several entries may share a URN (a replacement's old half); a dependency on a URN means all of
    them."""
    by_urn: dict[str, list[int]] = {}
    for index, resource in enumerate(doomed):
        by_urn.setdefault(resource.urn, []).append(index)
    # Edges point from a resource to its dependents: a node is ready once everything depending on it is gone.
    sorter: TopologicalSorter[int] = TopologicalSorter()
    for index, resource in enumerate(doomed):
        sorter.add(index)
        for urn in resource.depends_on():
            for dependency in by_urn.get(urn, []):
                sorter.add(dependency, index)
    try:
        sorter.prepare()
    except CycleError as err:
        cycle = " -> ".join(doomed[i].urn for i in err.args[1])
        raise StateError(f"the recorded dependencies form a cycle, cannot order deletions: {cycle}") from None
    ordered: list[int] = []
    while sorter.is_active():
        ready = sorted(sorter.get_ready(), reverse=True)
        ordered.extend(ready)
        sorter.done(*ready)
    return [doomed[i] for i in ordered]


class StateFile:
    """Reads and writes one stack's state at ``path``; its encryption key lives at ``<path>.key``."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        # Absolute now: a program run changes the working directory to the program's, and saves happen during it.
        self.path = Path(path).absolute()
        self.key_path = self.path.with_name(self.path.name + ".key")
        self._fernet: Any = None

    def exists(self) -> bool:
        return self.path.exists()

    def load(self) -> StackState | None:
        """The saved state, or None when there is no state file yet."""
        try:
            raw = json.loads(self.path.read_text())
        except FileNotFoundError:
            return None
        except (OSError, ValueError) as err:
            raise StateError(f"cannot read the state file {self.path}: {err}") from None
        if not isinstance(raw, dict) or raw.get("version") != STATE_VERSION:
            raise StateError(f"{self.path} is not a version {STATE_VERSION} runner state file")
        try:
            return StackState.model_validate(self._decode(raw, "state"))
        except ValidationError as err:
            raise StateError(f"the state file {self.path} is malformed: {err}") from None

    def save(self, state: StackState) -> None:
        """Write ``state`` atomically: readers see the old file or the new one, never a partial write."""
        self.path.parent.mkdir(parents=True, exist_ok=True)  # before encoding: that may create the key file here
        encoded = self._encode(state.model_dump(), "state")
        text = json.dumps(encoded, indent=2, sort_keys=True) + "\n"
        descriptor, temporary = tempfile.mkstemp(prefix=f".{self.path.name}.", dir=self.path.parent)
        try:
            with os.fdopen(descriptor, "w") as handle:
                handle.write(text)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temporary, self.path)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(temporary)
            raise
        _fsync_directory(self.path.parent)

    # -- secrets ---------------------------------------------------------------------------------------------

    def _encode(self, value: Any, path: str) -> Any:
        if value is UNKNOWN:
            raise StateError(f"{path}: unknown values cannot be saved in state (they exist only in preview)")
        if isinstance(value, Secret):
            plaintext = json.dumps(strip_secrets(value.value), sort_keys=True).encode()
            return {SIG_KEY: SECRET_SIG, _CIPHERTEXT_KEY: self._cipher(create=True).encrypt(plaintext).decode()}
        if isinstance(value, dict):
            return {key: self._encode(item, f"{path}.{key}") for key, item in value.items()}
        if isinstance(value, list | tuple):
            return [self._encode(item, f"{path}[{index}]") for index, item in enumerate(value)]
        return value

    def _decode(self, value: Any, path: str) -> Any:
        if isinstance(value, dict):
            if value.get(SIG_KEY) == SECRET_SIG:
                return Secret(self._decrypt(value, path))
            return {key: self._decode(item, f"{path}.{key}") for key, item in value.items()}
        if isinstance(value, list):
            return [self._decode(item, f"{path}[{index}]") for index, item in enumerate(value)]
        return value

    def _decrypt(self, envelope: dict[str, Any], path: str) -> Any:
        from cryptography.fernet import InvalidToken

        ciphertext = envelope.get(_CIPHERTEXT_KEY)
        if not isinstance(ciphertext, str):
            raise StateError(f"{self.path}: the secret at {path} has no ciphertext")
        try:
            return json.loads(self._cipher(create=False).decrypt(ciphertext.encode()))
        except InvalidToken:
            raise StateError(
                f"{self.path}: the secret at {path} does not decrypt with {self.key_path} (wrong or replaced key)"
            ) from None

    def _cipher(self, *, create: bool) -> Any:
        if self._fernet is None:
            try:
                from cryptography.fernet import Fernet
            except ImportError:  # pragma: no cover - depends on the installed extras
                raise StateError(
                    "the runner encrypts state secrets with `cryptography`: pip install 'pulumi-depot[local]'"
                ) from None
            key = self._read_or_create_key(Fernet.generate_key, create)
            try:
                self._fernet = Fernet(key)
            except ValueError:
                raise StateError(
                    f"{self.key_path} does not hold a state key (32 url-safe base64-encoded bytes): restore the "
                    "key file saved with this state"
                ) from None
        return self._fernet

    def _read_or_create_key(self, generate: Any, create: bool) -> bytes:
        try:
            return self.key_path.read_bytes().strip()
        except FileNotFoundError:
            if not create:
                raise StateError(
                    f"{self.path} holds encrypted secrets but their key file {self.key_path} is missing"
                ) from None
        key: bytes = generate()
        try:
            descriptor = os.open(self.key_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # created meanwhile by another writer: use theirs
            return self.key_path.read_bytes().strip()
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(key + b"\n")
            handle.flush()
            os.fsync(handle.fileno())
        return key


def _fsync_directory(directory: Path) -> None:
    descriptor = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
