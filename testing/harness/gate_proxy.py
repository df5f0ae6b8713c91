"""TEST TOOLING: an HTTP/1.1 proxy in front of depot-local with a gate the test closes, so that an `up` through it
stops at a known point and stays there until the test has interrupted or killed it: no race against the `up`'s
own progress, however loaded the machine.

    with GateProxy(server.url) as gate:     # the stack's depot:apiUrl is gate.url
        gate.close(after=4)                 # answer 4 more calls; later ones reach Depot, their answers are held
        gate.wait_holding()                 # the up cannot finish now: kill it
        gate.drop()                         # the held answers are lost with the killed up
        ...
        gate.open()

A call past the gate is the ambiguous one: Depot has done it (a create has committed), its caller never learns.
With `close(..., hold="call")` the gate holds the call itself instead: Depot has not seen it, so the test can look
at the state just before it (a delete not done yet) while the `up` waits.
`release()` (after an interrupt) delivers the held answers, `drop()` (after a kill) discards them and forwards
nothing more; both return once Depot has answered every call it was sent, so everything the interrupted `up`
sent has landed before the test looks at Depot or runs the next step. `drop()` also waits until every
connection the killed processes made is closed, accepted ones and those still in the listen backlog.
"""

from __future__ import annotations

import socket
import struct
import threading
from collections.abc import Collection
from concurrent.futures import Future
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Final, Literal

import httpx

from depot_local.connect import METHOD_NAMES

DEADLINE: Final = 180.0  # a safety net against a hung `up`, never a synchronisation device
HOP_BY_HOP: Final = {"connection", "keep-alive", "transfer-encoding", "content-length", "host"}
_TCPI_UNACKED: Final = 24  # offset in struct tcp_info; for a listening socket, its accept backlog


class GateProxy:
    def __init__(self, upstream: str) -> None:
        self._http = httpx.Client(base_url=upstream, timeout=DEADLINE, trust_env=False)
        self._changed = threading.Condition()
        self._passes: int | None = None  # None: the gate is open
        self._methods: Collection[str] | None = None
        self._dropping = False
        self._hold_calls = False  # hold="call": the gate stops calls before Depot, not their answers
        self._held = self._in_flight = self._connections = 0
        self._accepting = False
        self._server = _Server(self)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def __enter__(self) -> GateProxy:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        with self._changed:
            self._dropping = True
            self._changed.notify_all()
        self._server.shutdown()
        self._server.server_close()
        self._http.close()

    def close(
        self,
        *,
        after: int = 0,
        methods: Collection[str] | None = None,
        hold: Literal["answer", "call"] = "answer",
    ) -> None:
        """Answer ``after`` more calls of ``methods`` (None: any Depot method), then hold the answer of every
        later one (``hold="call"``: the call itself, before Depot sees it). Other methods' calls go through."""
        assert methods is None or set(methods) <= METHOD_NAMES, f"not Depot methods: {set(methods) - METHOD_NAMES}"
        with self._changed:
            self._passes, self._methods, self._dropping = after, methods, False
            self._hold_calls = hold == "call"

    def open(self) -> None:
        with self._changed:
            self._passes, self._dropping = None, False

    def wait_holding(self, calls: int = 1, *, running: Future[Any] | None = None) -> None:
        """Returns once ``calls`` calls are held. ``running``: the `up` in a thread; if it ends first, its error
        (or an AssertionError) is raised at once rather than after the deadline."""
        if running is not None:
            running.add_done_callback(lambda _: self._notify())
        ended = running.done if running is not None else lambda: False
        self._wait(lambda: self._held >= calls or ended(), f"{calls} calls held at the closed gate")
        with self._changed:
            if self._held >= calls:
                return
        assert running is not None
        running.result()
        raise AssertionError(f"the up ended before {calls} calls were held at the closed gate")

    def release(self) -> None:
        """Open the gate and deliver the held answers (forward the held calls); returns once Depot has answered
        every call."""
        with self._changed:
            self._passes = None
            self._changed.notify_all()
        self._wait(lambda: self._held == 0 and self._in_flight == 0, "the forwarded calls to be answered")

    def drop(self) -> None:
        """Discard the held answers and forward no later call (until `close` or `open`); returns once Depot has
        answered every call and no connection is left, the processes that made them being dead."""
        with self._changed:
            self._dropping = True
            self._changed.notify_all()
        self._wait(
            lambda: not (self._held or self._in_flight or self._connections or self._accepting or self._backlog()),
            "the killed processes' calls and connections to end",
        )

    def _wait(self, done: Any, what: str) -> None:
        with self._changed:
            if not self._changed.wait_for(done, timeout=DEADLINE):
                raise AssertionError(f"waited {DEADLINE} s for {what}")

    def _notify(self) -> None:
        with self._changed:
            self._changed.notify_all()

    def _backlog(self) -> int:
        """Connections the kernel established that the server has not accepted yet."""
        info = self._server.socket.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 104)
        return int(struct.unpack_from("I", info, _TCPI_UNACKED)[0])

    def _forward(self, method: str) -> bool:
        """Whether to send this call to Depot, once the gate lets it (then in flight until `_landed`)."""
        with self._changed:
            if self._hold_calls:
                self._gate(method)
            if self._dropping:
                return False
            self._in_flight += 1  # under the same lock as the gate's release: `release` never sees a gap
            return True

    def _answer(self, method: str) -> bool:
        """Whether to deliver Depot's answer to this call, once the gate lets it (False: discarded)."""
        with self._changed:
            if not self._hold_calls:
                self._gate(method)
            return not self._dropping

    def _gate(self, method: str) -> None:
        """Counts this call against the passes, or waits (holding) until the gate opens or drops; lock held."""
        if self._passes is None or (self._methods is not None and method not in self._methods):
            return
        if self._passes > 0:
            self._passes -= 1
            return
        self._held += 1
        self._changed.notify_all()
        self._changed.wait_for(lambda: self._dropping or self._passes is None)
        self._held -= 1
        self._changed.notify_all()

    def _landed(self) -> None:
        with self._changed:
            self._in_flight -= 1
            self._changed.notify_all()

    def _connection(self, change: int, *, accepting: bool = False) -> None:
        with self._changed:
            self._connections += change
            self._accepting = accepting
            self._changed.notify_all()


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, proxy: GateProxy) -> None:
        self.proxy = proxy
        super().__init__(("127.0.0.1", 0), _Handler)

    def get_request(self) -> tuple[socket.socket, Any]:
        self.proxy._connection(0, accepting=True)  # between accept() and the count, neither shows the connection
        try:
            accepted = super().get_request()
        except OSError:
            self.proxy._connection(0)
            raise
        self.proxy._connection(+1)
        return accepted

    def shutdown_request(self, request: Any) -> None:
        super().shutdown_request(request)
        self.proxy._connection(-1)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def do_POST(self) -> None:
        proxy = self.server.proxy
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        method = self.path.rsplit("/", 1)[-1]
        if not proxy._forward(method):
            self.close_connection = True
            return
        try:
            headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
            answer = proxy._http.post(self.path, content=body, headers=headers)
        finally:
            proxy._landed()  # Depot has answered (or the call failed): either way it is over
        if not proxy._answer(method):
            self.close_connection = True
            return
        try:
            self.send_response(answer.status_code)
            for key, value in answer.headers.items():
                if key.lower() not in HOP_BY_HOP and key.lower() != "content-encoding":
                    self.send_header(key, value)
            self.send_header("Content-Length", str(len(answer.content)))
            self.end_headers()
            self.wfile.write(answer.content)
        except OSError:  # the caller is gone (killed): nobody to answer
            self.close_connection = True

    def log_message(self, format: str, *args: object) -> None:
        pass
