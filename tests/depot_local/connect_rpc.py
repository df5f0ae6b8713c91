"""A raw Connect caller over httpx for the local API's own tests (independent of DepotClient)."""

from __future__ import annotations

import json
from typing import Any, Literal, TypeVar

import httpx
from google.protobuf import json_format
from google.protobuf.message import Message

PROJECT_SERVICE = "depot.core.v1.ProjectService"
ORGANIZATION_SERVICE = "depot.core.v1.OrganizationService"
Codec = Literal["json", "proto"]
M = TypeVar("M", bound=Message)
UNSET: Any = object()


def encode(codec: Codec, message: Message) -> bytes:
    if codec == "json":
        return json_format.MessageToJson(message).encode()
    return message.SerializeToString()


def decode(codec: Codec, body: bytes, message_type: type[M]) -> M:
    message = message_type()
    if codec == "json":
        json_format.Parse(body, message)
    else:
        message.ParseFromString(body)
    return message


class ConnectFailure(AssertionError):
    pass


class Rpc:
    """Posts Connect unary requests. http2=True is h2c with prior knowledge (httpx with http1=False)."""

    def __init__(self, url: str, token: str | None, *, codec: Codec = "json", http2: bool = False) -> None:
        self.url = url
        self.token = token
        self.codec = codec
        self.http2 = http2
        self.http = httpx.Client(http1=not http2, http2=http2, trust_env=False, timeout=20.0)

    def close(self) -> None:
        self.http.close()

    def __enter__(self) -> Rpc:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def post(
        self,
        method: str,
        body: bytes | Message | dict[str, Any],
        *,
        service: str = PROJECT_SERVICE,
        token: str | None = UNSET,
        content_type: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        if isinstance(body, Message):
            body = encode(self.codec, body)
        elif isinstance(body, dict):
            body = json.dumps(body).encode()
        all_headers = {"content-type": content_type or f"application/{self.codec}", "connect-protocol-version": "1"}
        token = self.token if token is UNSET else token
        if token is not None:
            all_headers["authorization"] = f"Bearer {token}"
        all_headers.update(headers or {})
        return self.http.post(f"{self.url}/{service}/{method}", content=body, headers=all_headers)

    def call(self, method: str, request: Message, response_type: type[M], **kwargs: Any) -> M:
        response = self.post(method, request, **kwargs)
        if response.status_code != 200:
            raise ConnectFailure(f"{method}: HTTP {response.status_code}: {response.text}")
        assert response.headers["content-type"] == f"application/{self.codec}"
        return decode(self.codec, response.content, response_type)

    def fail(self, method: str, request: Message | bytes | dict[str, Any], code: str, **kwargs: Any) -> str:
        """Asserts the call fails with Connect code `code` (status and JSON body); returns the message."""
        response = self.post(method, request, **kwargs)
        return error_message(response, code)


def error_message(response: httpx.Response, code: str, status: int | None = None) -> str:
    from pulumi_depot_provider.client.errors import HTTP_STATUS, Code

    expected_status = status if status is not None else HTTP_STATUS[Code(code)]
    assert response.status_code == expected_status, (response.status_code, response.text)
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert body["code"] == code, body
    assert isinstance(body["message"], str) and body["message"]
    return str(body["message"])
