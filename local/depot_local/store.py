"""SQLite persistence: one connection, serialised by a lock, writes in BEGIN IMMEDIATE transactions.

Token secrets are never stored: only HMAC-SHA256(secret) under a random key kept in the database (the key makes
hashes of the same secret differ between databases; secrets are random and long, so a slow KDF buys nothing).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import TYPE_CHECKING, Final, Literal, TypeVar

from pulumi_depot_provider.proto import pb
from pydantic import BaseModel, ConfigDict

from depot_local.ids import TokenKind, new_id

PROVIDERS: Final = tuple(member.name for member in pb.TrustPolicy.DESCRIPTOR.oneofs_by_name["provider"].fields)
if TYPE_CHECKING:
    Provider = str
else:  # a row's provider: one of the proto's trust kinds
    Provider = Literal[PROVIDERS]
T = TypeVar("T")

SCHEMA_VERSION = 1
# A database keeps the trust kinds it was created with (the CHECK): one the proto gains later needs a new --db.
SCHEMA = f"""
CREATE TABLE meta (key TEXT PRIMARY KEY, value BLOB NOT NULL);
CREATE TABLE organizations (
    org_id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    created_at_ns INTEGER NOT NULL
);
-- seq is AUTOINCREMENT so it is never reused: ListProjects page tokens are keyset cursors over it.
CREATE TABLE projects (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    project_id TEXT NOT NULL UNIQUE,
    org_id TEXT NOT NULL REFERENCES organizations(org_id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    region_id TEXT NOT NULL,
    created_at_ns INTEGER NOT NULL,
    keep_gb INTEGER NOT NULL,
    keep_days INTEGER NOT NULL,
    hardware INTEGER NOT NULL
);
CREATE INDEX projects_by_org ON projects(org_id, seq);
CREATE TABLE trust_policies (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    trust_policy_id TEXT NOT NULL UNIQUE,
    project_id TEXT NOT NULL REFERENCES projects(project_id) ON DELETE CASCADE,
    provider TEXT NOT NULL CHECK (provider IN ({", ".join(f"'{kind}'" for kind in PROVIDERS)})),
    fields TEXT NOT NULL
);
CREATE INDEX trust_policies_by_project ON trust_policies(project_id, seq);
CREATE TABLE tokens (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    token_id TEXT NOT NULL UNIQUE,
    secret_hash TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL CHECK (kind IN ('org', 'project')),
    org_id TEXT NOT NULL REFERENCES organizations(org_id) ON DELETE CASCADE,
    project_id TEXT REFERENCES projects(project_id) ON DELETE CASCADE,
    description TEXT NOT NULL,
    created_at_ns INTEGER NOT NULL,
    CHECK ((kind = 'project') = (project_id IS NOT NULL))
);
CREATE INDEX tokens_by_project ON tokens(project_id, seq);
"""


class DuplicateSecret(Exception):
    """A token secret that is already registered (to any organization or project)."""


class Row(BaseModel):
    model_config = ConfigDict(frozen=True)


class Organization(Row):
    org_id: str
    name: str
    created_at_ns: int


class Project(Row):
    seq: int
    project_id: str
    org_id: str
    name: str
    region_id: str
    created_at_ns: int
    keep_gb: int
    keep_days: int
    hardware: int


class ProjectChanges(BaseModel):
    """The fields an UpdateProject sets; None means unchanged."""

    name: str | None = None
    region_id: str | None = None
    keep_gb: int | None = None
    keep_days: int | None = None
    hardware: int | None = None


class TrustPolicy(Row):
    trust_policy_id: str
    project_id: str
    provider: Provider
    fields: dict[str, str]


class Token(Row):
    token_id: str
    kind: TokenKind
    org_id: str
    project_id: str | None
    description: str


ID_COLUMNS = {
    "organizations": "org_id",
    "projects": "project_id",
    "trust_policies": "trust_policy_id",
    "tokens": "token_id",
}
PROJECT_COLUMNS = "seq, project_id, org_id, name, region_id, created_at_ns, keep_gb, keep_days, hardware"
TOKEN_COLUMNS = "token_id, kind, org_id, project_id, description"


def _project_in_org(db: sqlite3.Connection, org_id: str, project_id: str) -> bool:
    row = db.execute("SELECT 1 FROM projects WHERE project_id = ? AND org_id = ?", (project_id, org_id)).fetchone()
    return row is not None


def _project(row: sqlite3.Row) -> Project:
    return Project(**dict(row))


def _token(row: sqlite3.Row) -> Token:
    return Token(**dict(row))


def _trust_policy(row: sqlite3.Row) -> TrustPolicy:
    return TrustPolicy(
        trust_policy_id=row["trust_policy_id"],
        project_id=row["project_id"],
        provider=row["provider"],
        fields=json.loads(row["fields"]),
    )


class Store:
    """All persistence. Methods are blocking: call them from a worker thread, not the event loop."""

    def __init__(self, path: str) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._conn.row_factory = sqlite3.Row
        self._conn.execute("PRAGMA foreign_keys = ON")
        self._conn.execute("PRAGMA busy_timeout = 5000")
        if path != ":memory:":
            self._conn.execute("PRAGMA journal_mode = WAL")
            self._conn.execute("PRAGMA synchronous = NORMAL")
        self._migrate()
        self._hmac_key = self._meta_setdefault("token_hmac_key", lambda: secrets.token_bytes(32))

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield self._conn
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")

    @contextmanager
    def _read(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            yield self._conn

    def _migrate(self) -> None:
        with self._write() as db:
            version = db.execute("PRAGMA user_version").fetchone()[0]
            if version == SCHEMA_VERSION:
                return
            if version != 0:
                raise RuntimeError(f"{self.path}: schema version {version} is not {SCHEMA_VERSION}; use a new --db")
            for statement in SCHEMA.split(";"):
                if statement.strip():
                    db.execute(statement)
            db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

    def _meta_setdefault(self, key: str, make: Callable[[], bytes]) -> bytes:
        with self._write() as db:
            row = db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
            if row is not None:
                return bytes(row["value"])
            value = make()
            db.execute("INSERT INTO meta (key, value) VALUES (?, ?)", (key, value))
            return value

    def _insert_with_new_id(self, db: sqlite3.Connection, table: str, values: Mapping[str, object]) -> str:
        """Inserts a row under a fresh id (the table's first column), drawing again on the (vanishingly rare)
        collision."""
        id_column = ID_COLUMNS[table]
        columns = ", ".join([id_column, *values])
        placeholders = ", ".join("?" * (len(values) + 1))
        for _ in range(8):
            new = new_id()
            try:
                db.execute(f"INSERT INTO {table} ({columns}) VALUES ({placeholders})", (new, *values.values()))
            except sqlite3.IntegrityError as error:
                if f"{table}.{id_column}" not in str(error):
                    raise
                continue
            return new
        raise RuntimeError(f"could not draw a unique {id_column}")

    def hash_secret(self, secret: str) -> str:
        return hmac.new(self._hmac_key, secret.encode(), hashlib.sha256).hexdigest()

    # Organizations

    def create_org(self, name: str, secret: str, description: str) -> tuple[Organization, Token]:
        """A new organization and its first organization token, in one transaction (DuplicateSecret: neither)."""
        now = time.time_ns()
        with self._write() as db:
            org_id = self._insert_with_new_id(db, "organizations", {"name": name, "created_at_ns": now})
            token = self._add_token(db, secret, "org", org_id, description, None)
        return Organization(org_id=org_id, name=name, created_at_ns=now), token

    def default_org(self, name: str) -> Organization:
        """The organization that serve's token (--token-file or DEPOT_LOCAL_TOKEN) seeds, created on first start and
        kept across restarts."""
        with self._write() as db:
            row = db.execute("SELECT value FROM meta WHERE key = 'default_org_id'").fetchone()
            if row is None:
                org_id = self._insert_with_new_id(db, "organizations", {"name": name, "created_at_ns": time.time_ns()})
                db.execute("INSERT INTO meta (key, value) VALUES ('default_org_id', ?)", (org_id.encode(),))
            else:
                org_id = bytes(row["value"]).decode()
        org = self.get_org(org_id)
        if org is None:
            raise RuntimeError(f"{self.path}: default organization {org_id} is missing")
        return org

    def get_org(self, org_id: str) -> Organization | None:
        with self._read() as db:
            row = db.execute("SELECT * FROM organizations WHERE org_id = ?", (org_id,)).fetchone()
        return None if row is None else Organization(**dict(row))

    def list_orgs(self) -> list[Organization]:
        with self._read() as db:
            rows = db.execute("SELECT * FROM organizations ORDER BY created_at_ns, org_id").fetchall()
        return [Organization(**dict(row)) for row in rows]

    # Tokens

    def add_org_token(self, org_id: str, secret: str, description: str) -> Token:
        with self._write() as db:
            return self._add_token(db, secret, "org", org_id, description, None)

    def add_project_token(self, org_id: str, project_id: str, secret: str, description: str) -> Token | None:
        """None if the project is not in the organization (checked in the same transaction as the insert)."""
        with self._write() as db:
            if not _project_in_org(db, org_id, project_id):
                return None
            return self._add_token(db, secret, "project", org_id, description, project_id)

    def _add_token(
        self,
        db: sqlite3.Connection,
        secret: str,
        kind: TokenKind,
        org_id: str,
        description: str,
        project_id: str | None,
    ) -> Token:
        values = {
            "secret_hash": self.hash_secret(secret),
            "kind": kind,
            "org_id": org_id,
            "project_id": project_id,
            "description": description,
            "created_at_ns": time.time_ns(),
        }
        try:
            token_id = self._insert_with_new_id(db, "tokens", values)
        except sqlite3.IntegrityError as error:
            if "tokens.secret_hash" in str(error):
                raise DuplicateSecret("this token secret is already registered") from None
            raise
        return Token(token_id=token_id, kind=kind, org_id=org_id, project_id=project_id, description=description)

    def find_token(self, secret: str) -> Token | None:
        with self._read() as db:
            row = db.execute(
                f"SELECT {TOKEN_COLUMNS} FROM tokens WHERE secret_hash = ?", (self.hash_secret(secret),)
            ).fetchone()
        return None if row is None else _token(row)

    def list_project_tokens(self, project_id: str) -> list[Token]:
        with self._read() as db:
            rows = db.execute(
                f"SELECT {TOKEN_COLUMNS} FROM tokens WHERE project_id = ? ORDER BY seq", (project_id,)
            ).fetchall()
        return [_token(row) for row in rows]

    def update_token(self, org_id: str, token_id: str, description: str) -> bool:
        with self._write() as db:
            cursor = db.execute(
                "UPDATE tokens SET description = ? WHERE token_id = ? AND org_id = ? AND kind = 'project'",
                (description, token_id, org_id),
            )
        return cursor.rowcount == 1

    def delete_token(self, org_id: str, token_id: str) -> bool:
        with self._write() as db:
            cursor = db.execute(
                "DELETE FROM tokens WHERE token_id = ? AND org_id = ? AND kind = 'project'", (token_id, org_id)
            )
        return cursor.rowcount == 1

    # Projects

    def create_project(
        self, org_id: str, name: str, region_id: str, keep_gb: int, keep_days: int, hardware: int
    ) -> Project:
        with self._write() as db:
            values = {
                "org_id": org_id,
                "name": name,
                "region_id": region_id,
                "created_at_ns": time.time_ns(),
                "keep_gb": keep_gb,
                "keep_days": keep_days,
                "hardware": hardware,
            }
            project_id = self._insert_with_new_id(db, "projects", values)
            row = db.execute(f"SELECT {PROJECT_COLUMNS} FROM projects WHERE project_id = ?", (project_id,)).fetchone()
        return _project(row)

    def get_project(self, org_id: str, project_id: str) -> Project | None:
        with self._read() as db:
            row = db.execute(
                f"SELECT {PROJECT_COLUMNS} FROM projects WHERE project_id = ? AND org_id = ?", (project_id, org_id)
            ).fetchone()
        return None if row is None else _project(row)

    def list_projects(self, org_id: str, region_id: str | None, after_seq: int, limit: int | None) -> list[Project]:
        sql = f"SELECT {PROJECT_COLUMNS} FROM projects WHERE org_id = ? AND seq > ?"
        params: list[object] = [org_id, after_seq]
        if region_id is not None:
            sql += " AND region_id = ?"
            params.append(region_id)
        sql += " ORDER BY seq"
        if limit is not None:
            sql += " LIMIT ?"
            params.append(limit)
        with self._read() as db:
            rows = db.execute(sql, params).fetchall()
        return [_project(row) for row in rows]

    def update_project(self, org_id: str, project_id: str, changes: ProjectChanges) -> Project | None:
        values = changes.model_dump(exclude_none=True)
        with self._write() as db:
            if values:
                # Column names come from ProjectChanges' fields, never from the request.
                assignments = ", ".join(f"{column} = ?" for column in values)
                db.execute(
                    f"UPDATE projects SET {assignments} WHERE project_id = ? AND org_id = ?",
                    (*values.values(), project_id, org_id),
                )
            row = db.execute(
                f"SELECT {PROJECT_COLUMNS} FROM projects WHERE project_id = ? AND org_id = ?", (project_id, org_id)
            ).fetchone()
        return None if row is None else _project(row)

    def delete_project(self, org_id: str, project_id: str) -> bool:
        """Deletes the project; its trust policies and tokens go with it (ON DELETE CASCADE)."""
        with self._write() as db:
            cursor = db.execute("DELETE FROM projects WHERE project_id = ? AND org_id = ?", (project_id, org_id))
        return cursor.rowcount == 1

    # Trust policies

    def list_trust_policies(self, project_id: str) -> list[TrustPolicy]:
        with self._read() as db:
            rows = db.execute(
                "SELECT * FROM trust_policies WHERE project_id = ? ORDER BY seq", (project_id,)
            ).fetchall()
        return [_trust_policy(row) for row in rows]

    def add_trust_policy(
        self, org_id: str, project_id: str, provider: Provider, fields: dict[str, str]
    ) -> TrustPolicy | None:
        """None if the project is not in the organization (checked in the same transaction as the insert)."""
        with self._write() as db:
            if not _project_in_org(db, org_id, project_id):
                return None
            values = {"project_id": project_id, "provider": provider, "fields": json.dumps(fields, sort_keys=True)}
            trust_policy_id = self._insert_with_new_id(db, "trust_policies", values)
        return TrustPolicy(trust_policy_id=trust_policy_id, project_id=project_id, provider=provider, fields=fields)

    def remove_trust_policy(self, project_id: str, trust_policy_id: str) -> bool:
        with self._write() as db:
            cursor = db.execute(
                "DELETE FROM trust_policies WHERE trust_policy_id = ? AND project_id = ?",
                (trust_policy_id, project_id),
            )
        return cursor.rowcount == 1
