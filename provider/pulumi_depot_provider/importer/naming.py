"""Stable, unique names derived from Depot's names: tenant ids / logical names (`slug`) and Python variables.

Depot allows any project name (duplicates, punctuation, leading digits); Pulumi logical names, tenant ids and Python
variables need unique, restricted names. Everything here is a pure function of its input so that importing the
same organization twice gives the same names.
"""

from __future__ import annotations

import keyword
import re
import unicodedata
from collections.abc import Sequence
from typing import Any

MAX_SLUG_LENGTH = 40  # a tenant id's limit (pulumi_depot.tenants_file)
# Names the generated program itself uses; a variable named like them would shadow them.
RESERVED_VARIABLES = frozenset({"depot", "pulumi"})


def slug(text: str, fallback: str = "project", max_length: int = MAX_SLUG_LENGTH) -> str:
    """Lowercase ASCII letters and digits joined by single '-' (a valid tenant id), at most max_length long."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    words = re.findall(r"[a-z0-9]+", ascii_text)
    result = "-".join(words)[:max_length].strip("-")
    return result or fallback


def variable(text: str) -> str:
    """A Python identifier for a slug: '-' becomes '_', a leading digit gets a prefix, keywords a suffix."""
    name = text.replace("-", "_")
    if not name or name[0].isdigit():
        name = f"project_{name}"
    if keyword.iskeyword(name) or keyword.issoftkeyword(name) or name in RESERVED_VARIABLES:
        name = f"{name}_"
    return name


def _with_suffix(base: str, number: int, separator: str, max_length: int) -> str:
    suffix = f"{separator}{number}"
    return base[: max_length - len(suffix)].rstrip(separator) + suffix


def allocate(
    wanted: Sequence[str],
    priorities: Sequence[Any] | None = None,
    *,
    taken: set[str] | None = None,
    separator: str = "-",
    max_length: int = MAX_SLUG_LENGTH,
) -> list[str]:
    """Unique names, one per entry of `wanted` (the name each item would like), deterministically.

    Among items wanting the same name, the one with the smallest priority (default: the earliest) gets it; the
    others get `<name>-2`, `<name>-3`, ... (the smallest number not taken), in priority order. Names in `taken`
    are never handed out, and every name handed out is added to it.
    """
    used = taken if taken is not None else set()
    rank = priorities if priorities is not None else range(len(wanted))
    groups: dict[str, list[int]] = {}
    for index, name in enumerate(wanted):
        groups.setdefault(name, []).append(index)
    names: dict[int, str] = {}
    losers: list[tuple[str, int]] = []
    for name in sorted(groups):
        ranked = sorted(groups[name], key=lambda index: (rank[index], index))
        if name in used:
            losers.extend((name, index) for index in ranked)
            continue
        names[ranked[0]] = name
        used.add(name)
        losers.extend((name, index) for index in ranked[1:])
    for name, index in losers:
        number = 2
        while (candidate := _with_suffix(name, number, separator, max_length)) in used:
            number += 1
        names[index] = candidate
        used.add(candidate)
    return [names[index] for index in range(len(wanted))]
