"""Where the trust allowlist comes from, and how its sources combine: a policy is allowed only if EVERY source that
is set allows it, so a source can narrow what the others allow, never widen it.

Sources, each a JSON object such as {"github": ["acme"], "buildkite": ["acme"], "circleci": ["<org UUID>"]}:

- `DEPOT_ALLOWED_TRUST` (the object) and `DEPOT_ALLOWED_TRUST_FILE` (the path of a file holding it): set by CI,
  outside the repository. Every provider process the engine starts inherits them, and the program cannot change a
  provider process's environment.
- Stack config `depot:allowedTrust`. Every provider instance enforces it: the default providers read it from their
  configuration; an explicit native provider from PULUMI_CONFIG, which the engine gives every process of the
  plugin (the stack config of the plugin's namespace); an explicit dynamic provider (a `pulumi-python` provider,
  whose configuration holds only its own arguments) from the provider object the SDK pickles into `__provider`,
  which captures the stack's value in the program's process (`DynamicProvider.__getstate__`, dynamic.py).
- An explicit provider's own `allowedTrust` (`depot:allowedTrust` for a dynamic one): it narrows.
"""

from __future__ import annotations

import functools
import json
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Final

import pulumi
from pydantic import BaseModel, ConfigDict, StringConstraints, ValidationError

from pulumi_depot_provider.config import ConfigSource, ConfigurationError
from pulumi_depot_provider.resources.fields import printable
from pulumi_depot_provider.resources.trust_kinds import ALLOWLIST_LABELS as ALLOWLIST_LABELS  # re-exported
from pulumi_depot_provider.resources.trust_kinds import KINDS, one_of, with_kinds
from pulumi_depot_provider.resources.trust_kinds import TRUST_FIELDS as TRUST_FIELDS  # re-exported

REFUSED: Final = "trust policy {key} is not allowed"
"""How every refusal of a trust policy begins (the provider's check, the policy pack). The fleet report finds the
refused keys again in the engine's diagnostics, which carry only text (`refused_keys`)."""
_REFUSED_KEYS: Final = re.compile(re.escape(REFUSED).replace(re.escape("{key}"), r"(\S+)"))


def refusal(key: str) -> str:
    return REFUSED.format(key=key)


def refused_keys(message: str) -> list[str]:
    """The policy keys a message (one diagnostic, or several) refuses, in order."""
    return _REFUSED_KEYS.findall(message)


ALLOWED_TRUST_KEY = "depot:allowedTrust"
ALLOWED_TRUST_ENV = "DEPOT_ALLOWED_TRUST"
ALLOWED_TRUST_FILE_ENV = "DEPOT_ALLOWED_TRUST_FILE"
PROVIDER_SOURCE = "the provider's allowedTrust"
PLUGIN_CONFIG_ENV = "PULUMI_CONFIG"
EXPECTED_SHAPE = "a JSON object such as {{{}}}".format(
    ", ".join(f'"{kind.name}": ["<{kind.placeholder}>", ...]' for kind in KINDS.values())
)
SHOWN_LENGTH = 64
PATH_LENGTH = 512

Name = Annotated[str, StringConstraints(min_length=1, strip_whitespace=True)]


def shown(text: str, limit: int = SHOWN_LENGTH) -> str:
    """Text from a program, stack file or environment, safe to print (the input rules' `printable`), cut short."""
    return printable(text, limit)


def shown_repr(text: str) -> str:
    """repr(text) (non-printable characters escaped), cut when long."""
    return repr(text[:SHOWN_LENGTH]) + ("..." if len(text) > SHOWN_LENGTH else "")


class _Lists(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


if TYPE_CHECKING:  # a list per kind (`github: tuple[Name, ...] = ()`), from the table: pydantic's fields
    _KindLists = _Lists
else:
    _KindLists = with_kinds(_Lists, lambda kind: (tuple[Name, ...], ()))


class AllowedTrust(_KindLists):
    """One parsed allowlist. A provider left out allows nothing."""

    def permits(self, provider: str, fields: Mapping[str, Any]) -> bool:
        field, _ = TRUST_FIELDS[provider]
        allowed = {name.casefold() for name in getattr(self, provider)}
        return str(fields.get(field, "")).casefold() in allowed

    def intersect(self, other: AllowedTrust) -> AllowedTrust:
        """What both allow (names compared case-insensitively, spelled as in self)."""
        lists = {}
        for provider in TRUST_FIELDS:
            theirs = {name.casefold() for name in getattr(other, provider)}
            lists[provider] = tuple(name for name in getattr(self, provider) if name.casefold() in theirs)
        return AllowedTrust.model_validate(lists)

    def describe(self, provider: str) -> str:
        """ "GitHub owners acme, acme-labs" or "no GitHub owners"."""
        names = getattr(self, provider)
        label = ALLOWLIST_LABELS[provider]
        return f"{label} {', '.join(shown(name) for name in names)}" if names else f"no {label}"


@dataclass(frozen=True)
class Source:
    name: str
    """How messages name it: DEPOT_ALLOWED_TRUST, DEPOT_ALLOWED_TRUST_FILE (<path>), depot:allowedTrust, ..."""
    allowed: AllowedTrust

    def describe(self, provider: str) -> str:
        return f"{self.name} allows {self.allowed.describe(provider)}"


@dataclass(frozen=True)
class TrustRule:
    """Every source that is set; none: no restriction."""

    sources: tuple[Source, ...] = ()

    def refusing(self, provider: str, fields: Mapping[str, Any]) -> list[Source]:
        """The sources that do not allow this policy (empty: allowed)."""
        return [source for source in self.sources if not source.allowed.permits(provider, fields)]

    def effective(self) -> AllowedTrust | None:
        if not self.sources:
            return None
        allowed = self.sources[0].allowed
        for source in self.sources[1:]:
            allowed = allowed.intersect(source.allowed)
        return allowed

    def summary(self) -> str:
        """One line for the preview: what is allowed and where that came from."""
        allowed = self.effective()
        if allowed is None:
            return "depot trust allowlist: none set, trust policies are not restricted"
        lists = ", ".join(allowed.describe(provider) for provider in TRUST_FIELDS)
        names = " and ".join(source.name for source in self.sources)
        return f"depot trust allowlist: {lists} (from {names})"


def parse_allowed_trust(raw: Any, name: str) -> AllowedTrust:
    """A JSON text or an already-parsed object. Raises ConfigurationError naming `name` and the expected shape."""
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except json.JSONDecodeError as error:
            raise ConfigurationError(
                f"{name} is not valid JSON ({error.msg} at position {error.pos}); set it to {EXPECTED_SHAPE}"
            ) from None
        if isinstance(raw, str):  # an SDK's provider JSON-encodes its arguments: a JSON text given as one
            return parse_allowed_trust(raw, name)
    if isinstance(raw, list):
        raw = _from_entries(raw, name)
    if not isinstance(raw, dict):
        raise ConfigurationError(f"{name} is a JSON {type(raw).__name__}; set it to {EXPECTED_SHAPE}")
    try:
        return AllowedTrust.model_validate(raw)
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        problem = f"unknown key {where!r}" if first["type"] == "extra_forbidden" else f"{where}: {first['msg'].lower()}"
        raise ConfigurationError(f"{name}: {shown(problem)}; set it to {EXPECTED_SHAPE}") from None


def _from_entries(entries: list[Any], name: str) -> dict[str, Any]:
    """The typed form of an explicit native provider, [{"kind": "github", "names": [...]}, ...], as the object."""
    allowed: dict[str, Any] = {}
    for index, entry in enumerate(entries):
        kind = entry.get("kind") if isinstance(entry, dict) else None
        if kind not in TRUST_FIELDS or set(entry) - {"kind", "names"}:
            raise ConfigurationError(f"{name}[{index}]: give {{kind: {one_of()}, names: [...]}}, or {EXPECTED_SHAPE}")
        if kind in allowed:
            raise ConfigurationError(f"{name}[{index}]: a second {kind} entry; list every {kind} name in one entry")
        allowed[kind] = entry.get("names") or []
    return allowed


@functools.lru_cache(maxsize=64)
def _parsed(text: str, name: str) -> AllowedTrust:
    # The native plugin configures a provider per call: parse each distinct value once per process.
    return parse_allowed_trust(text, name)


def _cached(raw: Any, name: str) -> AllowedTrust:
    return _parsed(raw if isinstance(raw, str) else json.dumps(raw, sort_keys=True, default=str), name)


def _is_set(raw: Any) -> bool:
    return raw is not None and not (isinstance(raw, str) and not raw.strip())


def load_allowed_trust(config: ConfigSource | None) -> AllowedTrust | None:
    """`depot:allowedTrust` of a provider's configuration, None when it is not set. Raises ConfigurationError."""
    raw = config.get(ALLOWED_TRUST_KEY) if config is not None else None
    return _cached(raw, ALLOWED_TRUST_KEY) if _is_set(raw) else None


@functools.lru_cache(maxsize=8)
def _file_text(path: str) -> str:
    try:
        return Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        reason = error.strerror if isinstance(error, OSError) and error.strerror else type(error).__name__
        raise ConfigurationError(
            f"{ALLOWED_TRUST_FILE_ENV} names {shown_repr(path)}, which cannot be read ({reason}); set it to the path "
            f"of a file holding {EXPECTED_SHAPE}"
        ) from None


def environment_sources(environ: Mapping[str, str] | None = None) -> list[Source]:
    """DEPOT_ALLOWED_TRUST and DEPOT_ALLOWED_TRUST_FILE, those set. Raises ConfigurationError naming the variable:
    set but empty, unreadable or malformed."""
    env = os.environ if environ is None else environ
    sources = []
    for variable in (ALLOWED_TRUST_ENV, ALLOWED_TRUST_FILE_ENV):
        value = env.get(variable)
        if value is None:
            continue
        if not value.strip():
            what = EXPECTED_SHAPE if variable == ALLOWED_TRUST_ENV else f"the path of a file holding {EXPECTED_SHAPE}"
            raise ConfigurationError(f"{variable} is set but empty; set it to {what}, or unset it")
        if variable == ALLOWED_TRUST_ENV:
            sources.append(Source(variable, _cached(value, variable)))
        else:
            name = f"{variable} ({shown(value, PATH_LENGTH)})"
            sources.append(Source(name, _cached(_file_text(value), name)))
    return sources


def program_stack_allowed_trust() -> str | None:
    """The stack's depot:allowedTrust as the program reads it (None outside a Pulumi program, or not set)."""
    return pulumi.Config("depot").get("allowedTrust") or None


def plugin_stack_allowed_trust(environ: Mapping[str, str] | None = None) -> Any:
    """The stack's depot:allowedTrust in a process of the native plugin: the engine starts every instance with
    PULUMI_CONFIG, the JSON of the stack config of the plugin's namespace (keys without it)."""
    env = os.environ if environ is None else environ
    try:
        config = json.loads(env.get(PLUGIN_CONFIG_ENV) or "{}")
    except json.JSONDecodeError:
        return None
    return config.get("allowedTrust") if isinstance(config, dict) else None


def trust_rule(stack: Any, config: ConfigSource | None, environ: Mapping[str, str] | None = None) -> TrustRule:
    """The sources one provider instance enforces: the environment's, the stack's (`stack`, as captured) and its
    own configuration's. A default provider's configuration is the stack config: counted once."""
    sources = environment_sources(environ)
    stack_allowed = _cached(stack, ALLOWED_TRUST_KEY) if _is_set(stack) else None
    if stack_allowed is not None:
        sources.append(Source(ALLOWED_TRUST_KEY, stack_allowed))
    own = load_allowed_trust(config)
    if own is not None and own != stack_allowed:
        # Without a captured stack value (a pickle older than the capture) this is the default provider's stack
        # config, or an explicit provider's own list.
        sources.append(Source(PROVIDER_SOURCE if stack_allowed is not None else ALLOWED_TRUST_KEY, own))
    return TrustRule(tuple(sources))
