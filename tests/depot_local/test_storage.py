"""SQLite persistence: data survives restarts, secrets are stored hashed, concurrent writes stay consistent,
deleting a project takes its trust policies and tokens with it."""

from __future__ import annotations

import sqlite3
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from connect_rpc import Rpc
from pulumi_depot_provider.proto import pb

GITHUB = pb.TrustPolicy.GitHub(repository_owner="acme", repository="app")


def populate(rpc: Rpc) -> tuple[pb.Project, pb.CreateTokenResponse, pb.TrustPolicy]:
    project = rpc.call(
        "CreateProject", pb.CreateProjectRequest(name="kept", region_id="eu-central-1"), pb.CreateProjectResponse
    ).project
    token = rpc.call(
        "CreateToken", pb.CreateTokenRequest(project_id=project.project_id, description="ci"), pb.CreateTokenResponse
    )
    policy = rpc.call(
        "AddTrustPolicy",
        pb.AddTrustPolicyRequest(project_id=project.project_id, github=GITHUB),
        pb.AddTrustPolicyResponse,
    ).trust_policy
    return project, token, policy


def test_restart_keeps_everything(start_depot_server):
    server = start_depot_server()
    other = server.create_org("second")
    with Rpc(server.url, server.token) as rpc:
        project, token, policy = populate(rpc)
    org_id = server.org_id
    server.restart()
    assert server.org_id == org_id
    with Rpc(server.url, server.token) as rpc:
        got = rpc.call("GetProject", pb.GetProjectRequest(project_id=project.project_id), pb.GetProjectResponse)
        assert got.project == project
        policies = rpc.call(
            "ListTrustPolicies",
            pb.ListTrustPoliciesRequest(project_id=project.project_id),
            pb.ListTrustPoliciesResponse,
        )
        assert list(policies.trust_policies) == [policy]
        tokens = rpc.call("ListTokens", pb.ListTokensRequest(project_id=project.project_id), pb.ListTokensResponse)
        assert [t.token_id for t in tokens.tokens] == [token.token_id]
    with Rpc(server.url, token.secret) as scoped:
        assert scoped.post("GetProject", {"projectId": project.project_id}).status_code == 200
    with Rpc(server.url, other.token) as rpc:
        assert rpc.post("ListProjects", {}).status_code == 200


def _database_bytes(db_path: str) -> bytes:
    return b"".join(path.read_bytes() for path in Path(db_path).parent.glob(Path(db_path).name + "*"))


def test_token_secrets_are_never_stored(start_depot_server):
    server = start_depot_server(token="depot_org_seeded_secret_0123456789")
    admin_org = server.create_org("admin-made")
    with Rpc(server.url, server.token) as rpc:
        _, token, _ = populate(rpc)
    secrets = [server.token, admin_org.token, token.secret]
    server.stop()  # checkpoints the WAL, but the test reads the -wal file too in case it is left
    stored = _database_bytes(server.db_path)
    assert stored
    for secret in secrets:
        assert secret.encode() not in stored
    with sqlite3.connect(server.db_path) as db:
        hashes = [row[0] for row in db.execute("SELECT secret_hash FROM tokens")]
    assert len(hashes) == 3 and all(len(h) == 64 for h in hashes)


def test_concurrent_creates_are_all_distinct_and_consistent(start_depot_server):
    server = start_depot_server()
    per_thread, threads = 5, 16

    def create_many(worker: int) -> list[str]:
        with Rpc(server.url, server.token, http2=worker % 2 == 1) as rpc:
            return [
                rpc.call(
                    "CreateProject",
                    pb.CreateProjectRequest(name=f"w{worker}-{i}", region_id="us-east-1"),
                    pb.CreateProjectResponse,
                ).project.project_id
                for i in range(per_thread)
            ]

    with ThreadPoolExecutor(threads) as pool:
        created = [project_id for ids in pool.map(create_many, range(threads)) for project_id in ids]
    assert len(set(created)) == per_thread * threads
    with Rpc(server.url, server.token) as rpc:
        listed = rpc.call("ListProjects", pb.ListProjectsRequest(), pb.ListProjectsResponse)
    assert sorted(p.project_id for p in listed.projects) == sorted(created)
    assert {p.name for p in listed.projects} == {f"w{w}-{i}" for w in range(threads) for i in range(per_thread)}
    server.stop()
    with sqlite3.connect(server.db_path) as db:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert db.execute("PRAGMA foreign_key_check").fetchall() == []


def test_delete_project_removes_its_trust_policies_and_tokens(start_depot_server):
    server = start_depot_server()
    with Rpc(server.url, server.token) as rpc:
        project, token, _ = populate(rpc)
        kept, kept_token, _ = populate(rpc)
        rpc.call("DeleteProject", pb.DeleteProjectRequest(project_id=project.project_id), pb.DeleteProjectResponse)
        rpc.fail("DeleteToken", pb.DeleteTokenRequest(token_id=token.token_id), "not_found")
        rpc.fail("ListTrustPolicies", pb.ListTrustPoliciesRequest(project_id=project.project_id), "not_found")
    with Rpc(server.url, token.secret) as scoped:
        scoped.fail("GetProject", pb.GetProjectRequest(project_id=project.project_id), "unauthenticated")
    with Rpc(server.url, kept_token.secret) as scoped:
        assert scoped.post("GetProject", {"projectId": kept.project_id}).status_code == 200
    server.stop()
    with sqlite3.connect(server.db_path) as db:
        assert db.execute(
            "SELECT COUNT(*) FROM trust_policies WHERE project_id = ?", (project.project_id,)
        ).fetchone() == (0,)
        assert db.execute("SELECT COUNT(*) FROM tokens WHERE project_id = ?", (project.project_id,)).fetchone() == (0,)
        assert db.execute("SELECT COUNT(*) FROM tokens WHERE project_id = ?", (kept.project_id,)).fetchone() == (1,)


def test_in_memory_database(start_depot_server):
    server = start_depot_server(db=":memory:")
    with Rpc(server.url, server.token) as rpc:
        project, _, _ = populate(rpc)
        assert rpc.post("GetProject", {"projectId": project.project_id}).status_code == 200
    assert not list(server.workdir.glob("*.sqlite3*"))
