"""Fixtures shared by every test: the local Depot API as real `depot-local serve` subprocesses on 127.0.0.1.

depot                 an isolated organization (a fresh one per test) on one session-wide server:
                      .url .token .org_id .admin_url .client(**kw) -> DepotClient, .server
start_depot_server    factory for a dedicated server (faults, restarts): start_depot_server(**cli_flags)
                      returns a DepotServer: the same attributes for its default organization, plus
                      .restart() .stop() .set_faults(**settings) .faults() .stats() .reset_stats()
                      .create_org(name) -> DepotOrg .db_path .log_path
aws                   moto's server (ThreadedMotoServer) on a free 127.0.0.1 port, reset, stopped after the test:
                      .url (for depot:awsEndpointUrl) .env (credentials for hosts and the CLI) .client(service)
                      .secret_value(name) .parameter_value(name) (testing/harness/aws_local.py)
"""

from __future__ import annotations

import os
import re
import secrets
import selectors
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import pytest

if TYPE_CHECKING:
    from pulumi_depot_provider.client.client import DepotClient

START_LINE = re.compile(r"^depot-local listening on (?P<url>http://\S+) org=(?P<org_id>[a-z0-9]+)$")
START_DEADLINE = 30.0
STOP_DEADLINE = 10.0


def _admin() -> httpx.Client:
    return httpx.Client(timeout=10.0, trust_env=False)  # trust_env=False: never through a proxy


@dataclass
class DepotOrg:
    """One organization on a local Depot API, with an organization token."""

    url: str
    token: str = field(repr=False)
    org_id: str
    admin_url: str
    server: DepotServer = field(repr=False)

    def client(self, **kwargs: Any) -> DepotClient:
        from pulumi_depot_provider.client.client import DepotClient

        return DepotClient(base_url=self.url, token=self.token, **kwargs)


def _flag(name: str, value: Any) -> list[str]:
    option = "--" + name.replace("_", "-")
    if value is True:
        return [option]
    if value is False or value is None:
        return []
    if isinstance(value, list | tuple):
        value = ",".join(map(str, value))
    return [option, str(value)]


def _command() -> list[str]:
    script = Path(sys.executable).with_name("depot-local")
    return [str(script)] if script.exists() else [sys.executable, "-m", "depot_local"]


class DepotServer:
    """A `depot-local serve` subprocess in its own process group. `flags` are serve's options in snake_case
    (latency_ms=50, fault_methods=["CreateProject"], ...); db defaults to a file under workdir."""

    def __init__(
        self,
        workdir: Path,
        token: str | None = None,
        db: str | Path | None = None,
        env: dict[str, str] | None = None,
        **flags: Any,
    ) -> None:
        self.workdir = workdir
        # The token goes in the environment (a DEPOT_LOCAL_TOKEN in env is the token), never on the command line,
        # which every local user can read.
        self.token = (env or {}).get("DEPOT_LOCAL_TOKEN") or token or "depot_org_test_" + secrets.token_hex(16)
        self.env = {**os.environ, **(env or {}), "DEPOT_LOCAL_TOKEN": self.token}
        self.db_path = str(db) if db is not None else str(workdir / "depot-local.sqlite3")
        self.log_path = workdir / "depot-local.log"
        self.flags = flags
        self.url = ""
        self.org_id = ""
        self._process: subprocess.Popen[bytes] | None = None
        self._port = 0

    def __repr__(self) -> str:
        return f"DepotServer(url={self.url!r}, db={self.db_path!r})"

    @property
    def admin_url(self) -> str:
        return f"{self.url}/_admin"

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def start(self) -> DepotServer:
        arguments = ["serve", "--port", str(self._port), "--db", self.db_path]
        for name, value in self.flags.items():
            arguments += _flag(name, value)
        with self.log_path.open("ab") as log:
            self._process = subprocess.Popen(
                [*_command(), *arguments],
                stdout=subprocess.PIPE,
                stderr=log,
                stdin=subprocess.DEVNULL,
                cwd=self.workdir,
                env=self.env,
                start_new_session=True,
            )
        line = self._read_start_line()
        match = START_LINE.match(line)
        if match is None:
            self.stop()
            raise RuntimeError(f"depot-local printed {line!r}, not its start line; log:\n{self.log()}")
        self.url, self.org_id = match["url"], match["org_id"]
        self._port = int(self.url.rsplit(":", 1)[1])  # a restart keeps the port, so .url stays valid
        assert self._process.stdout is not None
        threading.Thread(target=self._process.stdout.read, daemon=True).start()  # keep the pipe drained
        return self

    def _read_start_line(self) -> str:
        assert self._process is not None and self._process.stdout is not None
        deadline = time.monotonic() + START_DEADLINE
        buffer = b""
        with selectors.DefaultSelector() as selector:
            selector.register(self._process.stdout, selectors.EVENT_READ)
            while b"\n" not in buffer:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    self.stop()
                    raise RuntimeError(f"depot-local did not start within {START_DEADLINE} s; log:\n{self.log()}")
                if selector.select(remaining):
                    chunk = os.read(self._process.stdout.fileno(), 4096)
                    if not chunk:
                        code = self._process.wait()
                        raise RuntimeError(f"depot-local exited with {code} before starting; log:\n{self.log()}")
                    buffer += chunk
        return buffer.split(b"\n", 1)[0].decode()

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def stop(self, signum: int = signal.SIGTERM) -> int | None:
        """`signum` to the process group, SIGKILL after STOP_DEADLINE; returns the exit code."""
        process, self._process = self._process, None
        if process is None:
            return None
        if process.poll() is None:
            try:
                os.killpg(process.pid, signum)
                return process.wait(timeout=STOP_DEADLINE)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        return process.wait()

    def restart(self) -> DepotServer:
        self.stop()
        return self.start()

    def _admin_call(self, method: str, path: str, **kwargs: Any) -> Any:
        with _admin() as http:
            response = http.request(method, f"{self.admin_url}{path}", **kwargs)
        response.raise_for_status()
        return response.json() if response.content else None

    def set_faults(self, **settings: Any) -> dict[str, Any]:
        """Replaces every fault setting (see FaultSettings); no arguments clears them all."""
        return self._admin_call("PUT", "/faults", json=settings)  # type: ignore[no-any-return]

    def faults(self) -> dict[str, Any]:
        return self._admin_call("GET", "/faults")  # type: ignore[no-any-return]

    def stats(self) -> dict[str, Any]:
        """{method: {"calls": n, "results": {"ok" or code: n}, "injected": {kind: n}}}"""
        return self._admin_call("GET", "/stats")["methods"]  # type: ignore[no-any-return]

    def reset_stats(self) -> None:
        self._admin_call("DELETE", "/stats")

    def create_org(self, name: str = "test organization") -> DepotOrg:
        created = self._admin_call("POST", "/organizations", json={"name": name})
        return DepotOrg(
            url=self.url, token=created["token"], org_id=created["org_id"], admin_url=self.admin_url, server=self
        )

    def client(self, **kwargs: Any) -> DepotClient:
        """A client with the default organization's token."""
        return DepotOrg(self.url, self.token, self.org_id, self.admin_url, self).client(**kwargs)


@pytest.fixture(scope="session", autouse=True)
def create_journal_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Programs run in this process (the SDK tests' mocks) record what they hold in the create journal: keep it
    out of the developer's ~/.pulumi. Stacks under the real CLI use their own PULUMI_HOME (pulumi_stack.py)."""
    directory = tmp_path_factory.mktemp("create-journal")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("PULUMI_DEPOT_JOURNAL_DIR", str(directory))
        yield directory


@pytest.fixture(scope="session")
def depot_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DepotServer]:
    """The session-wide server behind `depot`. Do not inject faults into it: use start_depot_server."""
    server = DepotServer(tmp_path_factory.mktemp("depot-local-session")).start()
    yield server
    server.stop()


@pytest.fixture
def depot(depot_server: DepotServer, request: pytest.FixtureRequest) -> DepotOrg:
    """A fresh organization, isolated from every other test's, on the session-wide server."""
    return depot_server.create_org(name=request.node.name[:64])


@pytest.fixture
def start_depot_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[..., DepotServer]]:
    servers: list[DepotServer] = []

    def start(**flags: Any) -> DepotServer:
        server = DepotServer(tmp_path_factory.mktemp("depot-local"), **flags).start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


@pytest.fixture(scope="session")
def pulumi_cli() -> Path:
    """The real Pulumi CLI (scripts/install-pulumi.sh). Missing, it fails the test; a developer may set
    PULUMI_DEPOT_ALLOW_NO_PULUMI=1 to skip instead, which CI (CI=true) ignores."""
    from pulumi_stack import PULUMI, pulumi_available

    missing = pulumi_available()
    if missing is not None:
        if os.environ.get("PULUMI_DEPOT_ALLOW_NO_PULUMI") == "1" and os.environ.get("CI") != "true":
            pytest.skip(missing)
        pytest.fail(missing)
    return PULUMI


@pytest.fixture
def pulumi_stack(pulumi_cli: Path, tmp_path: Path) -> Callable[..., Any]:
    """pulumi_stack(program_dir, org, **kw) -> PulumiStack: a stack of that program under the real `pulumi`,
    configured for ``org`` (its URL and token as stack config), state and PULUMI_HOME under tmp_path."""
    from pulumi_stack import PulumiStack

    made = 0

    def make(program_dir: Path, org: DepotOrg | DepotServer, **kwargs: Any) -> PulumiStack:
        nonlocal made
        made += 1
        return PulumiStack(program_dir, tmp_path / f"pulumi-{made}", api_url=org.url, token=org.token, **kwargs)

    return make


@pytest.fixture
def aws() -> Iterator[Any]:
    """moto's server standing in for AWS Secrets Manager and SSM Parameter Store (testing/harness/aws_local.py)."""
    from aws_local import AwsLocal

    local = AwsLocal.start()
    yield local
    local.stop()
