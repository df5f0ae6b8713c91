"""`depot-local serve`: help, flags and their errors, the environment, the default database, signals."""

from __future__ import annotations

import contextlib
import os
import selectors
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from connect_rpc import Rpc

SCRIPT = Path(sys.executable).with_name("depot-local")


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(SCRIPT), *args], capture_output=True, text=True, timeout=30, cwd=cwd, check=False)


def test_console_script_help_documents_usage():
    result = run("serve", "--help")
    assert result.returncode == 0
    for words in (
        "--port",
        "0 picks a free one",
        "--db",
        "DEPOT_LOCAL_TOKEN",
        "--token-file",
        "--body-timeout",
        "DEPOT_API_URL=http://127.0.0.1:8787 DEPOT_TOKEN=",
        "--unavailable-rate",
        "--commit-then-unavailable-rate",
        "--fault-methods",
        "--seed",
        "/_admin/faults",
        "/_admin/organizations",
        "loopback",
        "depot-local listening on http://HOST:PORT org=ORG_ID",
    ):
        assert words in result.stdout, words


def test_no_command_prints_usage():
    result = run()
    assert result.returncode == 2
    assert "serve" in result.stderr


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--unavailable-rate", "1.5"], "not a fraction between 0 and 1"),
        (["--commit-then-unavailable-rate", "lots"], "not a fraction between 0 and 1"),
        (["--fault-methods", "CreateProject,Frobnicate"], "'Frobnicate' is not a method"),
        (["--latency-ms", "-5"], "latency_ms"),
        (["--token", "has space"], "printable ASCII characters without spaces"),
        (["--port", "http"], "invalid int value"),
        (["--body-timeout", "0"], "--body-timeout"),
        (["--body-timeout", "soon"], "--body-timeout"),
    ],
)
def test_bad_flags_exit_2_with_a_message(args, words, tmp_path):
    result = run("serve", "--port", "0", "--db", str(tmp_path / "x.sqlite3"), *args)
    assert result.returncode == 2
    assert words in result.stderr
    assert "Traceback" not in result.stderr


def test_port_in_use_exits_1_cleanly(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        result = run("serve", "--port", str(taken.getsockname()[1]), "--db", str(tmp_path / "x.sqlite3"))
    assert result.returncode == 1
    assert "cannot listen on 127.0.0.1" in result.stderr and "Traceback" not in result.stderr


def test_unopenable_database_exits_1_cleanly(tmp_path):
    result = run("serve", "--port", "0", "--db", str(tmp_path / "missing-dir" / "x.sqlite3"))
    assert result.returncode == 1
    assert "cannot open --db" in result.stderr and "Traceback" not in result.stderr


def test_token_from_the_environment(start_depot_server):
    server = start_depot_server(env={"DEPOT_LOCAL_TOKEN": "depot_org_from_env_1234"})
    with Rpc(server.url, "depot_org_from_env_1234") as rpc:
        assert rpc.post("ListProjects", {}).status_code == 200


def test_same_token_again_after_restart_is_the_same_organization(start_depot_server):
    server = start_depot_server(token="depot_org_stable_token")
    first_org = server.org_id
    server.restart()
    assert server.org_id == first_org
    with Rpc(server.url, "depot_org_stable_token") as rpc:
        assert rpc.post("ListProjects", {}).status_code == 200


def test_a_project_token_as_token_exits_1_cleanly(start_depot_server):
    server = start_depot_server()
    with server.client() as client:
        project = client.create_project("p", "us-east-1")
        secret = client.create_token(project.project_id, "builds").secret
    server.stop()
    result = run("serve", "--port", "0", "--db", server.db_path, "--token", secret)
    assert result.returncode == 1
    assert "--token is a project token" in result.stderr and "Traceback" not in result.stderr
    assert secret not in result.stderr


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_signals_stop_the_server_cleanly(start_depot_server, signum):
    server = start_depot_server()
    with Rpc(server.url, server.token) as rpc:
        assert rpc.post("ListProjects", {}).status_code == 200  # leaves a kept-alive connection open
        assert server.stop(signum) == 0
    assert "Traceback" not in server.log()


def test_default_database_is_in_the_working_directory(tmp_path):
    with serving(db=None, cwd=tmp_path) as (_, url):
        assert url.startswith("http://127.0.0.1:")
    assert (tmp_path / "depot-local.sqlite3").exists()


def test_start_line_comes_before_serving_and_is_flushed(start_depot_server):
    """The fixture parsed the line from a pipe (so it was flushed); the URL answers at once."""
    started = time.monotonic()
    server = start_depot_server()
    with Rpc(server.url, server.token) as rpc:
        assert rpc.post("ListProjects", {}).status_code == 200
    assert server.running and time.monotonic() - started < 30


# The token off the command line: /proc/PID/cmdline (and so `ps`) is readable by every local user.


@contextlib.contextmanager
def serving(
    *args: str, env: dict[str, str] | None = None, db: str | None = ":memory:", cwd: Path | None = None
) -> Iterator[tuple[subprocess.Popen[bytes], str]]:
    """`depot-local serve ARGS` on a free port (with a throwaway database unless ``db`` is None: the default one,
    in ``cwd``); yields the process and its URL once it printed its start line, and stops it cleanly."""
    environment = {key: value for key, value in os.environ.items() if key != "DEPOT_LOCAL_TOKEN"}
    database = ["--db", db] if db is not None else []
    process = subprocess.Popen(
        [str(SCRIPT), "serve", "--port", "0", *database, *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**environment, **(env or {})},
        cwd=cwd,
    )
    try:
        assert process.stdout is not None
        with selectors.DefaultSelector() as selector:
            selector.register(process.stdout, selectors.EVENT_READ)
            assert selector.select(timeout=30), "no start line within 30 s"
        line = process.stdout.readline().decode()
        assert line.startswith("depot-local listening on "), line
        yield process, line.split()[3]
    finally:
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0


def command_line(process: subprocess.Popen[bytes]) -> bytes:
    return Path(f"/proc/{process.pid}/cmdline").read_bytes()


def test_token_file_keeps_the_token_off_the_command_line(tmp_path):
    token = "depot_org_from_file_" + os.urandom(8).hex()
    token_file = tmp_path / "token"
    token_file.write_text(token + "\n")  # as `echo` writes it
    token_file.chmod(0o600)
    with serving("--token-file", str(token_file)) as (process, url):
        assert token.encode() not in command_line(process)
        with Rpc(url, token) as rpc:
            assert rpc.post("ListProjects", {}).status_code == 200


def test_environment_token_keeps_the_token_off_the_command_line():
    token = "depot_org_from_env_" + os.urandom(8).hex()
    with serving(env={"DEPOT_LOCAL_TOKEN": token}) as (process, url):
        assert token.encode() not in command_line(process)
        with Rpc(url, token) as rpc:
            assert rpc.post("ListProjects", {}).status_code == 200


def test_token_file_wins_over_the_environment(tmp_path):
    (tmp_path / "token").write_text("depot_org_file_wins_1234")
    with serving("--token-file", str(tmp_path / "token"), env={"DEPOT_LOCAL_TOKEN": "depot_org_env_loses_1234"}) as (
        _,
        url,
    ):
        with Rpc(url, "depot_org_file_wins_1234") as rpc:
            assert rpc.post("ListProjects", {}).status_code == 200
        with Rpc(url, "depot_org_env_loses_1234") as rpc:
            assert rpc.post("ListProjects", {}).status_code == 401


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (None, "cannot read --token-file"),
        ("", "--token-file"),
        ("two words secret-part", "printable ASCII characters without spaces"),
        ("line-one\nline-two", "printable ASCII characters without spaces"),
    ],
)
def test_bad_token_files_exit_2_without_echoing_them(tmp_path, content, words):
    token_file = tmp_path / "token"
    if content is not None:
        token_file.write_text(content)
    result = run("serve", "--port", "0", "--db", str(tmp_path / "x.sqlite3"), "--token-file", str(token_file))
    assert result.returncode == 2
    assert words in result.stderr and "Traceback" not in result.stderr
    assert "secret-part" not in result.stderr and "line-two" not in result.stderr


def test_token_and_token_file_are_exclusive(tmp_path):
    (tmp_path / "token").write_text("depot_org_abc_1234")
    result = run("serve", "--token", "depot_org_abc_1234", "--token-file", str(tmp_path / "token"))
    assert result.returncode == 2
    assert "not allowed with argument" in result.stderr
