"""`depot-local serve`: the local Depot API on one port, HTTP/1.1 and h2c (HTTP/2 with prior knowledge)."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import re
import signal
import socket
import sqlite3
import sys
from collections.abc import Sequence

from hypercorn.asyncio import serve as hypercorn_serve
from hypercorn.config import Config
from hypercorn.typing import ASGIFramework
from pydantic import ValidationError

from depot_local import hypercorn_h2
from depot_local.admin import TOKEN_PATTERN
from depot_local.app import DepotApp
from depot_local.asgi import DEFAULT_BODY_TIMEOUT
from depot_local.faults import FaultInjector, FaultSettings
from depot_local.service import Service
from depot_local.stats import Stats
from depot_local.store import Store

DEFAULT_DB = "depot-local.sqlite3"
DEFAULT_ORG_NAME = "Local organization"
START_LINE = "depot-local listening on {url} org={org_id}"
STOP_SIGNALS = {signal.SIGTERM, signal.SIGINT}
TOKEN_ENV = "DEPOT_LOCAL_TOKEN"
MAX_TOKEN_FILE_CHARS = 4096
MAX_BODY_TIMEOUT = 3600.0

DESCRIPTION = """\
Serve a local Depot API: depot.core.v1.ProjectService (all 13 methods) and OrganizationService/ListOrganizations
over Connect (application/json and application/proto, gzip and br), on HTTP/1.1 and h2c on one port, backed by
SQLite. Depot's official CLI and Node SDK, and pulumi-depot, accept it as the real thing.
"""

EPILOG = """\
point clients at it:
  DEPOT_API_URL=http://127.0.0.1:8787 DEPOT_TOKEN=<token>   (Pulumi programs, the depot CLI, @depot/sdk-node)

tokens:
  --token-file PATH (or DEPOT_LOCAL_TOKEN when it is not given) seeds an organization token for the default
  organization, created on first start and kept in --db. Never on the command line: every local user can read that
  (ps, /proc/PID/cmdline). More organizations, each with its own token:
    curl -X POST localhost:8787/_admin/organizations -d '{"name": "acme"}'   -> {"org_id", "token", ...}
  Project tokens come from ProjectService/CreateToken, as on Depot. Only HMAC-SHA256 hashes are stored.

on start, prints one line to stdout (then flushes):
  depot-local listening on http://HOST:PORT org=ORG_ID

admin API (JSON, loopback clients only), on the same port:
  GET /_admin/health   GET|PUT /_admin/faults   GET|POST /_admin/organizations
  POST /_admin/organizations/{org_id}/tokens   GET|DELETE /_admin/stats
faults at runtime, e.g. the next 2 CreateProject calls commit and then answer unavailable:
  curl -X PUT localhost:8787/_admin/faults -d '{"commit_then_unavailable_next": {"CreateProject": 2}}'

stops cleanly on SIGTERM or SIGINT. Docs: docs/local-api.md.
"""


def _token(value: str) -> str:
    if not re.match(TOKEN_PATTERN, value):
        raise argparse.ArgumentTypeError("a token is 1 to 256 printable ASCII characters without spaces")
    return value


class _RefusedToken(argparse.Action):
    """--token is gone: a command line is readable by every user of the machine. Refused with the fix (never echoing
    the value), not left to argparse, which would take --token for an abbreviation of --token-file."""

    def __call__(self, parser: argparse.ArgumentParser, *_: object) -> None:
        parser.error(
            f"--token is not accepted: a command line is visible to every local user (ps, /proc/PID/cmdline). Put "
            f"the token in a file for --token-file PATH, or in the {TOKEN_ENV} environment variable"
        )


def _token_file(path: str) -> str:
    try:
        with open(path, encoding="utf-8", errors="strict") as file:
            value = file.read(MAX_TOKEN_FILE_CHARS + 1).strip()
    except (OSError, UnicodeDecodeError) as error:
        reason = error.strerror if isinstance(error, OSError) else "not UTF-8 text"
        raise argparse.ArgumentTypeError(f"cannot read --token-file {path}: {reason}") from None
    if not value:
        raise argparse.ArgumentTypeError(f"--token-file {path} is empty; write the organization token into it")
    return _token(value)  # its message never shows the file's content


def _seconds(value: str) -> float:
    try:
        seconds = float(value)
    except ValueError:
        seconds = -1.0
    if not 0.0 < seconds <= MAX_BODY_TIMEOUT:
        raise argparse.ArgumentTypeError(f"{value!r} is not a number of seconds above 0 and at most {MAX_BODY_TIMEOUT}")
    return seconds


def _rate(value: str) -> float:
    try:
        rate = float(value)
    except ValueError:
        rate = -1.0
    if not 0.0 <= rate <= 1.0:
        raise argparse.ArgumentTypeError(f"{value!r} is not a fraction between 0 and 1")
    return rate


def _methods(value: str) -> list[str]:
    return [name.strip() for name in value.split(",") if name.strip()]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="depot-local", description=DESCRIPTION)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    serve = commands.add_parser(
        "serve",
        help="serve the local Depot API",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)")
    serve.add_argument("--port", type=int, default=8787, help="port to listen on; 0 picks a free one (default: 8787)")
    serve.add_argument(
        "--db", default=DEFAULT_DB, help=f"SQLite file, or :memory: (default: ./{DEFAULT_DB}); data survives restarts"
    )
    serve.add_argument("--token", nargs="?", action=_RefusedToken, help=argparse.SUPPRESS)
    serve.add_argument(
        "--token-file",
        type=_token_file,
        default=None,
        metavar="PATH",
        dest="token_from_file",
        help=f"read the organization token to seed for the default organization from this file (surrounding "
        f"whitespace is ignored) (default: ${TOKEN_ENV})",
    )
    serve.add_argument(
        "--body-timeout",
        type=_seconds,
        default=DEFAULT_BODY_TIMEOUT,
        metavar="SECONDS",
        help="a request whose body has not fully arrived this long after its headers is answered with an error "
        f"(and, on HTTP/1.1, its connection closed) (default: {DEFAULT_BODY_TIMEOUT:g})",
    )
    faults = serve.add_argument_group("fault injection (also at runtime: PUT /_admin/faults)")
    faults.add_argument("--latency-ms", type=int, default=0, help="added to every affected call")
    faults.add_argument(
        "--unavailable-rate", type=_rate, default=0.0, help="fraction of calls answered unavailable up front"
    )
    faults.add_argument(
        "--commit-then-unavailable-rate",
        type=_rate,
        default=0.0,
        help="fraction of mutating calls that commit, then answer unavailable",
    )
    faults.add_argument(
        "--fault-methods", type=_methods, default=None, help="comma-separated methods to affect (default: all)"
    )
    faults.add_argument("--seed", type=int, default=None, help="seed the fault rates' random draws (reproducible)")
    logs = serve.add_argument_group("logging (to stderr)")
    logs.add_argument("--log-level", default="WARNING", choices=["DEBUG", "INFO", "WARNING", "ERROR"])
    logs.add_argument("--access-log", action="store_true", help="log one line per request")
    serve.set_defaults(subparser=serve)
    return parser


def _listen(host: str, port: int) -> socket.socket:
    family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)[
        0
    ]
    sock = socket.socket(family, kind, proto)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(address)
        sock.listen(1024)
    except OSError:
        sock.close()
        raise
    return sock


def _url(sock: socket.socket) -> str:
    host, port = sock.getsockname()[:2]
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


async def _serve(app: DepotApp, sock: socket.socket, args: argparse.Namespace) -> None:
    config = Config()
    # Hypercorn adopts the already-listening socket, so the start line can be printed before serving begins:
    # connections made in between wait in the listen backlog.
    config.bind = [f"fd://{sock.detach()}"]
    config.loglevel = args.log_level
    config.accesslog = "-" if args.access_log else None
    config.graceful_timeout = 2.0
    # Hypercorn's defaults close a connection after 1000 requests (HTTP/2 GOAWAY fails the caller's next call on
    # it) and after 5 s idle; Depot's clients keep one connection for a whole deployment.
    config.keep_alive_max_requests = 2**62
    config.keep_alive_timeout = 75.0
    hypercorn_h2.install()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in STOP_SIGNALS:
        loop.add_signal_handler(signum, stop.set)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, STOP_SIGNALS)  # a signal that came early is delivered now
    framework: ASGIFramework = app  # type: ignore[assignment]  # ASGI typed as plain dicts (asgi.py), not TypedDicts
    await hypercorn_serve(framework, config, shutdown_trigger=stop.wait)


def serve(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("depot-local %(levelname)s %(message)s"))
    logging.getLogger("depot_local").addHandler(handler)
    logging.getLogger("depot_local").setLevel(args.log_level)
    try:
        faults = FaultSettings(
            latency_ms=args.latency_ms,
            unavailable_rate=args.unavailable_rate,
            commit_then_unavailable_rate=args.commit_then_unavailable_rate,
            methods=args.fault_methods,
            seed=args.seed,
        )
    except ValidationError as error:
        parser.error("; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in error.errors()))
    token = args.token_from_file
    if token is None and os.environ.get(TOKEN_ENV):
        try:
            token = _token(os.environ[TOKEN_ENV])
        except argparse.ArgumentTypeError as error:
            parser.error(f"{TOKEN_ENV}: {error}")
    try:
        store = Store(args.db)
    except (sqlite3.Error, RuntimeError) as error:
        parser.exit(1, f"depot-local: cannot open --db {args.db}: {error}\n")
    try:
        org_id = store.default_org(DEFAULT_ORG_NAME).org_id
        if token:
            existing = store.find_token(token)
            if existing is None:
                store.add_org_token(org_id, token, "seeded by depot-local serve")
            elif existing.kind == "org":
                org_id = existing.org_id
            else:
                parser.exit(
                    1,
                    f"depot-local: the token (--token-file or {TOKEN_ENV}) is a project token in --db; give an "
                    "organization token\n",
                )
        try:
            sock = _listen(args.host, args.port)
        except OSError as error:
            parser.exit(1, f"depot-local: cannot listen on {args.host}:{args.port}: {error}\n")
        # Held from the start line until the event loop handles them, so a stop right after it is still clean.
        signal.pthread_sigmask(signal.SIG_BLOCK, STOP_SIGNALS)
        print(START_LINE.format(url=_url(sock), org_id=org_id), flush=True)
        app = DepotApp(Service(store), FaultInjector(faults), Stats(), org_id, body_timeout=args.body_timeout)
        asyncio.run(_serve(app, sock, args))
    finally:
        store.close()
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command != "serve":
        parser.print_help(sys.stderr)
        return 2
    return serve(args, args.subparser)
