"""`depot-local serve`: help, flags and their errors, the environment, the default database, signals."""

from __future__ import annotations

import contextlib
import os
import selectors
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from connect_rpc import Rpc

SCRIPT = Path(sys.executable).with_name("depot-local")
START_DEADLINE = 120.0  # a safety net for a loaded machine, never a synchronisation device


def run(*args: str, cwd: Path | None = None, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    environment = {key: value for key, value in os.environ.items() if key != "DEPOT_LOCAL_TOKEN"}
    return subprocess.run(
        [str(SCRIPT), *args],
        capture_output=True,
        text=True,
        timeout=START_DEADLINE,
        cwd=cwd,
        env={**environment, **(env or {})},
        check=False,
    )


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
    assert "--token " not in result.stdout  # a token on the command line is not offered


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
    result = run("serve", "--port", "0", "--db", server.db_path, env={"DEPOT_LOCAL_TOKEN": secret})
    assert result.returncode == 1
    assert "DEPOT_LOCAL_TOKEN) is a project token" in result.stderr and "Traceback" not in result.stderr
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
    server = start_depot_server()
    with Rpc(server.url, server.token) as rpc:
        assert rpc.post("ListProjects", {}).status_code == 200
    assert server.running


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
            assert selector.select(timeout=START_DEADLINE), f"no start line within {START_DEADLINE} s"
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


@pytest.mark.parametrize("args", [["--token", "depot_org_argv_1234"], ["--token=depot_org_argv_1234"], ["--token"]])
def test_a_token_on_the_command_line_is_refused_with_the_fix(tmp_path, args):
    """Not taken as an abbreviation of --token-file either; the message never repeats the value."""
    result = run("serve", "--port", "0", "--db", str(tmp_path / "x.sqlite3"), *args)
    assert result.returncode == 2
    assert "--token is not accepted" in result.stderr and "--token-file PATH" in result.stderr
    assert "DEPOT_LOCAL_TOKEN" in result.stderr and "Traceback" not in result.stderr
    assert "depot_org_argv_1234" not in result.stderr


def test_the_fixtures_servers_keep_their_token_off_every_command_line(start_depot_server):
    server = start_depot_server()
    lines = []
    for entry in Path("/proc").iterdir():
        with contextlib.suppress(OSError):  # not a process, or gone
            lines.append((entry / "cmdline").read_bytes())
    assert any(b"depot-local" in line and server.db_path.encode() in line for line in lines)  # the server is seen
    assert [line for line in lines if server.token.encode() in line] == []
