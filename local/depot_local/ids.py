"""Identifiers and token secrets, all from the `secrets` module."""

from __future__ import annotations

import secrets
import string
from typing import Literal

ID_ALPHABET = string.ascii_lowercase + string.digits
ID_LENGTH = 10  # Depot's project ids look like "7f76t7vghb"
SECRET_ALPHABET = string.ascii_letters + string.digits
SECRET_LENGTH = 40  # ~238 bits

TokenKind = Literal["org", "project"]


def new_id() -> str:
    """A Depot-style id: 10 lowercase alphanumerics. Used for projects, organizations, tokens and trust policies."""
    return "".join(secrets.choice(ID_ALPHABET) for _ in range(ID_LENGTH))


def new_secret(kind: TokenKind) -> str:
    """A token secret whose prefix says what it is (`depot_org_...`, `depot_project_...`)."""
    return f"depot_{kind}_" + "".join(secrets.choice(SECRET_ALPHABET) for _ in range(SECRET_LENGTH))
