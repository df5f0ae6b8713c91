"""The tenants file: a fleet of per-customer Depot projects, as YAML or JSON, validated strictly before use.

Format (every key optional unless marked; unknown keys are errors)::

    name_template: "tenant-{tenant}"   # the Depot project name; default "{tenant}"; {tenant} is the only field
    defaults:                          # per-tenant keys replace these whole (a tenant's cache_policy is not merged)
      region: us-east-1                # us-east-1 | eu-central-1
      cache_policy: {keep_gb: 50, keep_days: 14}   # as depot:Project's (keep_bytes: deprecated, whole GB)
      hardware: HARDWARE_8X16          # Depot's Hardware names
      token: true                      # true | false | {description: ..., rotation_trigger: ..., import_id: ...}
      token_sink:                      # deliver the token to AWS (pulumi_depot.token_sink): a tenant's replaces it
        aws_secrets_manager: {name: "depot/{tenant}/token", region: us-east-1}
      trust_policies: []               # entries as below
    protect: false                     # fleet-wide: removing a tenant cannot delete its project
    retain_on_delete: false            # fleet-wide: removing a tenant leaves its project in Depot
    tenants:
      - id: acme                       # REQUIRED, unique: lowercase letters, digits and '-', 1 to 40 characters
        name: acme-builds              # explicit Depot project name (instead of name_template)
        region: eu-central-1           # required here or in defaults
        trust_policies:
          - github: {repository_owner: acme, repository: app}
          - buildkite: {organization_slug: acme, pipeline_slug: deploy}
          - circleci: {organization_uuid: "...", project_uuid: "..."}
        token: {description: "acme builds", import_id: "<token id>"}   # import_id adopts an existing token
        token_sink: false              # no sink for this tenant (or its own, replacing the default's whole)
        import_id: 7f76t7vghb          # adopt an existing project instead of creating one
        shard: eu                      # `pulumi-depot fleet`: the shard (stack) of this tenant; default: assigned
                                       # once and recorded in <file stem>.shards.yaml (pulumi_depot.fleet_shards)

``trust_policies`` is authoritative and must be a list: ``[]`` (explicitly, on a tenant or in defaults) means the
tenant trusts no CI pipeline, so every trust policy of its project is removed; left out everywhere it means the
same. A string or mapping there is an error naming the tenant and field, never an empty set. No string of the
file (descriptions, slugs, ids, keys) may hold a control character (NUL, ESC, DEL, C1, bidi overrides U+202A to
U+202E and U+2066 to U+2069); one is reported ``repr``-escaped, never raw.

Files are loaded safely: at most 5 MiB, UTF-8, nested at most 64 levels, mapping keys plain strings, no YAML merge
keys, and at most 100,000 values with each YAML alias counted as a copy; each breach is one problem naming the file.

A token left out everywhere means no token. ``token_sink`` (format: ``pulumi_depot.token_sink``) needs the tenant's
token; the names it fills in with {tenant} must differ between tenants (per store and region). A project or token
import_id may be adopted by one tenant only (a token import_id in defaults therefore fits a fleet of one).

Names: a template's result must be 1 to 64 characters of letters, digits, spaces and ``-_.:/()``, starting and
ending with a letter or digit; an explicit ``name`` is held to Depot's rule (1 to 64 characters, not blank) and
may have no control characters, so imported projects keep any other name they have.

``load_tenants_file(path)`` / ``parse_tenants(data)`` return a ``TenantsFile``; every problem is reported at once
in a ``TenantsFileError`` naming the tenant (id and position) and the field, before any resource exists.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import string
import typing
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import pulumi
import yaml
from pulumi_depot_provider.client.project_settings import Region
from pulumi_depot_provider.resources.fields import CrossFieldError, ImportId, Text, character_problem, printable
from pulumi_depot_provider.resources.project import CachePolicy, HardwareName, ProjectName
from pulumi_depot_provider.resources.trust_policy_set import TrustPolicyEntry, repeats
from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    JsonValue,
    StrictBool,
    StrictStr,
    StringConstraints,
    Tag,
    TypeAdapter,
    ValidationError,
)

from pulumi_depot._checks import control_character, control_problems, trust_name_problems
from pulumi_depot.token_sink import STORES, TokenSinkSpec, filled_sinks

__all__ = [
    "CachePolicySpec",
    "ResolvedTenant",
    "TenantDefaults",
    "TenantSpec",
    "TenantsDocument",
    "TenantsFile",
    "TenantsFileError",
    "TokenSpec",
    "load_tenants_file",
    "parse_tenants",
    "project_name_problem",
    "read_tenants_document",
    "template_problem",
    "tenant_id_problem",
    "tenant_problems",
]

TENANT_ID_PATTERN = r"^[a-z0-9-]{1,40}$"
TENANT_ID_RULE = "must be 1 to 40 lowercase letters, digits or '-'"
SHARD_PATTERN = r"^[a-z0-9][a-z0-9-]{0,39}$"
SHARD_RULE = "must be 1 to 40 lowercase letters, digits or '-', starting with a letter or digit (it names a stack)"
TEMPLATE_FIELD = "tenant"
DEFAULT_TEMPLATE = "{tenant}"
TEMPLATED_NAME = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9 ._:/()-]{0,62}[A-Za-z0-9])?$")
MAX_NAME = 64
_TOKEN_TAGS = ("flag", "settings")

TenantId = Annotated[str, StringConstraints(pattern=TENANT_ID_PATTERN)]
_TENANT_ID: TypeAdapter[str] = TypeAdapter(TenantId)
ShardName = Annotated[str, StringConstraints(pattern=SHARD_PATTERN)]


class TenantsFileError(pulumi.RunError):
    """A tenants file (or fleet declared in code) that cannot be used; ``problems`` has one line per problem.
    A pulumi.RunError, so Pulumi reports the message without a traceback."""

    def __init__(self, source: str, problems: Sequence[str]) -> None:
        self.source = source
        self.problems = list(problems)
        count = f"{len(self.problems)} problem" + ("s" if len(self.problems) > 1 else "")
        super().__init__(f"{source}: {count}, nothing was deployed:\n" + "\n".join(f"  - {p}" for p in self.problems))


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


CachePolicySpec = CachePolicy
"""A tenant project's cache limits: the depot:Project resource's own model (``keep_gb`` and/or ``keep_days``; the
deprecated ``keep_bytes`` is a whole number of GB, converted to ``keep_gb``), so that a file, TenantProject and the
resource accept the same values with the same messages. A key left out keeps Depot's value (on creation: 50 GB /
14 days)."""


class TokenSpec(_Strict):
    """A tenant's project token. ``import_id`` adopts an existing token (its secret cannot be read back)."""

    description: Text | None = Field(
        default=None, description="What the token is for (default: builds of tenant <id>)."
    )
    rotation_trigger: JsonValue | None = Field(default=None, description="Change it to replace the token (rotation).")
    import_id: ImportId | None = Field(default=None, description="Adopt the existing token with this id.")


def _token_kind(value: Any) -> str:
    return "flag" if isinstance(value, bool) else "settings"


TokenSetting = Annotated[
    Annotated[StrictBool, Tag("flag")] | Annotated[TokenSpec, Tag("settings")],
    Discriminator(_token_kind),
]


TokenSinkSetting = Annotated[
    Annotated[StrictBool, Tag("flag")] | Annotated[TokenSinkSpec, Tag("settings")],
    Discriminator(_token_kind),
]
"""``false`` (no sink: turns a default off for one tenant) or where to deliver the token."""


class TenantDefaults(_Strict):
    """Values for every tenant that does not set its own."""

    region: Region | None = None
    cache_policy: CachePolicySpec | None = None
    hardware: HardwareName | None = None
    token: TokenSetting | None = None
    token_sink: TokenSinkSetting | None = None
    trust_policies: list[TrustPolicyEntry] | None = None


class TenantSpec(_Strict):
    """One tenant: one Depot project (with its trust policies and optionally a token)."""

    id: TenantId
    name: ProjectName | None = None
    region: Region | None = None
    cache_policy: CachePolicySpec | None = None
    hardware: HardwareName | None = None
    trust_policies: list[TrustPolicyEntry] | None = None
    token: TokenSetting | None = None
    token_sink: TokenSinkSetting | None = None
    import_id: ImportId | None = None
    shard: ShardName | None = None
    """The fleet shard (`pulumi-depot fleet`) that deploys this tenant; one TenantFleet stack ignores it."""


class ResolvedTenant(BaseModel):
    """A tenant with the defaults applied and its Depot project name decided."""

    model_config = ConfigDict(frozen=True)

    id: str
    project_name: str
    region: Region
    cache_policy: CachePolicySpec | None
    hardware: HardwareName | None
    trust_policies: list[TrustPolicyEntry]
    token: TokenSpec | None
    token_sink: TokenSinkSpec | None = None
    import_id: str | None


class TenantsFile(_Strict):
    """A whole tenants file. Build it with ``parse_tenants`` / ``load_tenants_file`` for complete error reports."""

    name_template: StrictStr = DEFAULT_TEMPLATE
    defaults: TenantDefaults = TenantDefaults()
    protect: StrictBool = False
    retain_on_delete: StrictBool = False
    tenants: list[TenantSpec] = []

    def resolved(self) -> list[ResolvedTenant]:
        """Every tenant with defaults applied (the file must have passed ``parse_tenants``)."""
        return [resolve(tenant, self.defaults, self.name_template) for tenant in self.tenants]


def resolve(tenant: TenantSpec, defaults: TenantDefaults, name_template: str) -> ResolvedTenant:
    token = tenant.token if tenant.token is not None else defaults.token
    region = tenant.region or defaults.region
    assert region is not None, "parse_tenants checks that every tenant has a region"
    return ResolvedTenant(
        id=tenant.id,
        project_name=tenant.name or name_template.format(**{TEMPLATE_FIELD: tenant.id}),
        region=region,
        cache_policy=tenant.cache_policy or defaults.cache_policy,
        hardware=tenant.hardware or defaults.hardware,
        trust_policies=list(
            tenant.trust_policies if tenant.trust_policies is not None else defaults.trust_policies or []
        ),
        token=TokenSpec() if token is True else token or None,
        token_sink=_token_sink(tenant, defaults),
        import_id=tenant.import_id,
    )


def _token_sink(tenant: TenantSpec, defaults: TenantDefaults) -> TokenSinkSpec | None:
    sink = tenant.token_sink if tenant.token_sink is not None else defaults.token_sink
    return sink if isinstance(sink, TokenSinkSpec) else None


# --- names -------------------------------------------------------------------------------------------------------


def tenant_id_problem(tenant: object) -> str | None:
    """Why a tenant id cannot be used, or None: the rule of a tenants file's ``id``, applied to ids given in code."""
    try:
        _TENANT_ID.validate_python(tenant)
    except ValidationError:
        return f"{tenant!r} {TENANT_ID_RULE}"
    return None


def template_problem(template: str) -> str | None:
    """Why a name template cannot be used, or None."""
    try:
        fields = [
            (name, spec, conversion)
            for _, name, spec, conversion in string.Formatter().parse(template)
            if name is not None
        ]
    except ValueError as error:
        return f"{template!r} is not a valid template ({error}); write e.g. 'tenant-{{tenant}}'"
    for name, spec, conversion in fields:
        if name != TEMPLATE_FIELD:
            return f"{template!r} has the field {{{name}}}; the only field is {{tenant}}"
        if spec or conversion:
            return f"{template!r}: write {{tenant}} without a format spec or conversion"
    if not fields:
        return f"{template!r} has no {{tenant}}: every tenant would get the same project name"
    return None


def project_name_problem(name: str, *, templated: bool) -> str | None:
    """Why a Depot project name cannot be used, or None. Template results are held to a stricter character set.
    The name is shown escaped and cut (`printable`)."""
    shown = printable(repr(name), 2 * MAX_NAME)
    if not 1 <= len(name) <= MAX_NAME:
        return f"the project name {shown} is {len(name)} characters long; Depot allows 1 to {MAX_NAME}"
    if not name.strip():
        return f"the project name {shown} is blank"
    if problem := character_problem(name):
        return f"the project name {shown} {problem}"
    if templated and not TEMPLATED_NAME.match(name):
        return (
            f"the project name {shown} has characters a name template may not produce: use letters, digits, "
            "spaces and -_.:/(), starting and ending with a letter or digit"
        )
    return None


# --- parsing -----------------------------------------------------------------------------------------------------


def parse_tenants(data: Any, source: str = "tenants") -> TenantsFile:
    """Validate a tenants document (the parsed YAML/JSON). Raises TenantsFileError listing every problem."""
    if not isinstance(data, Mapping):
        raise TenantsFileError(source, [f"the document must be a mapping with a 'tenants' list, not {_kind(data)}"])
    problems = _duplicate_ids(data) + _control_problems(data)
    template = data.get("name_template", DEFAULT_TEMPLATE)
    template_error = template_problem(template) if isinstance(template, str) else None
    if template_error:
        problems.append(f"name_template: {template_error}")
    try:
        fleet = TenantsFile.model_validate(data, strict=True)  # no bytes (!!binary) read as text
    except ValidationError as error:
        raise TenantsFileError(source, [*problems, *(_describe(item, data) for item in error.errors())]) from None
    problems += _semantic_problems(fleet)  # the template's own problem is listed already
    if problems:
        raise TenantsFileError(source, problems)
    return fleet


class _Unknown:
    """An Output among TenantProject's arguments: validation fails where it sits, and what fails there (or above
    it) is left out, since the value is checked when it is known."""

    def __repr__(self) -> str:
        return "UNKNOWN"


UNKNOWN: Any = _Unknown()


def tenant_problems(arguments: Mapping[str, Any]) -> list[str]:
    """The problems of one tenant declared in code (TenantProject): its arguments as a tenants file's keys, in plain
    values with every Output as ``UNKNOWN``, held to the file's rules (TenantSpec, control characters, the trust
    list's duplicates and names) and worded as the file's, without the tenant prefix."""
    holes = list(_unknown_paths(arguments, ()))
    problems = list(control_problems(arguments, "", _OWN_RULE))
    try:
        spec = TenantSpec.model_validate(arguments, strict=True)
    except ValidationError as error:
        items = [item for item in error.errors() if not _hidden(item, holes)]
        entries = arguments.get("trust_policies")
        names = [
            problem
            for index, entry in enumerate(entries if isinstance(entries, list) else [])
            for problem in trust_name_problems(entry, f"trust_policies[{index}]")
        ]
        return problems + [_describe(item, arguments, TenantSpec) for item in items] + names
    return problems + _policy_problems(spec.trust_policies)


def _unknown_paths(value: Any, path: tuple[Any, ...]) -> typing.Iterator[tuple[Any, ...]]:
    if value is UNKNOWN:
        yield path
    elif isinstance(value, Mapping):
        for key, item in value.items():
            yield from _unknown_paths(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _unknown_paths(item, (*path, index))


def _hidden(item: Any, holes: Sequence[tuple[Any, ...]]) -> bool:
    """An error an unknown value could cause: at, above or under it (an unknown key is a mistake whatever its value)."""
    if item["type"] == "extra_forbidden":
        return False
    loc = tuple(part for part in item["loc"] if part not in _TOKEN_TAGS)
    return any(loc[: len(hole)] == hole[: len(loc)] for hole in holes)


def load_tenants_file(path: str | os.PathLike[str]) -> TenantsFile:
    """Read and validate a tenants file: ``.json`` as JSON, anything else as YAML (a JSON document is YAML too).
    Raises TenantsFileError naming the file and listing every problem (see ``read_tenants_document``)."""
    document = read_tenants_document(path)
    return parse_tenants(document.data, str(path))


@dataclass(frozen=True)
class TenantsDocument:
    """A tenants file as read, before validation: the parsed document and the SHA-256 of the bytes it came from."""

    data: Any
    sha256: str


def read_tenants_document(path: str | os.PathLike[str]) -> TenantsDocument:
    """Read and parse a tenants file, without validating it (``parse_tenants`` does that).

    The file is loaded safely, and anything outside these bounds is one problem of a TenantsFileError naming the
    file: at most ``MAX_FILE_BYTES`` (5 MiB), UTF-8, nesting at most ``MAX_DEPTH`` (64) levels, mapping keys
    plain strings, in YAML no merge keys (``<<``), and at most ``MAX_NODES`` (100,000) values with every alias
    counted as a copy of its anchor (an alias bomb expands exponentially; ``yaml.safe_dump`` writes aliases for
    shared values, which stay accepted). Duplicate keys in a mapping are errors, not silently the last one."""
    file = Path(path)
    source = str(file)
    try:
        with file.open("rb") as stream:
            raw = stream.read(MAX_FILE_BYTES + 1)
    except OSError as error:
        raise TenantsFileError(source, [f"cannot read the tenants file: {error.strerror or error}"]) from None
    if len(raw) > MAX_FILE_BYTES:
        raise TenantsFileError(
            source, [f"the file is larger than {MAX_FILE_BYTES // (1024 * 1024)} MiB; a tenants file may not be"]
        )
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise TenantsFileError(
            source, [f"not UTF-8: the byte {raw[error.start]:#04x} at offset {error.start} is not valid UTF-8"]
        ) from None
    try:
        data = _load_json(text) if file.suffix.lower() == ".json" else _load_yaml(text)
    except json.JSONDecodeError as error:
        raise TenantsFileError(source, [f"not valid JSON: {error.msg} at line {error.lineno}"]) from None
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise TenantsFileError(source, [f"not valid YAML: {error.problem or error}{where}"]) from None
    except (yaml.YAMLError, _Refused) as error:
        raise TenantsFileError(source, [str(error)]) from None
    except (ValueError, TypeError, OverflowError, RecursionError) as error:  # e.g. an integer of 5,000 digits
        raise TenantsFileError(source, [f"cannot read a value: {_escaped(str(error))}"]) from None
    return TenantsDocument(data, hashlib.sha256(raw).hexdigest())


def _escaped(text: str) -> str:
    return text if control_character(text) is None else repr(text)


def _duplicate_ids(data: Mapping[str, Any]) -> list[str]:
    tenants = data.get("tenants")
    seen: dict[str, int] = {}
    problems = []
    for index, tenant in enumerate(tenants if isinstance(tenants, list) else []):
        tenant_id = tenant.get("id") if isinstance(tenant, Mapping) else None
        if not isinstance(tenant_id, str):
            continue
        if tenant_id in seen:
            problems.append(
                f"tenant {tenant_id!r} (tenants[{index}]): id: also the id of tenants[{seen[tenant_id]}]; "
                "tenant ids must be unique (they name the tenant's resources)"
            )
        else:
            seen[tenant_id] = index
    return problems


# checked by their own rule: ids by the id pattern, names by project_name_problem, rotation_trigger is any value
_OWN_RULE = frozenset({"id", "name", "name_template", "rotation_trigger", "shard"})


def _control_problems(data: Mapping[str, Any]) -> list[str]:
    """Control characters in any string of the document (descriptions, slugs, ids of objects to adopt, ...)."""
    problems = []
    for key, value in data.items():
        if key == "tenants" and isinstance(value, list):
            for index, tenant in enumerate(value):
                where, _ = _where(["tenants", index], data)
                problems += [f"{where}: {line}" for line in control_problems(tenant, "", _OWN_RULE)]
        elif key not in _OWN_RULE:
            problems += list(control_problems({key: value}, "", _OWN_RULE))
    return problems


def _semantic_problems(fleet: TenantsFile) -> list[str]:
    problems = [f"defaults: {problem}" for problem in _policy_problems(fleet.defaults.trust_policies)]
    template = template_problem(fleet.name_template)
    adopted: dict[str, str] = {}  # import id (project or token) -> the tenant that adopts it
    sink_names: dict[tuple[str, str, str], str] = {}  # (store, region, name) -> the tenant whose token it holds
    if fleet.defaults.token_sink is True:
        problems.append("defaults: token_sink: true is not a sink; give aws_secrets_manager and/or aws_ssm_parameter")
    for index, tenant in enumerate(fleet.tenants):
        where = f"tenant {tenant.id!r} (tenants[{index}])"
        problems += [f"{where}: {problem}" for problem in _policy_problems(tenant.trust_policies)]
        token = tenant.token if tenant.token is not None else fleet.defaults.token
        token_import = token.import_id if isinstance(token, TokenSpec) else None
        for field, import_id in (("import_id", tenant.import_id), ("token.import_id", token_import)):
            if import_id is None:
                continue
            if import_id in adopted:
                problems.append(
                    f"{where}: {field}: {import_id!r} is already adopted by tenant {adopted[import_id]!r}; "
                    "each Depot object belongs to one tenant"
                )
            adopted.setdefault(import_id, tenant.id)
        problems += [f"{where}: {problem}" for problem in _sink_problems(tenant, fleet, token, sink_names)]
        if tenant.region is None and fleet.defaults.region is None:
            problems.append(f"{where}: region: required; set it on the tenant or in defaults")
        if tenant.name is not None:
            name = project_name_problem(tenant.name, templated=False)
        elif template is None:
            name = project_name_problem(fleet.name_template.format(tenant=tenant.id), templated=True)
            name = f"{name} (from name_template {fleet.name_template!r})" if name else None
        else:
            name = None
        if name:
            problems.append(f"{where}: name: {name}")
    return problems


def _sink_problems(
    tenant: TenantSpec, fleet: TenantsFile, token: Any, names: dict[tuple[str, str, str], str]
) -> list[str]:
    """token_sink: a mapping (not true), with a token to deliver, valid once {tenant} is filled in, and a secret or
    parameter name no other tenant uses."""
    if tenant.token_sink is True:
        return ["token_sink: true is not a sink; give aws_secrets_manager and/or aws_ssm_parameter, or false"]
    sink = tenant.token_sink if tenant.token_sink is not None else fleet.defaults.token_sink
    if not isinstance(sink, TokenSinkSpec):
        return []
    if token is None or token is False:
        return [
            "token_sink: there is no token to deliver; set token: true (here or in defaults) or leave token_sink out"
        ]
    filled, problems = filled_sinks(sink, tenant.id)
    for store in STORES:
        inputs = filled.get(store)
        if inputs is None:
            continue
        key = (store, inputs["region"], inputs["name"])
        if key in names:
            problems.append(
                f"token_sink.{store}.name: {inputs['name']!r} in {inputs['region']} is also tenant {names[key]!r}'s; "
                "put {tenant} in the name so that each tenant has its own"
            )
        names.setdefault(key, tenant.id)
    return problems


def _policy_problems(entries: Sequence[TrustPolicyEntry] | None) -> list[str]:
    """Policies declared twice, and names not in their CI service's form (the provider's check would refuse
    them: said here, before anything is deployed)."""
    listed = list(entries or [])
    names = [
        problem
        for index, entry in enumerate(listed)
        for problem in trust_name_problems(entry.model_dump(exclude_none=True), f"trust_policies[{index}]")
    ]
    return names + [
        f"trust_policies[{index}]: {printable(listed[index].key(), 200)} is declared twice (trust_policies[{first}] "
        f"and trust_policies[{index}], compared case-insensitively); remove one"
        for first, index, _ in repeats(entry.identity() for entry in listed)
    ]


def _describe(item: Any, data: Mapping[str, Any], root: type[BaseModel] = TenantsFile) -> str:
    loc = [part for part in item["loc"] if part not in _TOKEN_TAGS]
    cause = item.get("ctx", {}).get("error")
    if isinstance(cause, CrossFieldError):
        loc += cause.path.split(".")
        reason = cause.reason
    elif item["type"] == "missing":
        reason = "required"
    elif item["type"] == "extra_forbidden":
        allowed = _model_at(root, loc[:-1])
        reason = "unknown key" + (f"; allowed: {', '.join(allowed.model_fields)}" if allowed else "")
    elif item["type"] == "model_type" and loc and loc[-1] == "token":
        reason = "must be true, false or a mapping of description, rotation_trigger, import_id"
    elif item["type"] in ("model_type", "dict_type"):
        reason = "must be a mapping"
    elif item["type"] == "string_pattern_mismatch" and loc and loc[-1] == "id":
        reason = TENANT_ID_RULE
    elif item["type"] == "string_pattern_mismatch" and loc and loc[-1] == "shard":
        reason = f"{SHARD_RULE} (got {item.get('input')!r})"
    else:
        reason = item["msg"].removeprefix("Value error, ")
        given = item.get("input")
        if isinstance(given, bool | int | float) and not isinstance(given, str):
            reason += f" (got {given!r})"
    where, field = _where(loc, data)
    return f"{where}: {field}: {reason}" if field else f"{where}: {reason}"


def _where(loc: list[Any], data: Mapping[str, Any]) -> tuple[str, str]:
    """(who, which field): the tenant named by id and position for anything under tenants[i]."""
    if len(loc) >= 2 and loc[0] == "tenants" and isinstance(loc[1], int):
        tenants = data.get("tenants")
        raw = tenants[loc[1]] if isinstance(tenants, list) and loc[1] < len(tenants) else None
        tenant_id = raw.get("id") if isinstance(raw, Mapping) else None
        who = f"tenant {tenant_id!r} (tenants[{loc[1]}])" if isinstance(tenant_id, str) else f"tenants[{loc[1]}]"
        return who, _dotted(loc[2:])
    if loc and loc[0] == "defaults":
        return "defaults", _dotted(loc[1:])
    return _dotted(loc), ""


def _dotted(loc: Sequence[Any]) -> str:
    def label(part: Any) -> str:
        if isinstance(part, int):
            return f"[{part}]"
        text = str(part)
        return f".{text}" if control_character(text) is None else f".{text!r}"

    return "".join(label(part) for part in loc).lstrip(".")


def _model_at(model: type[BaseModel] | None, loc: Sequence[Any]) -> type[BaseModel] | None:
    for part in loc:
        if model is None:
            return None
        if isinstance(part, int):
            continue
        field = model.model_fields.get(str(part))
        model = next(iter(_models_in(field.annotation)), None) if field else None
    return model


def _models_in(annotation: Any) -> list[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    return [model for arg in typing.get_args(annotation) for model in _models_in(arg)]


def _kind(value: Any) -> str:
    return "nothing (an empty file)" if value is None else f"a {type(value).__name__}"


# --- strict loaders ----------------------------------------------------------------------------------------------


class _Refused(ValueError):
    """Something a tenants file may not contain (one line, the whole message)."""


MAX_FILE_BYTES = 5 * 1024 * 1024
"""The largest tenants file read (5 MiB: some 20,000 tenants)."""
MAX_DEPTH = 64
"""The deepest nesting of mappings and lists accepted (a tenants file needs 6)."""


MAX_NODES = 100_000
"""The most values a YAML document may expand to, aliases counted as copies (an alias bomb expands exponentially)."""


class _StrictLoader(yaml.SafeLoader):
    """PyYAML's safe loader, restricted: aliases bounded by what they expand to, nesting bounded, keys plain
    strings, no merge keys, and a key repeated in one mapping is an error (PyYAML keeps the last)."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0
        self._sizes: dict[int, int] = {}  # id(node) -> how many values it expands to

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node | None:
        event = self.peek_event()  # type: ignore[no-untyped-call]  # types-PyYAML leaves Parser.peek_event unannotated
        line = event.start_mark.line + 1
        if isinstance(event, yaml.CollectionStartEvent):
            self._depth += 1
            if self._depth > MAX_DEPTH:
                raise _Refused(f"line {line}: nested more than {MAX_DEPTH} levels deep")
            try:
                node = super().compose_node(parent, index)
            finally:
                self._depth -= 1
        else:
            node = super().compose_node(parent, index)
        if id(node) not in self._sizes:
            if isinstance(node, yaml.SequenceNode):
                children = node.value
            elif isinstance(node, yaml.MappingNode):
                children = [child for pair in node.value for child in pair]
            else:
                children = []
            self._sizes[id(node)] = 1 + sum(self._sizes.get(id(child), 1) for child in children)
        if self._sizes[id(node)] > MAX_NODES:
            raise _Refused(
                f"line {line}: the document expands to more than {MAX_NODES:,} values (aliases counted as "
                "copies: an alias bomb?); write the values out"
            )
        return node


def _construct_mapping(loader: _StrictLoader, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
    keys: set[str] = set()
    for key_node, _ in node.value:
        line = key_node.start_mark.line + 1
        if key_node.tag == "tag:yaml.org,2002:merge":
            raise _Refused(f"line {line}: merge keys (<<) are not allowed in a tenants file; write the keys out")
        if not isinstance(key_node, yaml.ScalarNode):
            raise _Refused(f"line {line}: a mapping key must be a plain string, not a {key_node.id}")
        key = loader.construct_object(key_node, deep=deep)
        if not isinstance(key, str):
            raise _Refused(f"line {line}: the mapping key {key!r} must be a string (quote it)")
        if key in keys:
            raise _Refused(f"the key {key!r} appears twice in one mapping at line {line}")
        keys.add(key)
    return loader.construct_mapping(node, deep)


_StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def _load_yaml(text: str) -> Any:
    loader = _StrictLoader(text)
    try:
        return loader.get_single_data()
    finally:
        loader.dispose()


_JSON_STRING = re.compile(r'"(?:[^"\\]|\\.)*"')
_JSON_BRACKET = re.compile(r"[\[\]{}]")


def _json_depth(text: str) -> int:
    """The deepest nesting of a JSON text, counted before parsing (json's parser recurses)."""
    depth = deepest = 0
    for bracket in _JSON_BRACKET.finditer(_JSON_STRING.sub("", text)):
        depth += 1 if bracket.group() in "[{" else -1
        deepest = max(deepest, depth)
    return deepest


def _load_json(text: str) -> Any:
    if _json_depth(text) > MAX_DEPTH:
        raise _Refused(f"nested more than {MAX_DEPTH} levels deep")

    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        counts = Counter(key for key, _ in items)
        repeated = sorted(key for key, count in counts.items() if count > 1)
        if repeated:
            raise _Refused(f"the key {repeated[0]!r} appears twice in one object")
        return dict(items)

    return json.loads(text, object_pairs_hook=pairs)
