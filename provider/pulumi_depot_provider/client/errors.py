"""Connect error codes and the typed exceptions the client raises.

Shared by the client and the local Depot API (which answers with the same codes and HTTP statuses).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any


class Code(StrEnum):
    """Connect error codes (https://connectrpc.com/docs/protocol#error-codes)."""

    CANCELED = "canceled"
    UNKNOWN = "unknown"
    INVALID_ARGUMENT = "invalid_argument"
    DEADLINE_EXCEEDED = "deadline_exceeded"
    NOT_FOUND = "not_found"
    ALREADY_EXISTS = "already_exists"
    PERMISSION_DENIED = "permission_denied"
    RESOURCE_EXHAUSTED = "resource_exhausted"
    FAILED_PRECONDITION = "failed_precondition"
    ABORTED = "aborted"
    OUT_OF_RANGE = "out_of_range"
    UNIMPLEMENTED = "unimplemented"
    INTERNAL = "internal"
    UNAVAILABLE = "unavailable"
    DATA_LOSS = "data_loss"
    UNAUTHENTICATED = "unauthenticated"

    @property
    def http_status(self) -> int:
        return HTTP_STATUS[self]


HTTP_STATUS: dict[Code, int] = {
    Code.CANCELED: 499,
    Code.UNKNOWN: 500,
    Code.INVALID_ARGUMENT: 400,
    Code.DEADLINE_EXCEEDED: 504,
    Code.NOT_FOUND: 404,
    Code.ALREADY_EXISTS: 409,
    Code.PERMISSION_DENIED: 403,
    Code.RESOURCE_EXHAUSTED: 429,
    Code.FAILED_PRECONDITION: 400,
    Code.ABORTED: 409,
    Code.OUT_OF_RANGE: 400,
    Code.UNIMPLEMENTED: 501,
    Code.INTERNAL: 500,
    Code.UNAVAILABLE: 503,
    Code.DATA_LOSS: 500,
    Code.UNAUTHENTICATED: 401,
}

# Connect's mapping for an HTTP error that carries no Connect error body (a proxy's page, say).
CODE_FOR_HTTP_STATUS: dict[int, Code] = {
    400: Code.INTERNAL,
    401: Code.UNAUTHENTICATED,
    403: Code.PERMISSION_DENIED,
    404: Code.UNIMPLEMENTED,
    429: Code.UNAVAILABLE,
    502: Code.UNAVAILABLE,
    503: Code.UNAVAILABLE,
    504: Code.UNAVAILABLE,
}

# Codes after which a mutation may still have been committed by the server.
AMBIGUOUS_CODES = frozenset({Code.UNAVAILABLE, Code.DEADLINE_EXCEEDED, Code.UNKNOWN, Code.INTERNAL, Code.DATA_LOSS})


class DepotError(Exception):
    """A failed call to Depot's API.

    `ambiguous` is True when the request may have reached the server and been committed (a timeout after
    sending, `unavailable` from the server, a dropped connection): the caller must look before retrying a
    non-idempotent call. It is False when the failure is certain to have changed nothing.
    """

    code: Code = Code.UNKNOWN

    def __init__(
        self,
        message: str,
        *,
        method: str = "",
        url: str = "",
        ambiguous: bool = False,
        retryable: bool = False,
        retry_after: float | None = None,
        http_status: int | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.method = method
        self.url = url
        self.ambiguous = ambiguous
        # Set by the client: whether its retry policy may try again (unavailable, resource_exhausted,
        # connection errors, timeouts), the server's Retry-After in seconds, and how many attempts were made.
        self.retryable = retryable
        self.retry_after = retry_after
        self.http_status = http_status
        self.attempts = 1

    def __str__(self) -> str:
        where = f"{self.method}: " if self.method else ""
        return f"{where}{self.code.value}: {self.message}"

    def __repr__(self) -> str:
        return f"{type(self).__name__}(code={self.code.value!r}, message={self.message!r}, method={self.method!r})"


class ConnectError(DepotError):
    """The server answered with a Connect error body."""


class Canceled(ConnectError):
    code = Code.CANCELED


class UnknownError(ConnectError):
    code = Code.UNKNOWN


class InvalidArgument(ConnectError):
    code = Code.INVALID_ARGUMENT


class DeadlineExceeded(ConnectError):
    code = Code.DEADLINE_EXCEEDED


class NotFound(ConnectError):
    code = Code.NOT_FOUND


class AlreadyExists(ConnectError):
    code = Code.ALREADY_EXISTS


class PermissionDenied(ConnectError):
    code = Code.PERMISSION_DENIED


class ResourceExhausted(ConnectError):
    code = Code.RESOURCE_EXHAUSTED


class FailedPrecondition(ConnectError):
    code = Code.FAILED_PRECONDITION


class Aborted(ConnectError):
    code = Code.ABORTED


class OutOfRange(ConnectError):
    code = Code.OUT_OF_RANGE


class Unimplemented(ConnectError):
    code = Code.UNIMPLEMENTED


class Internal(ConnectError):
    code = Code.INTERNAL


class Unavailable(ConnectError):
    code = Code.UNAVAILABLE


class DataLoss(ConnectError):
    code = Code.DATA_LOSS


class Unauthenticated(ConnectError):
    code = Code.UNAUTHENTICATED


class TransportError(DepotError):
    """No Connect answer: connection refused or dropped, a timeout, or a reply that is not Connect
    (an HTML page from a proxy, an empty body). The message says what was received and from where."""

    code = Code.UNAVAILABLE

    def __init__(self, message: str, *, code: Code = Code.UNAVAILABLE, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        # Per instance: a proxy's 401 page means unauthenticated, its 404 unimplemented (Connect's mapping).
        self.code = code


class ConfigurationError(ValueError):
    """The client cannot be set up: a missing token or a malformed base URL. The message names the fix."""


ERROR_FOR_CODE: dict[Code, type[ConnectError]] = {
    cls.code: cls
    for cls in (
        Canceled,
        UnknownError,
        InvalidArgument,
        DeadlineExceeded,
        NotFound,
        AlreadyExists,
        PermissionDenied,
        ResourceExhausted,
        FailedPrecondition,
        Aborted,
        OutOfRange,
        Unimplemented,
        Internal,
        Unavailable,
        DataLoss,
        Unauthenticated,
    )
}
