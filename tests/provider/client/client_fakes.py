"""Test doubles for the client's unit tests: a scripted Connect server behind httpx.MockTransport, and a fake
clock whose sleep advances it (so backoff is observed, never waited for)."""

from __future__ import annotations

import gzip
import json
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx
from google.protobuf import json_format
from google.protobuf.message import Message
from pulumi_depot_provider.client.client import DepotClient, RetryPolicy

BASE_URL = "https://depot.test"
TOKEN = "depot_org_SECRET_4f9a2c71e0"

Handler = Callable[[httpx.Request], httpx.Response]
Step = httpx.Response | Exception | Handler


def connect_error(code: str, message: str = "it failed", status: int = 400, **headers: str) -> httpx.Response:
    return httpx.Response(status, json={"code": code, "message": message}, headers=headers)


def json_reply(message: Message, **extra: Any) -> httpx.Response:
    body = json_format.MessageToDict(message) | extra
    return httpx.Response(200, content=json.dumps(body).encode(), headers={"content-type": "application/json"})


def proto_reply(message: Message) -> httpx.Response:
    return httpx.Response(200, content=message.SerializeToString(), headers={"content-type": "application/proto"})


def request_body(request: httpx.Request) -> bytes:
    body = request.content
    return gzip.decompress(body) if request.headers.get("content-encoding") == "gzip" else body


def request_json(request: httpx.Request) -> dict[str, Any]:
    decoded: dict[str, Any] = json.loads(request_body(request))
    return decoded


def method_of(request: httpx.Request) -> str:
    return request.url.path.rsplit("/", 1)[1]


@dataclass
class FakeClock:
    now: float = 1000.0
    sleeps: list[float] = field(default_factory=list)

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        assert seconds >= 0
        self.sleeps.append(seconds)
        self.now += seconds


class UpperBoundRandom(random.Random):
    """Jitter that always picks the top of its range, so backoff ceilings are observable."""

    def uniform(self, a: float, b: float) -> float:
        return b


@dataclass
class ScriptedServer:
    """Answers requests from `script` in order (responses, exceptions to raise, or callables), then `default`."""

    script: Sequence[Step] = ()
    default: Handler | None = None
    requests: list[httpx.Request] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._steps = list(self.script)

    def __call__(self, request: httpx.Request) -> httpx.Response:
        request.read()
        self.requests.append(request)
        step: Step | None = self._steps.pop(0) if self._steps else self.default
        if step is None:
            raise AssertionError(f"unexpected request {request.method} {request.url}")
        if isinstance(step, Exception):
            raise step
        if isinstance(step, httpx.Response):
            return step
        return step(request)


def make_client(
    server: Handler,
    *,
    clock: FakeClock | None = None,
    retry: RetryPolicy | None = None,
    rng: random.Random | None = None,
    **kwargs: Any,
) -> DepotClient:
    clock = clock or FakeClock()
    return DepotClient(
        BASE_URL,
        TOKEN,
        transport=httpx.MockTransport(server),
        retry=retry,
        sleep=clock.sleep,
        clock=clock,
        rng=rng or random.Random(7),
        **kwargs,
    )
