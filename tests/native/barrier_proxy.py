"""TEST TOOLING: an HTTP/1.1 proxy in front of depot-local that holds every call of one method until `parties` of
them are in flight at once (a threading.Barrier), then lets them all through.

It proves concurrency without timing anything: a provider that cannot have `parties` calls in flight together
never fills the barrier, which breaks after DEADLINE (a safety net, never a synchronisation device) and is
recorded in `broken`; the calls then go through, so the deployment still ends.
"""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Final

import httpx

DEADLINE: Final = 120.0
HOP_BY_HOP: Final = {"connection", "keep-alive", "transfer-encoding", "content-length", "host"}


class BarrierProxy:
    def __init__(self, upstream: str, method: str, parties: int) -> None:
        self.upstream = upstream
        self.method = method
        self.barrier = threading.Barrier(parties, timeout=DEADLINE)
        self.broken = False
        self.in_flight = 0
        self.most_in_flight = 0
        self._lock = threading.Lock()
        self._http = httpx.Client(base_url=upstream, timeout=60.0, trust_env=False)
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def __enter__(self) -> BarrierProxy:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._http.close()

    def _hold(self) -> None:
        with self._lock:
            self.in_flight += 1
            self.most_in_flight = max(self.most_in_flight, self.in_flight)
        try:
            self.barrier.wait()
        except threading.BrokenBarrierError:
            self.broken = True
        finally:
            with self._lock:
                self.in_flight -= 1

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                if self.path.endswith("/" + proxy.method):
                    proxy._hold()
                headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
                answer = proxy._http.post(self.path, content=body, headers=headers)
                self.send_response(answer.status_code)
                for key, value in answer.headers.items():
                    if key.lower() not in HOP_BY_HOP and key.lower() != "content-encoding":
                        self.send_header(key, value)
                self.send_header("Content-Length", str(len(answer.content)))
                self.end_headers()
                self.wfile.write(answer.content)

            def log_message(self, format: str, *args: object) -> None:
                pass

        return Handler
