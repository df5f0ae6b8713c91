"""Where the client connects and with which token: arguments first, else DEPOT_API_URL / DEPOT_TOKEN.

Plain http:// is accepted only to this machine (127.0.0.0/8, ::1, localhost), such as depot-local: every call
carries the token, which would otherwise cross the network in cleartext. allow_insecure_http=True (or
DEPOT_ALLOW_INSECURE_HTTP=1) lifts that, for a network the user trusts.
"""

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
INSECURE_HTTP_ENV = "DEPOT_ALLOW_INSECURE_HTTP"
INSECURE_HTTP_KEY = "depot:allowInsecureHttp"
TRUE_WORDS = frozenset({"1", "true", "yes", "on"})
FALSE_WORDS = frozenset({"", "0", "false", "no", "off"})
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


def parse_flag(value: object, source: str) -> bool:
    """A yes/no setting from a bool or its usual spellings (1/0, true/false, yes/no, on/off); `source` names it."""
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in TRUE_WORDS:
        return True
    if text in FALSE_WORDS:
        return False
    raise ConfigurationError(f"{source} is {str(value)[:50]!r}: use true or false (1 or 0)")


def resolve_allow_insecure_http(allow: bool | None) -> bool:
    """The argument if given, else DEPOT_ALLOW_INSECURE_HTTP (unset: not allowed)."""
    if allow is None:
        return parse_flag(os.environ.get(INSECURE_HTTP_ENV, ""), INSECURE_HTTP_ENV)
    if not isinstance(allow, bool):
        raise ConfigurationError(f"allow_insecure_http must be True or False, got {allow!r}")
    return allow


def resolve_base_url(base_url: str | None, *, source: str = "base_url", allow_insecure_http: bool = False) -> str:
    """The validated base URL without a trailing slash; `source` names the setting in error messages.

    http:// to a host that is not loopback is refused unless allow_insecure_http."""
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
    return checked_url(
        text,
        source,
        allow_insecure_http=allow_insecure_http,
        example=DEFAULT_BASE_URL,
        credentials_fix=f"give the token through {TOKEN_ENV} instead",
        cleartext=(
            "the Depot token would cross the network in cleartext. Use https://; or, only on a network you trust, "
            f"allow it explicitly with allow_insecure_http=True (DepotClient), {INSECURE_HTTP_ENV}=1, or "
            f"`pulumi config set {INSECURE_HTTP_KEY} true`"
        ),
    )


def checked_url(
    text: str, source: str, *, allow_insecure_http: bool, example: str, credentials_fix: str, cleartext: str
) -> str:
    """`text` (stripped) as a usable http(s) base URL without a trailing slash, or a ConfigurationError naming
    `source`: the rules of every URL setting (Depot's API, an AWS endpoint); `example`, `credentials_fix` and
    `cleartext` (what crosses the network, and the fix) word the errors for the setting."""
    try:
        url = httpx.URL(text)
    except httpx.InvalidURL as error:
        raise ConfigurationError(f"{source} is not a valid URL ({error}); use e.g. {example}") from None
    shown = repr(text[:200])
    if url.scheme not in ("http", "https"):
        raise ConfigurationError(f"{source}={shown} must start with http:// or https://, e.g. {example}")
    if not url.host:
        raise ConfigurationError(f"{source}={shown} has no host; use e.g. {example}")
    if url.userinfo:
        # Shown without the URL itself: the user part may be a password.
        raise ConfigurationError(f"{source} must not contain credentials (user:password@); {credentials_fix}")
    if url.query or url.fragment:
        raise ConfigurationError(f"{source}={shown} must not have a query or fragment; give only scheme://host[:port]")
    if url.scheme == "http" and not allow_insecure_http and not is_loopback(text):
        raise ConfigurationError(f"{source}={shown} is plain http:// to a host that is not this machine: {cleartext}")
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
