"""HTTP/2 for a client shared by threads: httpx's asyncio HTTP/2 on one event loop in a thread of its own.

Why: httpx's synchronous HTTP/2 connection (httpcore 1.0's sync HTTP2Connection) is not safe to share between
threads. It takes the next stream id and sends the HEADERS outside any lock, so two threads can open the same
stream (the server then sees a second HEADERS block, "Received pseudo-header in trailer", and ends the connection
with GOAWAY) or interleave their HPACK state; the other threads see KeyError, LocalProtocolError and
ConnectionTerminated. Upstream: pydantic/httpx2#1153 (open). DepotClient is shared by the provider host's threads,
so 8 to 32 concurrent calls were enough to break every stream on the connection.

The asyncio implementation multiplexes streams within one event loop and has no such race, so every request is
run there: a sync caller waits for its own request's coroutine and reads its answer in chunks through the loop.
The protocol work stays with httpx, httpcore and h2; this only moves it to one thread.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Coroutine, Iterator
from typing import Any, TypeVar

import httpx

T = TypeVar("T")
_HTTPX_DEFAULT_LIMITS = httpx.Limits(max_connections=100, max_keepalive_connections=20)


async def _next_chunk(iterator: Any) -> bytes | None:
    try:
        chunk: bytes = await iterator.__anext__()
    except StopAsyncIteration:
        return None
    return chunk


class ThreadSafeHTTP2Transport(httpx.BaseTransport):
    """A synchronous httpx transport that speaks HTTP/2 only (h2c with prior knowledge to http:// URLs) through
    httpx.AsyncHTTPTransport on a private event loop. Safe to use from any number of threads at once."""

    def __init__(self, *, trust_env: bool = True, limits: httpx.Limits | None = None) -> None:
        self._transport = httpx.AsyncHTTPTransport(
            http1=False, http2=True, trust_env=trust_env, limits=limits or _HTTPX_DEFAULT_LIMITS
        )
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="depot-client-http2", daemon=True)
        self._thread.start()
        self._close_lock = threading.Lock()
        self._closed = False

    def run(self, coroutine: Coroutine[Any, Any, T]) -> T:
        if self._closed:
            coroutine.close()
            raise RuntimeError("the HTTP/2 transport is closed")
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        request.read()  # the body as bytes, which the async transport can send (Depot requests are small)
        response = self.run(self._transport.handle_async_request(request))
        assert isinstance(response.stream, httpx.AsyncByteStream)
        return httpx.Response(
            status_code=response.status_code,
            headers=response.headers,
            stream=_BridgedStream(self, response.stream),
            extensions=response.extensions,
        )

    def close(self) -> None:
        with self._close_lock:
            if self._closed:
                return
            try:
                self.run(self._transport.aclose())
            finally:
                self._closed = True
                self._loop.call_soon_threadsafe(self._loop.stop)
                self._thread.join()
                self._loop.close()


class _BridgedStream(httpx.SyncByteStream):
    def __init__(self, bridge: ThreadSafeHTTP2Transport, stream: httpx.AsyncByteStream) -> None:
        self._bridge = bridge
        self._stream = stream

    def __iter__(self) -> Iterator[bytes]:
        iterator = self._stream.__aiter__()
        while (chunk := self._bridge.run(_next_chunk(iterator))) is not None:
            yield chunk

    def close(self) -> None:
        self._bridge.run(self._stream.aclose())
