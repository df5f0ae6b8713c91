"""The provider's log lines are safe to print: they can carry what Depot answered or what someone else named."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from pulumi_depot_provider import say


@pytest.mark.parametrize("log", [say.info, say.warn])
def test_a_log_line_never_carries_control_bidi_or_invisible_characters(
    log: Callable[[str], None], capsys: pytest.CaptureFixture[str]
) -> None:
    log("Depot answered: a\x1b[31mb \u202eevil\u202c \u3164 " + "x" * 20_000)
    printed = capsys.readouterr().err
    assert "\x1b" not in printed and "\u202e" not in printed and "\u3164" not in printed
    assert "\\x1b[31mb" in printed and "\\u202e" in printed
    assert len(printed) < 8200 and "more characters cut" in printed
