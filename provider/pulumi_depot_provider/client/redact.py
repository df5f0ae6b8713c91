"""Text received from a server, made fit for an error message: secrets removed, control characters escaped,
length bounded."""

from __future__ import annotations

import re

from pydantic import SecretStr

MASK = "«redacted»"
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_SPACES = re.compile(r"\s+")


class Redactor:
    def __init__(self, secret: SecretStr) -> None:
        self._secret = secret

    def __repr__(self) -> str:
        return "Redactor(secret=***)"

    def clean(self, text: str, limit: int = 200) -> str:
        """`text` with whitespace collapsed, control characters escaped and then the secret removed (last, so
        neither step can rebuild it; before truncating, so no prefix of it survives), at most `limit` characters."""
        text = _SPACES.sub(" ", text).strip()
        text = _CONTROL.sub(lambda match: f"\\x{ord(match.group()):02x}", text)
        # One pass suffices: the secret is ASCII (config.resolve_token) and the mask is not, so no occurrence can
        # span a mask, and str.replace leaves none between two masks.
        text = text.replace(self._secret.get_secret_value(), MASK)
        if len(text) > limit:
            text = text[:limit] + "…"
        return text

    def clean_bytes(self, body: bytes, limit: int = 200) -> str:
        return self.clean(body.decode("utf-8", errors="replace"), limit)
