"""The organization's projects, listed once per session (resources/session.py) and kept current by it: by name and
region for creates, by id for reads.

A Project create must know whether a project with its name already exists (so that it is never silently
duplicated), and listing the organization before every create made a fleet's creation O(n²). One engine
deployment runs one provider host process, so one paged listing per process serves every create in it; the
creates, recoveries and deletes of this process update the index as they happen, and a project the index names is
confirmed with GetProject before anything is decided on it.

Consistency: a project another client creates after the listing is not seen until the next deployment. Two
resources of one deployment creating the same name are serialised by `reserve`: the second is refused.

Reads (refresh) call GetProject for the first DIRECT_READS projects of a process; beyond that, a refresh of many
projects reads them from one listing (ListProjects, every page), taken when needed and at most READ_SNAPSHOT_SECONDS
old: each project is as Depot had it at that listing, except those this process changed since, which are as it left
them. A project missing from the listing is read with GetProject (gone: NotFound).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

from pulumi_depot_provider.client import DepotClient, NotFound
from pulumi_depot_provider.proto import pb
from pulumi_depot_provider.resources.values import DepotResourceError

Key = tuple[str, str]  # (name, region)
DIRECT_READS = 10
READ_SNAPSHOT_SECONDS = 30.0


class ProjectIndex:
    def __init__(self, client: DepotClient) -> None:
        self._client = client
        self._lock = threading.Lock()
        self._ids: dict[Key, set[str]] | None = None
        self._key_of: dict[str, Key] = {}
        self._creating: set[Key] = set()
        self._reads = 0
        self._snapshot: dict[str, pb.Project] = {}
        self._snapshot_at = -READ_SNAPSHOT_SECONDS

    def _loaded(self) -> dict[Key, set[str]]:
        with self._lock:
            if self._ids is None:
                self._ids = {}
                for project in self._client.list_projects():
                    self._put(project)
            return self._ids

    def existing(self, name: str, region: str, organization_id: str | None) -> list[pb.Project]:
        """The live projects with this name in this region (and organization, when one is given), oldest first."""
        found = []
        for project_id in sorted(self._loaded().get((name, region), ())):
            try:
                project = self._client.get_project(project_id)
            except NotFound:
                self.forget(project_id)
                continue
            if organization_id is None or project.organization_id == organization_id:
                found.append(project)
        return sorted(found, key=lambda p: p.created_at.ToNanoseconds())

    def read(self, project_id: str) -> pb.Project:
        """The project as Depot has it (see the module's consistency rule); NotFound when it is gone."""
        with self._lock:
            self._reads += 1
            if self._reads > DIRECT_READS and time.monotonic() - self._snapshot_at > READ_SNAPSHOT_SECONDS:
                self._snapshot = {p.project_id: p for p in self._client.list_projects()}
                self._snapshot_at = time.monotonic()
            project = self._snapshot.get(project_id) if self._reads > DIRECT_READS else None
        return project if project is not None else self._client.get_project(project_id)

    @contextmanager
    def reserve(self, name: str, region: str, label: str) -> Iterator[None]:
        key = (name, region)
        self._loaded()
        with self._lock:
            if key in self._creating:
                raise DepotResourceError(
                    f"{label}: create refused: another resource of this deployment is creating a project named "
                    f"{name!r} in {region}; give one of them another name"
                )
            self._creating.add(key)
        try:
            yield
        finally:
            with self._lock:
                self._creating.discard(key)

    def add(self, project: pb.Project) -> None:
        """A project this process created, recovered or changed."""
        with self._lock:
            if project.project_id in self._snapshot:
                self._snapshot[project.project_id] = project
            if self._ids is not None:
                self._forget(project.project_id)
                self._put(project)

    def _put(self, project: pb.Project) -> None:
        assert self._ids is not None
        key = (project.name, project.region_id)
        self._ids.setdefault(key, set()).add(project.project_id)
        self._key_of[project.project_id] = key

    def forget(self, project_id: str) -> None:
        with self._lock:
            self._forget(project_id)

    def _forget(self, project_id: str) -> None:
        self._snapshot.pop(project_id, None)
        key = self._key_of.pop(project_id, None)
        if key is not None and self._ids is not None:
            self._ids.get(key, set()).discard(project_id)
