"""Helpers for the tests that run Depot's official clients (Node SDK, Go CLI) against the local Depot API.

- Node and the npm packages pinned in tests/node (installed with `npm ci` when node_modules is missing).
- run_node_sdk_script: one of tests/node's scripts, its JSON input on stdin and its JSON output parsed.
- H2cTap: a loopback TCP relay in front of the server that records how each client connection opened, so a test
  can assert that the client spoke HTTP/2 with prior knowledge (h2c) without the server's help.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import socket
import subprocess
import threading
from pathlib import Path
from typing import Any, Protocol

import pytest

NODE_DIR = Path(__file__).resolve().parent.parent / "node"
NPM_CI_TIMEOUT = 300.0
SDK_PACKAGES = ("@depot/sdk-node", "@connectrpc/connect")
H2_PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"


def require_tool(name: str) -> str:
    """The path of `name` on PATH; fails (never skips) when it is missing: CI has Node 20 and npm."""
    path = shutil.which(name)
    if path is None:
        pytest.fail(f"`{name}` is not on PATH: install Node.js 20 with npm to run Depot's official clients", False)
    return path


def _installed_version(package: str) -> str | None:
    manifest = NODE_DIR / "node_modules" / package / "package.json"
    return json.loads(manifest.read_text())["version"] if manifest.exists() else None


def _pinned(package: str) -> str:
    lock = json.loads((NODE_DIR / "package-lock.json").read_text())
    return str(lock["packages"][f"node_modules/{package}"]["version"])


def ensure_node_modules(*packages: str) -> None:
    """Runs `npm ci` in tests/node when a package is missing or not at its locked version."""
    if all(_installed_version(package) == _pinned(package) for package in packages):
        return
    npm = require_tool("npm")
    try:
        result = subprocess.run(
            [npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"],
            cwd=NODE_DIR,
            capture_output=True,
            text=True,
            timeout=NPM_CI_TIMEOUT,
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"`npm ci` in {NODE_DIR} did not finish within {NPM_CI_TIMEOUT:.0f} s", False)
    if result.returncode != 0:
        pytest.fail(f"`npm ci` in {NODE_DIR} failed ({result.returncode}):\n{result.stderr[-4000:]}", False)
    missing = [package for package in packages if _installed_version(package) != _pinned(package)]
    if missing:
        pytest.fail(f"`npm ci` in {NODE_DIR} did not install {', '.join(missing)}", False)


class ApiOrg(Protocol):
    """What these tests use of conftest's `depot` fixture: one organization on a local Depot API."""

    url: str
    token: str
    org_id: str


class H2cTap:
    """Relays 127.0.0.1:<port> to `upstream` and records the first bytes each client connection sent.

    Hand-written (sockets and threads) because no test library offers a recording TCP relay; it only copies bytes.
    """

    def __init__(self, upstream_url: str) -> None:
        host, port = upstream_url.removeprefix("http://").rsplit(":", 1)
        self._upstream = (host.strip("[]"), int(port))
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self._listener.getsockname()[1]}"
        self._lock = threading.Lock()
        self._openings: list[bytes] = []
        self._threads: list[threading.Thread] = []
        self._accepting = threading.Thread(target=self._accept, daemon=True)
        self._accepting.start()

    @property
    def openings(self) -> list[bytes]:
        """The first len(H2_PREFACE) bytes (or fewer, if the client sent fewer) of every connection so far."""
        with self._lock:
            return list(self._openings)

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._listener.accept()
            except OSError:  # closed by close()
                return
            thread = threading.Thread(target=self._relay, args=(client,), daemon=True)
            self._threads.append(thread)
            thread.start()

    def _relay(self, client: socket.socket) -> None:
        with client, socket.create_connection(self._upstream) as upstream:
            for side in (client, upstream):  # relay small HTTP/2 frames at once, as a direct connection would
                side.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            opening = b""
            while len(opening) < len(H2_PREFACE) and (chunk := client.recv(len(H2_PREFACE) - len(opening))):
                opening += chunk
            with self._lock:
                self._openings.append(opening)
            upstream.sendall(opening)
            back = threading.Thread(target=_pump, args=(upstream, client), daemon=True)
            back.start()
            _pump(client, upstream)
            back.join()

    def close(self) -> None:
        self._listener.shutdown(socket.SHUT_RDWR)  # wakes the blocked accept(); close() alone does not on Linux
        self._listener.close()
        self._accepting.join()
        for thread in self._threads:
            thread.join(timeout=10.0)

    def __enter__(self) -> H2cTap:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _pump(source: socket.socket, sink: socket.socket) -> None:
    """Copies until either side closes, then closes both: HTTP clients never half-close and wait for an answer."""
    try:
        while chunk := source.recv(65536):
            sink.sendall(chunk)
    except OSError:  # a side reset the connection, or the other direction already shut both down
        return
    finally:
        for side in (source, sink):
            with contextlib.suppress(OSError):
                side.shutdown(socket.SHUT_RDWR)


def run_node_sdk_script(script: str, url: str, token: str, payload: Any, *, timeout: float) -> Any:
    """``node tests/node/SCRIPT`` against the API at ``url`` with ``token``, ``payload`` as JSON on stdin; returns
    its JSON output. A non-zero exit or a hang fails the test with the script's stderr."""
    node = require_tool("node")
    ensure_node_modules(*SDK_PACKAGES)
    env = {"PATH": os.environ.get("PATH", ""), "HOME": str(NODE_DIR), "DEPOT_API_URL": url, "DEPOT_TOKEN": token}
    try:
        result = subprocess.run(
            [node, script],
            cwd=NODE_DIR,
            input=json.dumps(payload),
            capture_output=True,
            text=True,
            env=env,
            timeout=timeout,
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"{script} did not finish within {timeout:.0f} s")
    assert result.returncode == 0, f"{script} exited {result.returncode}:\n{result.stderr[-4000:]}"
    return json.loads(result.stdout)
