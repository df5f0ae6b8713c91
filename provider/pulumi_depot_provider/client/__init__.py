"""Connect client for Depot's ProjectService."""

from pulumi_depot_provider.client.client import DEFAULT_BASE_URL, DepotClient, RetryPolicy
from pulumi_depot_provider.client.errors import (
    AlreadyExists,
    Code,
    ConfigurationError,
    ConnectError,
    DepotError,
    InvalidArgument,
    NotFound,
    PermissionDenied,
    ResourceExhausted,
    TransportError,
    Unauthenticated,
    Unavailable,
)

__all__ = [
    "DEFAULT_BASE_URL",
    "AlreadyExists",
    "Code",
    "ConfigurationError",
    "ConnectError",
    "DepotClient",
    "DepotError",
    "InvalidArgument",
    "NotFound",
    "PermissionDenied",
    "ResourceExhausted",
    "RetryPolicy",
    "TransportError",
    "Unauthenticated",
    "Unavailable",
]
