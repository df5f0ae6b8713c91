"""The generated Pulumi program: every project, trust policy and token declared with its import_id and live settings.

Adopting by import_id compares the declared values with Depot's and changes only what differs; the program
declares exactly what Depot has, so the first `up` changes nothing in Depot and later previews report no changes.
"""

from __future__ import annotations

import json
import re
import textwrap
from importlib.metadata import PackageNotFoundError, version
from typing import get_args

from pulumi_depot_provider.client.project_settings import Region
from pulumi_depot_provider.importer.kinds import PROJECT, SDK_MODULE, TOKEN, TRUST_POLICY
from pulumi_depot_provider.importer.names import ProjectNames, assign_names
from pulumi_depot_provider.importer.pycode import (
    Call,
    Expr,
    Module,
    Str,
    Value,
    comment,
    plural,
    shown_id,
    statement,
    string,
)
from pulumi_depot_provider.importer.snapshot import OrganizationSnapshot, ProjectSnapshot
from pulumi_depot_provider.resources.diffs import IMPORT_ID
from pulumi_depot_provider.resources.project import HardwareName
from pulumi_depot_provider.resources.trust_kinds import KINDS

KNOWN_REGIONS: frozenset[str] = frozenset(get_args(Region))
KNOWN_HARDWARE: frozenset[str] = frozenset(get_args(HardwareName))
TRUST_ARGS = {name: TRUST_POLICY.input_class(name) for name in KINDS}  # depot.GitHubTrustArgs
PROJECT_NAME = re.compile(r"^[A-Za-z0-9_.-]{1,100}$")
DEFAULT_PROJECT_NAME = "depot"
DEFAULT_API_URL = "https://api.depot.dev"
DOCSTRING_WIDTH = 100
SAFE_TEXT = re.compile(r"^[A-Za-z0-9_.:/-]*$")

TOKENS_NOTE = (
    "Project tokens: Depot shows a token's secret only once, when the token is created, so the secret of an "
    "existing token cannot be read back. The tokens below are adopted for lifecycle management only (description, "
    "deletion, rotation): they have no `secret` output, and `secret_known` is false. To get a token whose secret "
    "Pulumi keeps, remove its import_id after the first `pulumi up`, then set `rotation_trigger`: that replaces it "
    "with a new token."
)
TOKEN_COMMENT = "Adopted for lifecycle management only: its secret cannot be read back (no `secret` output)."


def _safe(text: str) -> str:
    """Text for a docstring: shown only if it cannot break out of it or confuse a reader."""
    return text if SAFE_TEXT.match(text) else "(not shown)"


LEFT_OUT_NOTE = (
    "Left out: {count}, whose values in Depot hold characters that pulumi-depot does not accept (a tab, a bidi "
    "override, ...). A comment where each would be says which value and why."
)


def _declared(organization: OrganizationSnapshot) -> tuple[int, int, int]:
    """(projects, trust policies, tokens) the program declares: those pulumi-depot accepts as Depot holds them."""
    projects = [project for project in organization.projects if project.unaccepted() is None]
    policies = sum(policy.unaccepted() is None for project in projects for policy in project.trust_policies)
    tokens = sum(token.unaccepted() is None for project in projects for token in project.tokens)
    return len(projects), policies, tokens


def _left_out(organization: OrganizationSnapshot) -> int:
    return sum(organization.counts()) - sum(_declared(organization))


def _docstring(organization: OrganizationSnapshot, api_url: str) -> str:
    projects, policies, tokens = _declared(organization)
    orgs = ", ".join(_safe(org) for org in organization.organization_ids) or "(no projects)"
    summary = (
        f"{plural(projects, 'project')}, {plural(policies, 'trust policy')} and {plural(tokens, 'project token')}, "
        "each adopted by its id (import_id) with the settings Depot has: the first `pulumi up` brings them under "
        "management without changing anything in Depot, and later runs report no changes until this program is edited."
    )
    commands = ["    pulumi config set --secret depot:token <organization token>"]
    if api_url != DEFAULT_API_URL:
        commands.append(f"    pulumi config set depot:apiUrl {_safe(api_url)}")
    paragraphs = [
        f"Depot organization {orgs}, imported by `pulumi-depot import`.",
        textwrap.fill(summary, DOCSTRING_WIDTH),
        textwrap.fill(
            "After that first `pulumi up`, delete the import_id arguments: they only matter at creation, and a "
            "resource that still declares one may not be replaced (rotating a token, changing a trust policy).",
            DOCSTRING_WIDTH,
        ),
        "Configure the stack first:\n\n" + "\n".join(commands),
    ]
    if tokens:
        paragraphs.append(textwrap.fill(TOKENS_NOTE, DOCSTRING_WIDTH))
    if left_out := _left_out(organization):
        count = plural(left_out, "object")
        paragraphs.append(textwrap.fill(LEFT_OUT_NOTE.format(count=count), DOCSTRING_WIDTH))
    return "\n\n".join(paragraphs) + "\n"


def _project_notes(project: ProjectSnapshot, names: ProjectNames) -> list[str]:
    notes = []
    if names.shared_name:
        notes.append(
            f"{names.shared_name + 1} projects are named alike; logical names get a numeric suffix, the oldest first."
        )
    if project.hardware not in KNOWN_HARDWARE:
        notes.append(
            f"Depot reports hardware {project.hardware}, which this version of pulumi-depot does not know: hardware "
            "is left out, which keeps whatever Depot has."
        )
    if project.region not in KNOWN_REGIONS:
        notes.append(
            f"Depot reports region {string(project.region)}, which this version of pulumi-depot does not know: the "
            "resource will fail its check until pulumi-depot supports it."
        )
    if project.unreadable_policies:
        notes.append(
            "Left out: trust policies Depot returned without a provider: "
            + ", ".join(map(shown_id, project.unreadable_policies))
        )
    return notes


def _project_call(project: ProjectSnapshot, names: ProjectNames) -> Call:
    keywords: list[tuple[str, Str | Expr | Call]] = []
    for key, value in project.declared().items():
        if key == "cache_policy":
            cache = tuple((field, Expr(str(number))) for field, number in value.items())
            keywords.append((key, Call(PROJECT.input_class(key), keywords=cache)))
        else:
            keywords.append((key, Str(value)))
    keywords.append((IMPORT_ID, Str(project.id)))
    return Call(PROJECT.sdk_class, (Str(names.key),), tuple(keywords), target=names.variable)


def _not_accepted(what: str, reason: str, fix: str) -> list[str]:
    return comment(f"Left out: {what}: {reason}, which pulumi-depot does not accept. {fix}")


def _project_block(project: ProjectSnapshot, names: ProjectNames) -> list[str]:
    if reason := project.unaccepted():
        held = f"{plural(len(project.trust_policies), 'trust policy')} and {plural(len(project.tokens), 'token')}"
        fix = f"Rename it in Depot, then run `pulumi-depot import` again; its {held} are left out with it."
        return _not_accepted(f"project {shown_id(project.id)}", reason, fix)
    lines: list[str] = []
    for note in _project_notes(project, names):
        lines += comment(note)
    lines += statement(_project_call(project, names))
    project_id = ("project_id", Expr(f"{names.variable}.id"))
    for policy, logical_name in zip(project.trust_policies, names.policies, strict=True):
        if reason := policy.unaccepted():
            lines += _not_accepted(
                f"trust policy {shown_id(policy.id)}", reason, "Replace it in Depot, then import again."
            )
            continue
        provider = Call(TRUST_ARGS[policy.kind], keywords=tuple((k, Str(v)) for k, v in policy.fields().items()))
        keywords: tuple[tuple[str, Value], ...] = (project_id, (policy.kind, provider), (IMPORT_ID, Str(policy.id)))
        lines += statement(Call(TRUST_POLICY.sdk_class, (Str(logical_name),), keywords))
    for token, logical_name in zip(project.tokens, names.tokens, strict=True):
        if reason := token.unaccepted():
            lines += _not_accepted(
                f"token {shown_id(token.id)}", reason, "Change its description in Depot, then import again."
            )
            continue
        lines += comment(TOKEN_COMMENT)
        if not token.description.strip():
            lines += comment(
                "Depot has no description for this token and ProjectToken requires one: adopting it sets this one."
            )
        description = token.description if token.description.strip() else f"token {token.id}"
        keywords = (project_id, ("description", Str(description)), (IMPORT_ID, Str(token.id)))
        lines += statement(Call(TOKEN.sdk_class, (Str(logical_name),), keywords))
    return lines


def render_main(organization: OrganizationSnapshot, api_url: str) -> str:
    """`__main__.py`: the whole organization, one block per project (in the snapshot's order)."""
    # An organization without projects gives a program that declares nothing (and imports nothing unused).
    imports = [f"import pulumi_depot as {SDK_MODULE}"] if organization.projects else []
    module = Module(docstring=_docstring(organization, api_url), imports=imports)
    for project, names in zip(organization.projects, assign_names(organization), strict=True):
        module.blocks.append(_project_block(project, names))
    return module.render()


def _requirement() -> str:
    try:
        return f"pulumi-depot>={version('pulumi-depot')}"
    except PackageNotFoundError:  # a source tree that was never installed
        return "pulumi-depot"


def check_project_name(project_name: str) -> None:
    if not PROJECT_NAME.match(project_name):
        raise ValueError(
            f"--project-name {project_name[:100]!r} is not a Pulumi project name: use 1 to 100 letters, digits, "
            "'-', '_' or '.'"
        )


def render_project_files(organization: OrganizationSnapshot, api_url: str, project_name: str) -> dict[str, str]:
    """A Pulumi project directory's files: `__main__.py`, `Pulumi.yaml` and `requirements.txt`."""
    check_project_name(project_name)
    pulumi_yaml = (
        f"name: {json.dumps(project_name)}\n"
        "runtime: python\n"
        "description: A Depot organization, imported by pulumi-depot import\n"
    )
    return {
        "__main__.py": render_main(organization, api_url),
        "Pulumi.yaml": pulumi_yaml,
        "requirements.txt": f"pulumi>=3.200,<4\n{_requirement()}\n",
    }
