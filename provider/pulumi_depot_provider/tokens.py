"""Type tokens: the one mapping from the dynamic resources' names to the native plugin's.

The resource code names its type as the dynamic SDK does (`type_token`, "depot:Project"); the dynamic SDK
registers it as "pulumi-python:dynamic/depot:Project"; the native plugin and the package schema call it
"depot:index:Project".
"""

from __future__ import annotations

PACKAGE = "depot"
DYNAMIC_PREFIX = "pulumi-python:dynamic/"
NATIVE_PREFIX = f"{PACKAGE}:index:"


def native_token(token: str) -> str:
    """ "depot:Project" or "pulumi-python:dynamic/depot:Project" -> "depot:index:Project"."""
    package, _, name = token.removeprefix(DYNAMIC_PREFIX).partition(":")
    if package != PACKAGE or not name or ":" in name:
        raise ValueError(f"{token!r} is not a {PACKAGE} type token")
    return NATIVE_PREFIX + name
