"""The engine's comparison of old and new inputs (TEST TOOLING; pkg/resource/deploy/step_generator.go): used for
a Diff answered "unknown", and for the changed properties shown when a provider gives none."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .props import strip_secrets


def changed_keys(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[str]:
    """Top-level property names whose values differ, secrets unwrapped; null and absent are equal (as in the
    engine's input comparison)."""
    bare_old, bare_new = strip_secrets(dict(old)), strip_secrets(dict(new))
    return sorted(key for key in bare_old.keys() | bare_new.keys() if bare_old.get(key) != bare_new.get(key))
