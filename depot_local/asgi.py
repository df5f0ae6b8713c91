"""The few ASGI primitives the app and the admin API share (hand-written: a framework would add a dependency
for three functions)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
DRAIN_FACTOR = 16


def headers_of(scope: Scope) -> dict[str, str]:
    """Lower-cased header names; repeated headers joined with ', ' (RFC 9110 5.3)."""
    headers: dict[str, str] = {}
    for raw_name, raw_value in scope["headers"]:
        name, value = raw_name.decode("latin-1").lower(), raw_value.decode("latin-1")
        headers[name] = f"{headers[name]}, {value}" if name in headers else value
    return headers


async def read_body(receive: Receive, limit: int) -> bytes | None:
    """The whole request body, or None if it is longer than limit.

    A body over the limit is still read to its end (discarded, up to DRAIN_FACTOR x limit) before anyone responds:
    Hypercorn's HTTP/2 drops the whole connection, every stream on it, when request data arrives after the
    response has been sent (pgjones/hypercorn#329).
    """
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size <= limit:
            chunks.append(chunk)
        elif size > DRAIN_FACTOR * limit:
            return None
        if not message.get("more_body", False):
            break
    return None if size > limit else b"".join(chunks)


async def respond(send: Send, status: int, body: bytes, headers: list[tuple[str, str]]) -> None:
    raw_headers = [(name.encode("latin-1"), value.encode("latin-1")) for name, value in headers]
    raw_headers.append((b"content-length", str(len(body)).encode()))
    await send({"type": "http.response.start", "status": status, "headers": raw_headers})
    await send({"type": "http.response.body", "body": body})
