"""A blocking HTTP/2 (h2c, prior knowledge) client on the `h2` library, for tests that need control over frames
that httpx does not give: a body sent in parts, data sent after the answer, many streams at once.

Only the socket loop is written here; framing, HPACK and flow control are h2's.
"""

from __future__ import annotations

import json
import socket
from dataclasses import dataclass, field
from typing import Any

import h2.config
import h2.connection
import h2.events
import h2.exceptions

READ_TIMEOUT = 60.0  # generous: a test fails with a timeout instead of hanging


class ConnectionLost(AssertionError):
    pass


@dataclass
class Answer:
    status: int | None = None
    headers: dict[str, str] = field(default_factory=dict)
    body: bytearray = field(default_factory=bytearray)
    ended: bool = False
    reset: int | None = None  # the error code of a RST_STREAM from the server

    def json(self) -> Any:
        return json.loads(bytes(self.body))


class H2Client:
    def __init__(self, url: str) -> None:
        host, port = url.removeprefix("http://").rsplit(":", 1)
        self.authority = f"{host}:{port}".encode()
        self.sock = socket.create_connection((host.strip("[]"), int(port)), timeout=READ_TIMEOUT)
        self.conn = h2.connection.H2Connection(h2.config.H2Configuration(client_side=True, header_encoding=None))
        self.conn.initiate_connection()
        self.answers: dict[int, Answer] = {}
        self.terminated: h2.events.ConnectionTerminated | None = None
        self._flush()

    def close(self) -> None:
        self.sock.close()

    def __enter__(self) -> H2Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _flush(self) -> None:
        data = self.conn.data_to_send()
        if data:
            self.sock.sendall(data)

    def start(self, path: str, headers: dict[str, str], *, has_body: bool = True) -> int:
        stream_id = self.conn.get_next_available_stream_id()
        all_headers = [
            (b":method", b"POST"),
            (b":scheme", b"http"),
            (b":authority", self.authority),
            (b":path", path.encode()),
            *((name.lower().encode(), value.encode()) for name, value in headers.items()),
        ]
        self.conn.send_headers(stream_id, all_headers, end_stream=not has_body)
        self.answers[stream_id] = Answer()
        self._flush()
        return stream_id

    def send(self, stream_id: int, data: bytes, *, end: bool) -> None:
        """Sends data on the stream as flow control allows, reading the server's frames while it waits."""
        view = memoryview(data)
        while view:
            if self.answers[stream_id].reset is not None:
                return  # the server reset the stream: it wants no more of this body
            window = min(self.conn.local_flow_control_window(stream_id), self.conn.max_outbound_frame_size)
            if window <= 0:
                self._read_once()
                continue
            self.conn.send_data(stream_id, bytes(view[:window]))
            view = view[window:]
            self._flush()
        if end:
            self.conn.end_stream(stream_id)
            self._flush()

    def wait(self, *stream_ids: int) -> list[Answer]:
        """Reads until each stream is answered in full (or reset); ConnectionLost if the connection goes."""
        while not all(self.answers[sid].ended or self.answers[sid].reset is not None for sid in stream_ids):
            self._read_once()
        return [self.answers[sid] for sid in stream_ids]

    def _read_once(self) -> None:
        if self.terminated is not None:
            raise ConnectionLost(f"the server ended the connection: {self.terminated}")
        data = self.sock.recv(65536)
        if not data:
            raise ConnectionLost("the server closed the connection")
        for event in self.conn.receive_data(data):
            if isinstance(event, h2.events.ResponseReceived):
                answer = self.answers[event.stream_id]
                answer.headers = {name.decode(): value.decode() for name, value in event.headers}
                answer.status = int(answer.headers[":status"])
            elif isinstance(event, h2.events.DataReceived):
                self.answers[event.stream_id].body += event.data
                self.conn.acknowledge_received_data(event.flow_controlled_length, event.stream_id)
            elif isinstance(event, h2.events.StreamEnded):
                self.answers[event.stream_id].ended = True
            elif isinstance(event, h2.events.StreamReset):
                self.answers[event.stream_id].reset = event.error_code
            elif isinstance(event, h2.events.ConnectionTerminated):
                self.terminated = event
        self._flush()
        if self.terminated is not None:
            raise ConnectionLost(f"the server ended the connection: {self.terminated}")

    def call(self, path: str, body: bytes, headers: dict[str, str]) -> Answer:
        stream_id = self.start(path, headers, has_body=bool(body))
        if body:
            self.send(stream_id, body, end=True)
        return self.wait(stream_id)[0]
