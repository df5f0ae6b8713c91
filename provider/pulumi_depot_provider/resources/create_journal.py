"""A record, on this machine, of each create this stack's resources started and the engine may not have recorded.

Depot's creates are not idempotent and its objects carry no label a provider could set, so after an interrupted
`up` (a killed process, a look-up that never got an answer) nothing in Depot says which project, token or trust
policy came from which Pulumi resource. Before each create the provider writes one small file per resource
(keyed by its owner: project, stack, type and name): what it is creating, the ids of the same-named objects that
existed before, and when it began; the created id is added once Depot answers. The next create of the same
resource reads it back: an object that appeared after the recorded start, or has the recorded id, provably came
from that create and is recovered. Only the engine proves it recorded the create: a later diff, read, update or
delete of the resource, where the engine names the id its state holds, removes the file. The program receiving
the id proves nothing: after a second Ctrl-C the engine still answers the program for a create that finished, but
skips its checkpoint (engine/update.go, OnResourceStepPost).

So a create-before-delete replacement the engine forces without check or diff (`pulumi up --replace` right after
the `up` that created the resource, on this machine) reads the record of that resource's own create and recovers
the object it replaces. The engine then asks to delete the old copy by that id: `recovered_here` tells the provider
that this is the object the replacement now holds, which it keeps (and says so) instead of deleting it.

Where: $PULUMI_DEPOT_JOURNAL_DIR, else $PULUMI_HOME/depot/journal, else ~/.pulumi/depot/journal. A machine that
does not hold the record (another CI runner) cannot prove anything from it, and a create then refuses a name
collision instead of guessing (see exactly_once.recover_or_refuse). Tokens also carry evidence in Depot itself, a
mark in their description (token_mark.py), which exactly_once.settle_leftovers reads on any machine.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import threading
from collections.abc import Callable, Iterable, Sequence
from contextlib import suppress
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TypeVar

from pydantic import BaseModel, ValidationError

from pulumi_depot_provider import say

JOURNAL_DIR_ENV = "PULUMI_DEPOT_JOURNAL_DIR"
# Older records are not evidence of anything still in flight: they are ignored and removed.
MAX_AGE = timedelta(days=30)
# How far Depot's clock may be behind ours when matching "created after the create began".
CLOCK_SKEW = timedelta(minutes=2)

T = TypeVar("T")


class PendingCreate(BaseModel):
    owner: str
    kind: str
    identity: dict[str, str]
    before: list[str]
    started_at: datetime
    created_id: str | None = None

    def came_from_here(self, object_id: str, created_at: datetime | None) -> bool:
        """The object is this create's: it has the recorded id, or it is not one of those that existed before and
        (when Depot dates it) was created after the create began."""
        if object_id == self.created_id:
            return True
        if object_id in self.before:
            return False
        return created_at is None or created_at >= self.started_at - CLOCK_SKEW


def default_directory() -> Path:
    explicit = os.environ.get(JOURNAL_DIR_ENV)
    if explicit:
        return Path(explicit)
    home = os.environ.get("PULUMI_HOME")
    return (Path(home) if home else Path.home() / ".pulumi") / "depot" / "journal"


class CreateJournal:
    def __init__(self, directory: Path | None = None) -> None:
        self._directory = directory
        self._warned = False
        self._held: dict[str, set[str]] = {}
        self._held_lock = threading.Lock()
        self._told: dict[str, set[str]] = {}
        self._recovered: set[tuple[str, str]] = set()

    @property
    def directory(self) -> Path:
        """Resolved on each use, so the environment the provider runs in decides (not the one it was imported in)."""
        return self._directory or default_directory()

    def _path(self, owner: str) -> Path:
        return self.directory / f"{hashlib.sha256(owner.encode()).hexdigest()[:40]}.json"

    def pending(self, owner: str | None, kind: str, identity: dict[str, str]) -> PendingCreate | None:
        """The recorded create of this owner, if it was of this object (same kind and identity) and is recent."""
        if owner is None:
            return None
        path = self._path(owner)
        try:
            entry = PendingCreate.model_validate_json(path.read_bytes())
        except FileNotFoundError:
            return None
        except (OSError, ValidationError):
            self.done(owner)  # unreadable: worth nothing as evidence
            return None
        if datetime.now(UTC) - entry.started_at > MAX_AGE:
            self.done(owner)
            return None
        if entry.owner != owner or entry.kind != kind or entry.identity != identity:
            return None
        return entry

    def begin(self, owner: str | None, kind: str, identity: dict[str, str], before: Iterable[str]) -> None:
        if owner is not None:
            self._write(
                PendingCreate(
                    owner=owner, kind=kind, identity=identity, before=sorted(before), started_at=datetime.now(UTC)
                )
            )

    def answered(self, owner: str | None, created_id: str) -> None:
        if owner is None:
            return
        with suppress(FileNotFoundError, OSError, ValidationError):
            entry = PendingCreate.model_validate_json(self._path(owner).read_bytes())
            self._write(entry.model_copy(update={"created_id": created_id}))

    def done(self, owner: str | None, held_id: str | None = None) -> None:
        """The engine holds the resource (or it is gone): nothing is pending for this owner any more. held_id: the
        object the engine's state holds for it (see `held`)."""
        if owner is None:
            return
        with suppress(FileNotFoundError, OSError):
            self._path(owner).unlink()
        if held_id:
            self._update_held(owner, add=held_id)
            with self._held_lock:
                self._told.setdefault(owner, set()).add(held_id)

    def recovered(self, owner: str | None, object_id: str) -> None:
        """This deployment's create of the owner recovered the object (from the record of an earlier create)."""
        if owner is not None:
            with self._held_lock:
                self._recovered.add((owner, object_id))

    def recovered_here(self, owner: str | None, object_id: str) -> bool:
        """Whether this deployment's create of the owner recovered the object: the owner's resource now holds it,
        so a delete of the same id for the same owner is of the copy a replacement replaced. Per session: the
        old copy's delete comes through a provider configured with the same stack config as the new copy's."""
        with self._held_lock:
            return owner is not None and (owner, object_id) in self._recovered

    def release(self, owner: str | None, object_id: str) -> None:
        """The object is deleted: the stack no longer holds it."""
        if owner is not None:
            self._update_held(owner, remove=object_id)
            with self._held_lock:
                self._told.get(owner, set()).discard(object_id)

    def told(self, owner: str | None) -> frozenset[str] | None:
        """What the engine's state holds for this owner, as the engine told this process (by diff, read, update or
        delete, which it calls only for what its state holds); None when it has not. Unlike `held`, this is never
        stale: it is this deployment's state, not a record kept on disk from an earlier one."""
        if owner is None:
            return None
        with self._held_lock:
            ids = self._told.get(owner)
            return None if ids is None else frozenset(ids)

    def held(self, owner: str | None) -> frozenset[str]:
        """Ids the engine's state has held for this owner, as seen on this machine (by diff, read, update and
        delete). A create-before-delete replacement makes an object with the identity of the one it replaces, and
        for `up --replace` the engine calls neither Diff nor Check with the old state: this record is how the
        provider knows the one it replaces is the stack's own, not a collision."""
        if owner is None:
            return frozenset()
        with self._held_lock:
            return frozenset(self._load_held(owner))

    def _held_path(self, owner: str) -> Path:
        return self._path(owner).with_suffix(".held")

    def _load_held(self, owner: str) -> set[str]:
        if owner not in self._held:
            try:
                ids = json.loads(self._held_path(owner).read_bytes())
                self._held[owner] = {i for i in ids if isinstance(i, str)} if isinstance(ids, list) else set()
            except (OSError, ValueError):
                self._held[owner] = set()
        return self._held[owner]

    def _update_held(self, owner: str, *, add: str | None = None, remove: str | None = None) -> None:
        with self._held_lock:
            ids = self._load_held(owner)
            if (add is None or add in ids) and (remove is None or remove not in ids):
                return  # unchanged: no write (diff and read call this for every resource)
            if add is not None:
                ids.add(add)
            if remove is not None:
                ids.discard(remove)
            self._atomic_write(self._held_path(owner), json.dumps(sorted(ids)).encode())

    def _write(self, entry: PendingCreate) -> None:
        self._atomic_write(self._path(entry.owner), entry.model_dump_json().encode())

    def _atomic_write(self, path: Path, content: bytes) -> None:
        # Written whole to a temporary file and renamed, so a process killed mid-write leaves the old record or
        # the new one, never half of one.
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            fd, temporary = tempfile.mkstemp(dir=self.directory, suffix=".tmp")
            with os.fdopen(fd, "wb") as file:
                file.write(content)
            os.replace(temporary, path)
        except OSError as error:
            if not self._warned:
                self._warned = True
                say.warn(
                    f"pulumi-depot: cannot write the create journal in {self.directory} ({error.strerror}); an "
                    f"interrupted create will not be recovered automatically. Set {JOURNAL_DIR_ENV} to a writable "
                    "directory."
                )


def split_ours(
    entry: PendingCreate | None,
    existing: Sequence[T],
    id_of: Callable[[T], str],
    created_at: Callable[[T], datetime | None],
) -> tuple[list[T], list[T]]:
    """(objects that provably came from the recorded create, the others)."""
    ours = [item for item in existing if entry is not None and entry.came_from_here(id_of(item), created_at(item))]
    return ours, [item for item in existing if item not in ours]
