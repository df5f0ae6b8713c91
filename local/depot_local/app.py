"""The ASGI app: Connect unary for depot.core.v1 on POST /<service>/<method>, the admin API under /_admin."""

from __future__ import annotations

import asyncio
import logging

from google.protobuf.message import Message
from pulumi_depot_provider.client import codec as wire_codec
from pulumi_depot_provider.client.codec import CodecName
from pulumi_depot_provider.client.errors import Code

from depot_local import connect
from depot_local.admin import ADMIN_PREFIX, AdminApi
from depot_local.asgi import DEFAULT_BODY_TIMEOUT, BodyTimeout, Receive, Scope, Send, headers_of, read_body, respond
from depot_local.auth import bearer_token
from depot_local.connect import METHODS, Method, RpcError
from depot_local.faults import FaultInjector
from depot_local.service import Service
from depot_local.stats import Injected, Stats

log = logging.getLogger("depot_local")


class InjectedFault(RpcError):
    def __init__(self, kind: Injected, message: str) -> None:
        super().__init__(Code.UNAVAILABLE, message)
        self.kind: Injected = kind


JSON_HEADERS = [("content-type", "application/json")]


class DepotApp:
    def __init__(
        self,
        service: Service,
        faults: FaultInjector,
        stats: Stats,
        default_org_id: str,
        *,
        body_timeout: float = DEFAULT_BODY_TIMEOUT,
    ) -> None:
        self.service = service
        self.faults = faults
        self.stats = stats
        self.body_timeout = body_timeout
        self.admin = AdminApi(service.store, faults, stats, default_org_id, body_timeout=body_timeout)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
        elif scope["type"] == "http":
            path: str = scope["path"]
            if path == ADMIN_PREFIX or path.startswith(ADMIN_PREFIX + "/"):
                await self.admin(scope, receive, send)
            else:
                await respond(receive, send, *await self._connect(scope, receive))

    @staticmethod
    async def _lifespan(receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return

    async def _connect(self, scope: Scope, receive: Receive) -> tuple[int, bytes, list[tuple[str, str]]]:
        method = METHODS.get(scope["path"])
        try:
            raw_body = await read_body(scope, receive, connect.MAX_BODY_BYTES, self.body_timeout)
        except BodyTimeout as timed_out:
            error = RpcError(Code.DEADLINE_EXCEEDED, str(timed_out))
            if method is not None:
                self.stats.record(method.label, error.code.value)
            return error.http_status, error.body(), JSON_HEADERS
        if method is None:
            # Connect answers a path it does not serve with HTTP 404, which clients read as unimplemented.
            error = RpcError(
                Code.UNIMPLEMENTED,
                f"no method at {scope['path'][:200]!r}; this server serves {connect.SERVED}",
            )
            return 404, error.body(), JSON_HEADERS
        if scope["method"] != "POST":
            error = RpcError(Code.UNIMPLEMENTED, f"{method.path} takes POST, not {scope['method']}")
            return 405, error.body(), [*JSON_HEADERS, ("allow", "POST")]
        headers = headers_of(scope)
        codec = connect.codec_for(headers.get("content-type", ""))
        if codec is None:
            error = connect.invalid(
                f"Content-Type {headers.get('content-type', '')[:100]!r} is not supported; "
                "use application/json or application/proto"
            )
            return 415, error.body(), [*JSON_HEADERS, ("accept-post", "application/json, application/proto")]
        try:
            if raw_body is None:
                raise connect.too_large("request body")
            response = await self._unary(method, codec, headers, raw_body)
        except InjectedFault as error:
            self.stats.record(method.label, error.code.value, error.kind)
            return error.http_status, error.body(), JSON_HEADERS
        except RpcError as error:
            self.stats.record(method.label, error.code.value)
            return error.http_status, error.body(), JSON_HEADERS
        except Exception:
            log.exception("%s failed", method.label)
            self.stats.record(method.label, Code.INTERNAL.value)
            failure = RpcError(Code.INTERNAL, f"{method.label} failed inside the local Depot API; see its log")
            return failure.http_status, failure.body(), JSON_HEADERS
        self.stats.record(method.label, "ok")
        body = wire_codec.encode(codec, response)
        response_headers = [
            ("content-type", wire_codec.CONTENT_TYPE[codec]),
            ("accept-encoding", connect.ACCEPT_ENCODING),
        ]
        encoding = connect.choose_encoding(headers.get("accept-encoding", ""))
        if encoding and body:
            body = connect.compress(encoding, body)
            response_headers.append(("content-encoding", encoding))
        return 200, body, response_headers

    async def _unary(self, method: Method, codec: CodecName, headers: dict[str, str], raw_body: bytes) -> Message:
        version = headers.get("connect-protocol-version")
        if version is not None and version.strip() != "1":
            raise connect.invalid(f"Connect-Protocol-Version {version[:20]!r} is not supported; send 1")
        timeout = connect.parse_timeout(headers.get("connect-timeout-ms", ""))
        try:
            async with asyncio.timeout(timeout):
                return await self._handle(method, codec, headers, raw_body)
        except TimeoutError:
            raise RpcError(
                Code.DEADLINE_EXCEEDED, f"{method.label} did not finish within Connect-Timeout-Ms ({timeout} s)"
            ) from None

    async def _handle(self, method: Method, codec: CodecName, headers: dict[str, str], raw_body: bytes) -> Message:
        latency = self.faults.latency(method.label)
        if latency:
            await asyncio.sleep(latency)
        if self.faults.fail_before(method.label):
            raise InjectedFault("unavailable", f"injected fault: {method.label} is unavailable (nothing was done)")
        body = connect.decompress(headers.get("content-encoding", ""), raw_body)
        secret = bearer_token(headers.get("authorization", ""))
        request = connect.decode(codec, body, method.request)
        response = await asyncio.to_thread(self.service.call, method.label, secret, request)
        if self.faults.fail_after_commit(method.label):
            raise InjectedFault(
                "commit_then_unavailable", f"injected fault: {method.label} committed, then became unavailable"
            )
        return response
