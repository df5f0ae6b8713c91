"""Python source that `ruff format` leaves as it is and `ruff check` accepts, built from Depot's values.

Hand-written because no formatter ships with the runtime (ruff is a dev tool): calls are always exploded one
argument per line with a trailing comma (so no line length changes their layout), strings are double-quoted
ASCII with escapes (no quote choice for the formatter to revisit, no confusable characters), and a string too
long for one line becomes an implicit concatenation in parentheses, which the formatter keeps because the joined
string would not fit either.
"""

from __future__ import annotations

import re
import textwrap
from dataclasses import dataclass, field

LINE_LENGTH = 120  # the repository's ruff line-length; generated lines never exceed it
INDENT = "    "
_PLAIN_ID = re.compile(r"^[A-Za-z0-9_.:-]{1,64}$")
_ESCAPES = {"\\": "\\\\", '"': "\\x22", "\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escape(char: str) -> str:
    if char in _ESCAPES:
        return _ESCAPES[char]
    code = ord(char)
    if 0x20 <= code < 0x7F:
        return char
    if code <= 0xFF:
        return f"\\x{code:02x}"
    if code <= 0xFFFF:
        return f"\\u{code:04x}"
    return f"\\U{code:08x}"


def string(text: str) -> str:
    """A double-quoted, ASCII-only Python literal for text."""
    return '"' + "".join(_escape(char) for char in text) + '"'


def shown_id(text: str) -> str:
    """An id for a comment: as it is when it is a plain id, else as a literal (so nothing can break a line)."""
    return text if _PLAIN_ID.match(text) else string(text)


def plural(count: int, word: str) -> str:
    if count == 1:
        return f"{count} {word}"
    return f"{count} {word[:-1]}ies" if word.endswith("y") else f"{count} {word}s"


def _chunks(text: str, width: int) -> list[str]:
    """Literals of consecutive pieces of text, each at most width characters long, broken after a space where
    one is in the second half of the piece (escapes are never split)."""
    pieces: list[str] = []
    current: list[str] = []  # escaped characters of the piece being filled
    for escaped in map(_escape, text):
        if current and 2 + sum(map(len, current)) + len(escaped) > width:
            space = max((i for i, e in enumerate(current) if e == " " and i >= len(current) // 2), default=None)
            cut = len(current) if space is None else space + 1
            pieces.append('"' + "".join(current[:cut]) + '"')
            current = current[cut:]
        current.append(escaped)
    pieces.append('"' + "".join(current) + '"')
    return pieces


@dataclass(frozen=True)
class Str:
    """A string value (rendered as a literal)."""

    text: str


@dataclass(frozen=True)
class Expr:
    """Python source used as it is (a number, a variable, `project.id`)."""

    source: str


@dataclass(frozen=True)
class Call:
    """`function(positional..., keyword=value...)`, rendered exploded."""

    function: str
    positional: tuple[Str | Expr, ...] = ()
    keywords: tuple[tuple[str, Value], ...] = ()
    target: str | None = None
    """Assign the result to this variable."""


Value = Str | Expr | Call


def _argument(key: str | None, value: Value, indent: str) -> list[str]:
    head = f"{indent}{key}=" if key else indent
    if isinstance(value, Call):
        lines = _call(value, indent, head)
        return [*lines[:-1], lines[-1] + ","]
    if isinstance(value, Expr):
        return [f"{head}{value.source},"]
    line = f"{head}{string(value.text)},"
    if len(line) <= LINE_LENGTH:
        return [line]
    if key is None:
        raise ValueError(f"a positional string argument must fit on one line: {line[:60]}...")
    inner = indent + INDENT
    return [f"{head}(", *(inner + piece for piece in _chunks(value.text, LINE_LENGTH - len(inner))), f"{indent}),"]


def _call(call: Call, indent: str, head: str) -> list[str]:
    lines = [f"{head}{call.function}("]
    inner = indent + INDENT
    for value in call.positional:
        lines += _argument(None, value, inner)
    for key, keyword in call.keywords:
        lines += _argument(key, keyword, inner)
    lines.append(f"{indent})")
    return lines


def statement(call: Call) -> list[str]:
    """The lines of a top-level statement calling (and maybe assigning) `call`."""
    return _call(call, "", f"{call.target} = " if call.target else "")


def comment(text: str, indent: str = "") -> list[str]:
    """`# ...` lines wrapped to 88 columns (short enough for any ruff line-length)."""
    return [f"{indent}# {line}" for line in textwrap.wrap(text, 86 - len(indent), break_on_hyphens=False)]


@dataclass
class Module:
    """A module's lines, built statement by statement."""

    docstring: str
    imports: list[str]
    blocks: list[list[str]] = field(default_factory=list)

    def render(self) -> str:
        text = self.docstring.strip("\n")
        opening = [f'"""{text}"""'] if "\n" not in text else ['"""' + text, '"""']
        lines = list(opening)
        if self.imports:
            lines += ["", *self.imports]
        for block in self.blocks:
            lines += ["", *block]
        return "\n".join(lines) + "\n"
