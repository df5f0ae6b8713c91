"""The admin API: plain JSON under /_admin on the Connect port, answered only to loopback clients.

GET    /_admin/health                       -> {"status": "ok", "default_org_id": ...}
GET    /_admin/faults                       -> FaultSettings (with what is left of the *_next counts)
PUT    /_admin/faults       FaultSettings   -> FaultSettings (replaces all of it; {} clears every fault)
GET    /_admin/organizations                -> [{"org_id", "name", "created_at"}]
POST   /_admin/organizations {"name", "token"?}            -> 201 {"org_id", "name", "token_id", "token"}
POST   /_admin/organizations/{org_id}/tokens {"token"?, "description"?} -> 201 {"org_id", "token_id", "token"}
GET    /_admin/stats                        -> {"methods": {method: {"calls", "results", "injected"}}}
DELETE /_admin/stats                        -> 204
"""

from __future__ import annotations

import asyncio
import ipaddress
import json
import re
from datetime import UTC, datetime
from typing import Annotated, Any, TypeVar

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from depot_local.asgi import DEFAULT_BODY_TIMEOUT, BodyTimeout, Receive, Scope, Send, read_body, respond
from depot_local.faults import FaultInjector, FaultSettings
from depot_local.ids import new_secret
from depot_local.stats import Stats
from depot_local.store import DuplicateSecret, Store

ADMIN_PREFIX = "/_admin"
MAX_ADMIN_BODY_BYTES = 64 * 1024
TOKEN_PATTERN = r"^[\x21-\x7e]{1,256}$"  # printable ASCII without spaces: it must fit in an HTTP header
TokenSecret = Annotated[str, StringConstraints(pattern=TOKEN_PATTERN)]
M = TypeVar("M", bound=BaseModel)
ORG_TOKENS_PATH = re.compile(rf"^{ADMIN_PREFIX}/organizations/([a-z0-9]{{1,64}})/tokens$")


class AdminError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


class CreateOrganization(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: Annotated[str, StringConstraints(min_length=1, max_length=64)] = "Local organization"
    token: TokenSecret | None = Field(None, description="seed this secret as the org token; default: a new one")


class CreateOrgToken(BaseModel):
    model_config = ConfigDict(extra="forbid")
    token: TokenSecret | None = None
    description: Annotated[str, StringConstraints(max_length=256)] = "seeded through the admin API"


def is_loopback(client: tuple[str, int] | list[Any] | None) -> bool:
    if not client:
        return False
    try:
        address = ipaddress.ip_address(str(client[0]))
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_loopback


def _iso(nanoseconds: int) -> str:
    return datetime.fromtimestamp(nanoseconds / 1e9, UTC).isoformat().replace("+00:00", "Z")


def _parse(model: type[M], body: bytes) -> M:
    try:
        return model.model_validate_json(body or b"{}")
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(str(part) for part in problem['loc']) or 'body'}: {problem['msg']}"
            for problem in error.errors()
        )
        raise AdminError(400, f"invalid {model.__name__} body: {problems}") from None


class AdminApi:
    def __init__(
        self,
        store: Store,
        faults: FaultInjector,
        stats: Stats,
        default_org_id: str,
        *,
        body_timeout: float = DEFAULT_BODY_TIMEOUT,
    ) -> None:
        self.store = store
        self.body_timeout = body_timeout
        self.faults = faults
        self.stats = stats
        self.default_org_id = default_org_id

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            try:
                body = await read_body(scope, receive, MAX_ADMIN_BODY_BYTES, self.body_timeout)
            except BodyTimeout as timed_out:
                raise AdminError(408, str(timed_out)) from None
            if not is_loopback(scope.get("client")):
                raise AdminError(403, "the admin API answers only loopback clients")
            if body is None:
                raise AdminError(413, f"admin request bodies are at most {MAX_ADMIN_BODY_BYTES} bytes")
            status, payload = await self._route(scope["method"], scope["path"], body)
        except AdminError as error:
            status, payload = error.status, {"error": error.message}
        content = b"" if payload is None else json.dumps(payload).encode()
        await respond(receive, send, status, content, [("content-type", "application/json")] if content else [])

    async def _route(self, verb: str, path: str, body: bytes) -> tuple[int, Any]:
        routes = {
            f"{ADMIN_PREFIX}/health": {"GET": self._health},
            f"{ADMIN_PREFIX}/faults": {"GET": self._get_faults, "PUT": self._put_faults},
            f"{ADMIN_PREFIX}/organizations": {"GET": self._list_orgs, "POST": self._create_org},
            f"{ADMIN_PREFIX}/stats": {"GET": self._get_stats, "DELETE": self._reset_stats},
        }
        handlers = routes.get(path)
        if handlers is None and (match := ORG_TOKENS_PATH.match(path)):
            org_id = match.group(1)
            handlers = {"POST": lambda body: self._create_org_token(org_id, body)}
        if handlers is None:
            raise AdminError(404, f"no admin endpoint at {path[:200]!r}; see depot-local serve --help")
        handler = handlers.get(verb)
        if handler is None:
            raise AdminError(405, f"{path} takes {' or '.join(handlers)}, not {verb}")
        return await handler(body)

    async def _health(self, body: bytes) -> tuple[int, Any]:
        return 200, {"status": "ok", "default_org_id": self.default_org_id}

    async def _get_faults(self, body: bytes) -> tuple[int, Any]:
        return 200, self.faults.settings.model_dump()

    async def _put_faults(self, body: bytes) -> tuple[int, Any]:
        self.faults.replace(_parse(FaultSettings, body))
        return 200, self.faults.settings.model_dump()

    async def _list_orgs(self, body: bytes) -> tuple[int, Any]:
        orgs = await asyncio.to_thread(self.store.list_orgs)
        return 200, [{"org_id": o.org_id, "name": o.name, "created_at": _iso(o.created_at_ns)} for o in orgs]

    async def _create_org(self, body: bytes) -> tuple[int, Any]:
        request = _parse(CreateOrganization, body)
        secret = request.token or new_secret("org")
        try:
            org, token = await asyncio.to_thread(
                self.store.create_org, request.name, secret, "created with the organization"
            )
        except DuplicateSecret as error:
            raise AdminError(409, f"{error}; choose another token") from None
        return 201, {"org_id": org.org_id, "name": org.name, "token_id": token.token_id, "token": secret}

    async def _create_org_token(self, org_id: str, body: bytes) -> tuple[int, Any]:
        request = _parse(CreateOrgToken, body)
        if await asyncio.to_thread(self.store.get_org, org_id) is None:
            raise AdminError(404, f"organization {org_id!r} not found")
        secret = request.token or new_secret("org")
        try:
            token = await asyncio.to_thread(self.store.add_org_token, org_id, secret, request.description)
        except DuplicateSecret as error:
            raise AdminError(409, f"{error}; choose another token") from None
        return 201, {"org_id": org_id, "token_id": token.token_id, "token": secret}

    async def _get_stats(self, body: bytes) -> tuple[int, Any]:
        return 200, {"methods": {name: stats.model_dump() for name, stats in self.stats.snapshot().items()}}

    async def _reset_stats(self, body: bytes) -> tuple[int, Any]:
        self.stats.reset()
        return 204, None
