"""What the provider tells the engine's log. Every line goes through the input rules' `printable`: a line can carry
what Depot answered (an error message, a description, a name someone else chose), and a control, bidi or invisible
character in it must not reach the user's terminal, nor a 100,000-character value be printed whole."""

from __future__ import annotations

from typing import Final

import pulumi

from pulumi_depot_provider.resources.fields import printable

LINE_LIMIT: Final = 8000
"""The longest log line: room for a list of ids with their fixes (as the longest failure)."""


def info(message: str) -> None:
    pulumi.log.info(printable(message, LINE_LIMIT))


def warn(message: str) -> None:
    pulumi.log.warn(printable(message, LINE_LIMIT))
