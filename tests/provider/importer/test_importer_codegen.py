"""The importer's building blocks without a server: names (tenant ids, logical names, variables) and the Python
source emitter, whose output must survive `ruff format --check` and `ruff check` at any string length."""

from __future__ import annotations

import ast
import keyword
import random
import re
import subprocess
import sys
from pathlib import Path

import yaml
from hypothesis import given
from hypothesis import strategies as st
from pulumi_depot.tenants_file import tenant_id_problem
from pulumi_depot_provider.importer import (
    OrganizationSnapshot,
    ProjectSnapshot,
    TokenSnapshot,
    TrustPolicySnapshot,
    render_main,
    render_tenants,
)
from pulumi_depot_provider.importer.naming import allocate, slug, variable
from pulumi_depot_provider.importer.pycode import LINE_LENGTH, Call, Expr, Module, Str, statement, string
from pulumi_depot_provider.resources.project_read import ProjectCachePolicy

REPOSITORY_CONFIG = Path(__file__).resolve().parents[3] / "pyproject.toml"
# Words of lowercase letters and digits joined by single '-': stricter than the tenants file's id rule.
SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


@given(st.text())
def test_string_literal_is_ascii_and_evaluates_to_the_text(text: str) -> None:
    literal = string(text)
    assert literal.isascii() and literal[0] == literal[-1] == '"'
    assert '"' not in literal[1:-1] and "\n" not in literal  # no quote for the formatter to revisit
    assert ast.literal_eval(literal) == text


@given(st.text(max_size=300))
def test_slug_is_a_tenant_id(text: str) -> None:
    result = slug(text)
    assert SLUG.match(result) and len(result) <= 40
    assert tenant_id_problem(result) is None
    assert slug(result) == result  # a valid id stays as it is


@given(st.text(alphabet="abc-019_", max_size=50))
def test_variable_is_an_identifier_that_shadows_nothing(text: str) -> None:
    name = variable(slug(text))
    assert name.isidentifier() and not keyword.iskeyword(name) and not keyword.issoftkeyword(name)
    assert name not in ("depot", "pulumi")


@given(st.lists(st.tuples(st.sampled_from(["api", "api-2", "web", "x" * 40]), st.integers()), max_size=12))
def test_allocate_is_unique_and_independent_of_input_order(items: list[tuple[str, int]]) -> None:
    # Priorities unique per item, as the importer's (creation time, then project id) are.
    prioritised = [(name, (priority, index)) for index, (name, priority) in enumerate(items)]
    names = allocate([name for name, _ in prioritised], [p for _, p in prioritised])
    assert len(set(names)) == len(names) and all(len(name) <= 40 for name in names)
    shuffled = prioritised[:]
    random.Random(len(items)).shuffle(shuffled)
    again = allocate([name for name, _ in shuffled], [p for _, p in shuffled])
    assert dict(zip(shuffled, again, strict=True)) == dict(zip(prioritised, names, strict=True))
    for (wanted, _), name in zip(prioritised, names, strict=True):
        assert name == wanted or name.startswith(wanted[:35])


def test_allocate_gives_the_name_to_the_smallest_priority_and_skips_taken_names() -> None:
    names = allocate(["api", "api", "api", "api-2"], [3, 1, 2, 0], taken={"api-3"})
    assert names == ["api-5", "api", "api-4", "api-2"]


def _module_with_strings() -> tuple[str, list[str]]:
    """Statements whose string arguments straddle the line length at two nesting levels, with and without
    spaces and escapes."""
    texts = []
    for length in range(LINE_LENGTH - 40, LINE_LENGTH + 20):
        texts += ["a" * length, ("word " * length)[:length], ('q"\\\u00e9 ' * length)[:length]]
    texts.append("x" * 600)
    module = Module(docstring="Generated for the test.\n", imports=["import pulumi_depot as depot"])
    module.blocks.append(statement(Call("depot.Project", (Str("p"),), (("name", Str("p")),), target="p")))
    for index, text in enumerate(texts):
        nested = Call("depot.GitHubTrustArgs", keywords=(("repository_owner", Str("o")), ("repository", Str(text))))
        call = Call(
            "depot.TrustPolicy",
            (Str(f"policy-{index}"),),
            (("project_id", Expr("p.id")), ("github", nested), ("import_id", Str(text))),
        )
        module.blocks.append(statement(call))
    return module.render(), texts


def test_emitted_strings_of_every_length_pass_ruff_and_keep_their_value(tmp_path: Path) -> None:
    source, texts = _module_with_strings()
    path = tmp_path / "__main__.py"
    path.write_text(source)
    assert max(len(line) for line in source.splitlines()) <= LINE_LENGTH
    ruff = str(Path(sys.executable).with_name("ruff"))
    for config in (["--config", str(REPOSITORY_CONFIG)], ["--isolated"]):
        for command in (["format", "--check", "--diff"], ["check", "--no-cache"]):
            result = subprocess.run(
                [ruff, *command, *config, str(path)], capture_output=True, text=True, check=False, timeout=60
            )
            assert result.returncode == 0, result.stdout + result.stderr
    calls = [node.value for node in ast.parse(source).body if isinstance(node, ast.Expr)][1:]  # after the docstring
    assert [ast.literal_eval(call.keywords[2].value) for call in calls] == texts  # type: ignore[attr-defined]
    nested = [call.keywords[1].value.keywords[1].value for call in calls]  # type: ignore[attr-defined]
    assert [ast.literal_eval(value) for value in nested] == texts


def _odd_project() -> ProjectSnapshot:
    """What the local API cannot produce but a newer Depot might: values this version does not know."""
    return ProjectSnapshot(
        id="odd1234567",
        name="odd",
        region="ap-south-1",
        organization_id="org",
        created_at="2024-01-01T00:00:00Z",
        cache_policy=ProjectCachePolicy(keep_gb=0, keep_days=5),
        hardware="HARDWARE_99",
        tokens=(TokenSnapshot(id="tok1", description=" "),),
        unreadable_policies=("tp-without-provider",),
    )


def test_values_this_version_does_not_know_are_left_out_and_explained(tmp_path: Path) -> None:
    snapshot = OrganizationSnapshot(projects=(_odd_project(),))
    source = render_main(snapshot, "https://api.depot.dev")
    call = next(
        node.value
        for node in ast.parse(source).body
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call)
    )
    keywords = {k.arg: ast.unparse(k.value) for k in call.keywords}
    assert "hardware" not in keywords and keywords["cache_policy"] == "depot.CachePolicyArgs(keep_days=5)"
    assert "HARDWARE_99" in source and "ap-south-1" in source and "tp-without-provider" in source
    assert 'description="token tok1"' in source and "requires one" in source
    assert "depot:apiUrl" not in source  # the default API needs no configuration
    path = tmp_path / "__main__.py"
    path.write_text(source)
    ruff = str(Path(sys.executable).with_name("ruff"))
    for command in (["format", "--check"], ["check", "--no-cache"]):
        result = subprocess.run(
            [ruff, *command, "--config", str(REPOSITORY_CONFIG), str(path)], capture_output=True, text=True, check=False
        )
        assert result.returncode == 0, result.stdout + result.stderr

    tenants = render_tenants(snapshot)
    (tenant,) = yaml.safe_load(tenants)["tenants"]
    assert "hardware" not in tenant and tenant["cache_policy"] == {"keep_days": 5}
    assert tenant["token"] == {"description": "token tok1", "import_id": "tok1"}
    assert "HARDWARE_99" in tenants and "ap-south-1" in tenants and "tp-without-provider" in tenants


def test_values_pulumi_depot_refuses_are_left_out_one_by_one_and_said_so() -> None:
    """Depot accepts a bidi override in a repository owner or an ESC in a token description; pulumi-depot's inputs
    refuse them, so a program declaring them would fail its check. Each such object is left out with a comment
    naming its id and the character (escaped), and the rest of its project is still declared."""
    good = TrustPolicySnapshot(id="tp-good", kind="github", first="acme", second="api")
    bidi = TrustPolicySnapshot(id="tp-bidi", kind="github", first="ac\u202eme", second="api")
    # Depot also holds names its CI service never gives (issue 22): refused by pulumi-depot's inputs too.
    slash = TrustPolicySnapshot(id="tp-slash", kind="github", first="acme/evil", second="api")
    no_uuid = TrustPolicySnapshot(id="tp-abc", kind="circleci", first="abc", second="def")
    project = _odd_project().model_copy(
        update={
            "hardware": "HARDWARE_4X4",
            "trust_policies": (good, bidi, slash, no_uuid),
            "tokens": (
                TokenSnapshot(id="tok-esc", description="ci\x1b[2J"),
                TokenSnapshot(id="tok-ok", description="ok"),
            ),
        }
    )
    source = render_main(OrganizationSnapshot(projects=(project,)), "https://api.depot.dev")
    assert source.isascii() and "\x1b" not in source and "\u202e" not in source
    comments = " ".join(line[2:] for line in source.splitlines() if line.startswith("# "))
    assert "Left out: trust policy tp-bidi: its repository_owner has the control character '\\u202e'" in comments
    assert "Left out: token tok-esc: its description has the control character '\\x1b'" in comments
    assert "Left out: trust policy tp-slash: its repository_owner has '/' at position 5" in comments
    assert "Left out: trust policy tp-abc: its organization_uuid is not a UUID" in comments
    imported = {
        ast.literal_eval(keyword.value)
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Call)
        for keyword in node.keywords
        if keyword.arg == "import_id"
    }
    assert imported == {"odd1234567", "tp-good", "tok-ok"}
    assert "Left out: 4 objects" in ast.get_docstring(ast.parse(source)).replace("\n", " ")  # type: ignore[union-attr]

    tenants = render_tenants(OrganizationSnapshot(projects=(project, _odd_project())))
    assert yaml.safe_load(tenants)["tenants"][0]["import_id"] == "odd1234567"  # the one without refused values
    assert len(yaml.safe_load(tenants)["tenants"]) == 1
    assert "Left out: project odd1234567: its repository_owner has the control character" in tenants.replace(
        "\n  # ", " "
    )
