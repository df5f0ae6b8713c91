"""The few ASGI primitives the app and the admin API share (hand-written: a framework would add a dependency
for three functions)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
DRAIN_FACTOR = 16
DEFAULT_BODY_TIMEOUT = 30.0  # seconds from a request's headers to the end of its body


def headers_of(scope: Scope) -> dict[str, str]:
    """Lower-cased header names; repeated headers joined with ', ' (RFC 9110 5.3)."""
    headers: dict[str, str] = {}
    for raw_name, raw_value in scope["headers"]:
        name, value = raw_name.decode("latin-1").lower(), raw_value.decode("latin-1")
        headers[name] = f"{headers[name]}, {value}" if name in headers else value
    return headers


class BodyTimeout(Exception):
    """The request's body did not end within the body timeout (a slow or stalled client, or a body shorter than
    its Content-Length)."""

    def __init__(self, seconds: float, received: int, content_length: str | None) -> None:
        expected = f"of the {content_length[:20]} bytes its Content-Length announced " if content_length else ""
        super().__init__(
            f"the request body did not arrive within {seconds:g} s (depot-local --body-timeout): "
            f"{received} bytes {expected}came, and nothing was done"
        )


async def read_body(scope: Scope, receive: Receive, limit: int, timeout: float) -> bytes | None:
    """The whole request body, or None if it is longer than limit; BodyTimeout if it has not ended within
    `timeout` seconds.

    A body over the limit is still read (and discarded) up to DRAIN_FACTOR x limit before anyone answers, so that
    an HTTP/1.1 connection stays usable; past that the answer goes out at once (HTTP/1.1 then closes the
    connection; on HTTP/2 the rest of that stream's body is discarded, see depot_local.hypercorn_h2).
    """
    chunks: list[bytes] = []
    size = 0
    try:
        async with asyncio.timeout(timeout):
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
    except TimeoutError:
        raise BodyTimeout(timeout, size, headers_of(scope).get("content-length")) from None
    return None if size > limit else b"".join(chunks)


async def _discard(receive: Receive) -> None:
    """Takes request messages until the body has ended (or the client has gone)."""
    while True:
        message = await receive()
        if message["type"] == "http.disconnect" or not message.get("more_body", False):
            return


async def respond(receive: Receive, send: Send, status: int, body: bytes, headers: list[tuple[str, str]]) -> None:
    """Sends the whole answer while discarding whatever is left of the request.

    Hypercorn hands request data to the app through a bounded queue and stops reading the connection, every
    stream of it, while that queue is full; its own last step of a response also waits for room in it. So when
    the answer goes out before the request's body has ended (too large, too slow), something must keep taking.
    """
    raw_headers = [(name.encode("latin-1"), value.encode("latin-1")) for name, value in headers]
    raw_headers.append((b"content-length", str(len(body)).encode()))
    discarding = asyncio.create_task(_discard(receive))
    try:
        await send({"type": "http.response.start", "status": status, "headers": raw_headers})
        await send({"type": "http.response.body", "body": body})
    finally:
        discarding.cancel()
