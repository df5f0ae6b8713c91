"""Where the client connects and with which token: arguments first, else DEPOT_API_URL / DEPOT_TOKEN."""

from __future__ import annotations

import ipaddress
import os
from importlib.metadata import PackageNotFoundError, version

import httpx
from pydantic import SecretStr

from pulumi_depot_provider.client.errors import ConfigurationError

DEFAULT_BASE_URL = "https://api.depot.dev"
URL_ENV = "DEPOT_API_URL"
TOKEN_ENV = "DEPOT_TOKEN"
TOKEN_HINT = (
    f"set the {TOKEN_ENV} environment variable or the provider config "
    "(`pulumi config set --secret depot:token <token>`)"
)


def user_agent() -> str:
    try:
        package_version = version("pulumi-depot")
    except PackageNotFoundError:  # running from a source tree that was never installed
        package_version = "0+unknown"
    return f"pulumi-depot/{package_version} (python httpx)"


def resolve_base_url(base_url: str | None, *, source: str = "base_url") -> str:
    """The validated base URL without a trailing slash; `source` names the setting in error messages."""
    if base_url is None:
        base_url = os.environ.get(URL_ENV)
        source = URL_ENV
        if base_url is None:
            return DEFAULT_BASE_URL
    text = base_url.strip()
    if not text:
        raise ConfigurationError(
            f"{source} is empty: give the Depot API's URL (such as http://127.0.0.1:8787) "
            f"or leave it unset to use {DEFAULT_BASE_URL}"
        )
    try:
        url = httpx.URL(text)
    except httpx.InvalidURL as error:
        raise ConfigurationError(f"{source} is not a valid URL ({error}); use e.g. {DEFAULT_BASE_URL}") from None
    shown = repr(text[:200])
    if url.scheme not in ("http", "https"):
        raise ConfigurationError(f"{source}={shown} must start with http:// or https://, e.g. {DEFAULT_BASE_URL}")
    if not url.host:
        raise ConfigurationError(f"{source}={shown} has no host; use e.g. {DEFAULT_BASE_URL}")
    if url.userinfo:
        # Shown without the URL itself: the user part may be a password.
        raise ConfigurationError(
            f"{source} must not contain credentials (user:password@); give the token through {TOKEN_ENV} instead"
        )
    if url.query or url.fragment:
        raise ConfigurationError(f"{source}={shown} must not have a query or fragment; give only scheme://host[:port]")
    return text.rstrip("/")


def is_loopback(base_url: str) -> bool:
    host = httpx.URL(base_url).host
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def resolve_token(token: str | None) -> SecretStr:
    """The token, wrapped so that no repr, str or log shows it."""
    source = "token"
    if token is None:
        token = os.environ.get(TOKEN_ENV)
        source = TOKEN_ENV
        if token is None:
            raise ConfigurationError(f"no Depot token: {TOKEN_HINT}")
    token = token.strip()
    if not token:
        raise ConfigurationError(f"the Depot token ({source}) is empty: {TOKEN_HINT}")
    # Never echo the value: a near-miss is still mostly the secret.
    if not token.isascii() or not token.isprintable() or any(ch.isspace() for ch in token):
        raise ConfigurationError(
            f"the Depot token ({source}) must be printable ASCII without spaces; check that it was copied whole"
        )
    return SecretStr(token)
