"""One Connect unary exchange over httpx (https://connectrpc.com/docs/protocol#unary-request): the request's
headers and body, and every way the answer can fail mapped to a typed DepotError.

Hand-written: no maintained synchronous Python Connect client exists, and the unary protocol is one POST.
"""

from __future__ import annotations

import gzip
from dataclasses import dataclass
from typing import NamedTuple, TypeVar

import httpx
from google.protobuf.message import Message
from pydantic import SecretStr

from pulumi_depot_provider.client import codec
from pulumi_depot_provider.client.errors import (
    AMBIGUOUS_CODES,
    CODE_FOR_HTTP_STATUS,
    ERROR_FOR_CODE,
    Code,
    DepotError,
    TransportError,
    UnknownError,
)
from pulumi_depot_provider.client.redact import Redactor

M = TypeVar("M", bound=Message)

GZIP_MIN_BYTES = 1024  # below this gzip's framing costs more than it saves
MAX_RESPONSE_BYTES = 32 * 1024 * 1024  # far above any Depot answer; stops a runaway stream from a wrong endpoint
MAX_TIMEOUT_MS = 9_999_999_999  # Connect-Timeout-Ms is at most 10 digits
RETRYABLE_CODES = frozenset({Code.UNAVAILABLE, Code.RESOURCE_EXHAUSTED})


class _Failure(NamedTuple):
    code: Code
    ambiguous: bool
    retryable: bool


_NOT_SENT = _Failure(Code.UNAVAILABLE, ambiguous=False, retryable=True)
_TIMED_OUT = _Failure(Code.DEADLINE_EXCEEDED, ambiguous=True, retryable=True)
_DROPPED = _Failure(Code.UNAVAILABLE, ambiguous=True, retryable=True)
_GARBLED = _Failure(Code.INTERNAL, ambiguous=True, retryable=False)
_LOCAL = _Failure(Code.INTERNAL, ambiguous=False, retryable=False)


@dataclass(frozen=True)
class Rpc:
    service: str
    name: str
    response: type[Message]
    idempotent: bool

    @property
    def path(self) -> str:
        return f"/{self.service}/{self.name}"


class Exchange:
    """Sends one request and returns the decoded answer or raises a DepotError with `ambiguous` and
    `retryable` set. Holds no per-call state: safe to share between threads."""

    def __init__(self, http: httpx.Client, base_url: str, token: SecretStr, user_agent: str) -> None:
        self._http = http
        self._base_url = base_url
        self._token = token
        self._user_agent = user_agent
        self._redactor = Redactor(token)

    def __repr__(self) -> str:
        return f"Exchange(base_url={self._base_url!r})"

    def clean(self, text: str, limit: int = 200) -> str:
        return self._redactor.clean(text, limit)

    def call(self, rpc: Rpc, request: Message, codec_name: codec.CodecName, timeout: float) -> Message:
        url = self._base_url + rpc.path
        body = codec.encode(codec_name, request)
        headers = {
            "Content-Type": codec.CONTENT_TYPE[codec_name],
            "Connect-Protocol-Version": "1",
            "Connect-Timeout-Ms": str(min(MAX_TIMEOUT_MS, max(1, int(timeout * 1000)))),
            "Accept-Encoding": "gzip",
            "User-Agent": self._user_agent,
            # Per request rather than on the httpx.Client, whose default headers show in more places.
            "Authorization": f"Bearer {self._token.get_secret_value()}",
        }
        if len(body) >= GZIP_MIN_BYTES:
            body = gzip.compress(body)
            headers["Content-Encoding"] = "gzip"
        try:
            with self._http.stream("POST", url, content=body, headers=headers, timeout=timeout) as response:
                payload = self._read(response, rpc, url)
        except httpx.HTTPError as error:
            raise self._transport_failure(error, rpc, url, timeout) from None
        if response.status_code != 200:
            raise self._error_reply(response, payload, rpc, url)
        return self._success(response, payload, rpc, codec_name, url)

    def _read(self, response: httpx.Response, rpc: Rpc, url: str) -> bytes:
        chunks: list[bytes] = []
        size = 0
        for chunk in response.iter_bytes():
            size += len(chunk)
            if size > MAX_RESPONSE_BYTES:
                raise TransportError(
                    f"HTTP {response.status_code} from {url}: the answer exceeds {MAX_RESPONSE_BYTES} bytes; "
                    "is DEPOT_API_URL pointing at a Depot API?",
                    code=Code.INTERNAL,
                    method=rpc.name,
                    url=url,
                    ambiguous=True,
                    http_status=response.status_code,
                )
            chunks.append(chunk)
        return b"".join(chunks)

    def _success(
        self, response: httpx.Response, payload: bytes, rpc: Rpc, codec_name: codec.CodecName, url: str
    ) -> Message:
        expected = codec.CONTENT_TYPE[codec_name]
        received = codec.media_type(response.headers.get("content-type", ""))
        try:
            if received != expected:
                raise codec.UndecodableBody(f"expected Content-Type {expected}")
            return codec.decode(codec_name, payload, rpc.response)
        except codec.UndecodableBody as error:
            # The server answered 200, so a mutation may well have been applied.
            raise TransportError(
                f"HTTP 200 from {url} is not a {rpc.response.DESCRIPTOR.name} ({self.clean(str(error))}): "
                f"received {self._describe(response, payload)}",
                code=Code.INTERNAL,
                method=rpc.name,
                url=url,
                ambiguous=True,
                http_status=200,
            ) from None

    def _error_reply(self, response: httpx.Response, payload: bytes, rpc: Rpc, url: str) -> DepotError:
        status = response.status_code
        retry_after = _retry_after(response)
        connect_error = self._connect_error(response, payload)
        if connect_error is not None:
            code_text, message = connect_error
            try:
                code = Code(code_text)
            except ValueError:
                return UnknownError(
                    f"unknown Connect code {self.clean(code_text, 50)!r} (HTTP {status}): {message}",
                    method=rpc.name,
                    url=url,
                    ambiguous=True,
                    retry_after=retry_after,
                    http_status=status,
                )
            return ERROR_FOR_CODE[code](
                message,
                method=rpc.name,
                url=url,
                ambiguous=code in AMBIGUOUS_CODES,
                retryable=code in RETRYABLE_CODES,
                retry_after=retry_after,
                http_status=status,
            )
        code = CODE_FOR_HTTP_STATUS.get(status, Code.UNKNOWN)
        return TransportError(
            f"HTTP {status} from {url} is not a Connect reply: received {self._describe(response, payload)}",
            code=code,
            method=rpc.name,
            url=url,
            # A proxy's 5xx may come after the server committed; a 3xx/4xx page means it never got there.
            ambiguous=status >= 500,
            retryable=code in RETRYABLE_CODES,
            retry_after=retry_after,
            http_status=status,
        )

    def _connect_error(self, response: httpx.Response, payload: bytes) -> tuple[str, str] | None:
        """(code, cleaned message) if the body is a Connect error, else None."""
        if codec.media_type(response.headers.get("content-type", "")) != "application/json":
            return None
        parsed = codec.parse_error_body(payload)
        if parsed is None:
            return None
        code, message = parsed
        return code, self.clean(message, 1000)

    def _describe(self, response: httpx.Response, payload: bytes) -> str:
        content_type = self.clean(response.headers.get("content-type", ""), 100) or "no Content-Type"
        if not payload.strip():
            return f"an empty body ({content_type})"
        return f"{content_type} body {self._redactor.clean_bytes(payload)!r}"

    def _transport_failure(self, error: httpx.HTTPError, rpc: Rpc, url: str, timeout: float) -> TransportError:
        detail = self.clean(str(error) or type(error).__name__)
        if isinstance(error, httpx.ConnectTimeout | httpx.PoolTimeout):
            message, kind = f"could not connect to {url} within {timeout:.3g}s", _NOT_SENT
        elif isinstance(error, httpx.TimeoutException):  # read or write: the server may be working on it
            message, kind = f"no answer from {url} within {timeout:.3g}s ({type(error).__name__})", _TIMED_OUT
        elif isinstance(error, httpx.ConnectError):
            message, kind = f"could not connect to {url}: {detail}", _NOT_SENT
        elif isinstance(error, httpx.NetworkError | httpx.RemoteProtocolError):
            message, kind = f"the connection to {url} failed after sending the request: {detail}", _DROPPED
        elif isinstance(error, httpx.DecodingError):
            message, kind = f"the answer from {url} could not be decompressed: {detail}", _GARBLED
        else:  # a local mistake (unsupported protocol, bad header): nothing was sent, trying again cannot help
            message, kind = f"could not send to {url}: {detail}", _LOCAL
        return TransportError(
            message, code=kind.code, method=rpc.name, url=url, ambiguous=kind.ambiguous, retryable=kind.retryable
        )


def _retry_after(response: httpx.Response) -> float | None:
    """Retry-After in seconds; the HTTP-date form is not used by Connect servers and is ignored."""
    value = response.headers.get("retry-after", "").strip()
    try:
        seconds = float(value)
    except ValueError:
        return None
    return seconds if 0 <= seconds < float("inf") else None
