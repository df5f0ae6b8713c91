"""Strict inputs (issues 8 and 22), through the real dynamic provider host: every bad input is one CheckFailure
whose reason starts with its property path and says what is wrong and how to fix it, shows a forbidden character
escaped and never repeats a string input; every valid input is still accepted as before. The failure's own
property is empty: the engine would print the input's value raw beside a failure that names a property.

The bad-input classes: a control, invisible formatting, default-ignorable or blank-looking character, or
whitespace at either end, in any name, description, slug, repository owner or name, UUID or id (the rule:
FORBIDDEN_CATEGORIES and `invisible` in resources/fields.py); an empty or blank import_id or
organization_id (it would silently create instead of adopting, or mean the token's organization); a bool, a string
or a fraction for a number (numbers arrive as doubles: whole ones such as 50.0 are numbers); trust policies that
are not a list (a string or a mapping must never become an empty authoritative set: [] is the one way to say
"no trust policy", and removes every existing one).
"""

from __future__ import annotations

import copy
import sys
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from dynamic_host import CheckFailure, DynamicProviderHost
from engine_steps import EngineResource
from hypothesis import given, settings
from hypothesis import strategies as st
from pulumi.dynamic import ResourceProvider
from pulumi_depot import _checks
from pulumi_depot_provider.client.project_settings import INT32_MAX, MAX_NAME_LENGTH, MAX_TEXT_LENGTH
from pulumi_depot_provider.resources.fields import (
    DEFAULT_IGNORABLE,
    FORBIDDEN_CATEGORIES,
    character_problem,
    escaped,
    forbidden_character,
    invisible,
)
from pulumi_depot_provider.resources.project import ProjectProvider
from pulumi_depot_provider.resources.project_token import ProjectTokenProvider
from pulumi_depot_provider.resources.trust_policy import TrustPolicyProvider
from pulumi_depot_provider.resources.trust_policy_set import TrustPolicySetProvider

GIB = 1024**3
# Check never calls Depot: a host configured with this token and an unroutable URL is enough.
FAKE_TOKEN = "depot_org_fake_check_token"
PREFIX = "pulumi-python:dynamic/depot:"
GITHUB = {"repository_owner": "acme", "repository": "api"}
BUILDKITE = {"organization_slug": "acme", "pipeline_slug": "deploy"}
CIRCLECI = {
    "organization_uuid": "0b3c9a61-3f2e-4d1c-8a7b-5e6f7a8b9c0d",
    "project_uuid": "9f2e0b1c-2d3e-4f5a-8b6c-7d8e9f0a1b2c",
}
POLICY_RULE = "must be a list of trust policy entries ([] removes them all)"
LEAVE_IT_OUT = "must not be empty or blank; leave it out instead"
WHOLE = "must be a whole number"
Path = tuple[str | int, ...]


@dataclass(frozen=True)
class Kind:
    """One resource type: its provider and inputs that pass check."""

    name: str
    provider: type[ResourceProvider]
    valid: dict[str, Any]


PROJECT = Kind("Project", ProjectProvider, {"name": "api", "region": "us-east-1"})
TRUST_GITHUB = Kind("TrustPolicy", TrustPolicyProvider, {"project_id": "p1", "github": GITHUB})
TRUST_BUILDKITE = Kind("TrustPolicy", TrustPolicyProvider, {"project_id": "p1", "buildkite": BUILDKITE})
TRUST_CIRCLECI = Kind("TrustPolicy", TrustPolicyProvider, {"project_id": "p1", "circleci": CIRCLECI})
TOKEN = Kind("ProjectToken", ProjectTokenProvider, {"project_id": "p1", "description": "CI builds"})
TRUST_SET = Kind(
    "TrustPolicySet",
    TrustPolicySetProvider,
    {"project_id": "p1", "policies": [{"github": GITHUB}, {"buildkite": BUILDKITE}, {"circleci": CIRCLECI}]},
)

# Every string input of every resource (region and hardware are enums: any other string is refused by name),
# with its length limit. rotation_trigger and cache_reset_trigger are any value, and not text.
TEXT_FIELDS: list[tuple[Kind, Path, int]] = [
    (PROJECT, ("name",), MAX_NAME_LENGTH),
    (PROJECT, ("organization_id",), MAX_TEXT_LENGTH),
    (PROJECT, ("import_id",), MAX_TEXT_LENGTH),
    (TRUST_GITHUB, ("project_id",), MAX_TEXT_LENGTH),
    (TRUST_GITHUB, ("github", "repository_owner"), MAX_TEXT_LENGTH),
    (TRUST_GITHUB, ("github", "repository"), MAX_TEXT_LENGTH),
    (TRUST_BUILDKITE, ("buildkite", "organization_slug"), MAX_TEXT_LENGTH),
    (TRUST_BUILDKITE, ("buildkite", "pipeline_slug"), MAX_TEXT_LENGTH),
    (TRUST_CIRCLECI, ("circleci", "organization_uuid"), MAX_TEXT_LENGTH),
    (TRUST_CIRCLECI, ("circleci", "project_uuid"), MAX_TEXT_LENGTH),
    (TRUST_GITHUB, ("import_id",), MAX_TEXT_LENGTH),
    (TOKEN, ("project_id",), MAX_TEXT_LENGTH),
    (TOKEN, ("description",), MAX_TEXT_LENGTH),
    (TOKEN, ("import_id",), MAX_TEXT_LENGTH),
    (TRUST_SET, ("project_id",), MAX_TEXT_LENGTH),
    (TRUST_SET, ("policies", 0, "github", "repository_owner"), MAX_TEXT_LENGTH),
    (TRUST_SET, ("policies", 0, "github", "repository"), MAX_TEXT_LENGTH),
    (TRUST_SET, ("policies", 1, "buildkite", "organization_slug"), MAX_TEXT_LENGTH),
    (TRUST_SET, ("policies", 1, "buildkite", "pipeline_slug"), MAX_TEXT_LENGTH),
    (TRUST_SET, ("policies", 2, "circleci", "organization_uuid"), MAX_TEXT_LENGTH),
    (TRUST_SET, ("policies", 2, "circleci", "project_uuid"), MAX_TEXT_LENGTH),
]
# (field, lowest value, highest value, the field check normalises it to, and the factor applied)
NUMBER_FIELDS: list[tuple[str, int, int, str, int]] = [
    ("keep_gb", 1, INT32_MAX, "keep_gb", 1),
    ("keep_days", 0, INT32_MAX, "keep_days", 1),
    ("keep_bytes", 1, INT32_MAX, "keep_gb", GIB),  # a whole number of GB, converted to keep_gb
]
# One of each kind the brief names: C0 (NUL, ESC), DEL, C1 (NEL, CSI), bidi overrides and isolates, zero width,
# the BOM, a tag character, the line and paragraph separators.
SAMPLES = [
    "\x00",
    "\x1b",
    "\x7f",
    "\x85",
    "\x9b",
    "\u202a",
    "\u202e",
    "\u2066",
    "\u2069",
    "\u200b",
    "\u200d",
    "\ufeff",
    "\U000e0041",
    "\u2028",
    "\u2029",
    "\n",
    "\t",
    "\u061c",
    "\u200f",
    "\u00ad",
    "\u2060",
]
# What the probe of issue 22 created as "invisible" names: the Hangul fillers, the Braille blank, the combining
# grapheme joiner, variation selectors (VS16 turns a character into an emoji), the Mongolian vowel separator.
INVISIBLE_SAMPLES = ["\u3164", "\u2800", "\u034f", "\ufe0f", "\u115f", "\u1160", "\uffa0", "\u180e", "\U000e0100"]


def field_id(case: tuple[Kind, Path, int]) -> str:
    return f"{case[0].name}.{dotted(case[1])}"


def dotted(path: Path) -> str:
    return ".".join(f"[{part}]" if isinstance(part, int) else part for part in path).replace(".[", "[")


def with_value(inputs: dict[str, Any], path: Path, value: Any) -> dict[str, Any]:
    changed = copy.deepcopy(inputs)
    target: Any = changed
    for part in path[:-1]:
        target = target.setdefault(part, {}) if isinstance(part, str) else target[part]
    target[path[-1]] = value
    return changed


def strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            if key != "__provider":
                yield from strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from strings(item)


def assert_escaped(failures: list[CheckFailure]) -> None:
    """No failure names a property (the engine would print its value raw) and no reason holds a forbidden or
    invisible character raw (they are all shown as escapes)."""
    for failure in failures:
        assert failure.property == "", failure
        assert forbidden_character(failure.reason) is None and failure.reason.isprintable(), repr(failure.reason)


def paths(failures: list[CheckFailure]) -> list[str]:
    """The property path each failure's reason starts with ("name: has the control character ...")."""
    return [failure.reason.split(": ", 1)[0] for failure in failures]


@pytest.fixture(scope="module")
def check_host() -> Iterator[DynamicProviderHost]:
    with DynamicProviderHost(env={"DEPOT_TOKEN": "", "DEPOT_API_URL": ""}) as host:
        host.configure({"depot:token": FAKE_TOKEN, "depot:apiUrl": "http://127.0.0.1:9"}, secret_keys={"depot:token"})
        yield host


@pytest.fixture(scope="module")
def resources(check_host: DynamicProviderHost) -> dict[str, EngineResource]:
    return {
        kind.name: EngineResource(check_host, kind.provider(), PREFIX + kind.name, "r")
        for kind in (PROJECT, TRUST_GITHUB, TOKEN, TRUST_SET)
    }


def check(resources: dict[str, EngineResource], kind: Kind, inputs: dict[str, Any]) -> Any:
    result = resources[kind.name].check(inputs)
    assert_escaped(result.failures)
    return result


def refused(resources: dict[str, EngineResource], kind: Kind, inputs: dict[str, Any], path: Path) -> str:
    """The one failure of these inputs, which must be at ``path``; its reason after the path."""
    failures = check(resources, kind, inputs).failures
    assert paths(failures) == [dotted(path)], failures
    return str(failures[0].reason).removeprefix(f"{dotted(path)}: ")


# --- the rule itself -------------------------------------------------------------------------------------------


def test_the_forbidden_set_is_five_unicode_categories_and_the_invisible_characters_each_shown_escaped() -> None:
    assert set(FORBIDDEN_CATEGORIES) == {"Cc", "Cf", "Zl", "Zp", "Cs"}
    forbidden = 0
    for code in range(sys.maxunicode + 1):
        character = chr(code)
        if unicodedata.category(character) in FORBIDDEN_CATEGORIES or invisible(character):
            forbidden += 1
            assert forbidden_character(f"a{character}b") == (1, character)
            assert character not in escaped(character), f"U+{code:04X} would be shown raw"
            assert escaped(character).isascii() and escaped(character).isprintable()
        else:
            assert forbidden_character(character) is None
    assert forbidden > 2048 + 65 + 2  # surrogates, C0/DEL/C1 and the two separators at least, plus Cf
    for sample in [*SAMPLES, *INVISIBLE_SAMPLES]:
        assert forbidden_character(sample) is not None, f"U+{ord(sample):04X}"
    # Unicode's Default_Ignorable_Code_Point: 4,174 code points, most of them reserved or tags
    assert sum(high - low + 1 for low, high in DEFAULT_IGNORABLE) == 4174


def test_the_sdk_uses_the_providers_rule_and_reason() -> None:
    for sample in [*SAMPLES, "\ud800"]:
        text = f"acme{sample}builds"
        assert _checks.control_character(text) == sample
        assert _checks.text_problem(text) == character_problem(text)
    assert _checks.control_character("acme builds 🚀 ü 漢字\u00a0") is None
    reason = character_problem("acme\x1b[31m")
    assert reason is not None and reason.startswith("has the control character '\\x1b' (U+001B) at position 5;")
    assert "acme" not in reason


# --- regressions: each was accepted (or refused without saying why) before ------------------------------------


@pytest.mark.parametrize(
    ("case", "sample"), list(zip(TEXT_FIELDS, SAMPLES, strict=True)), ids=[field_id(c) for c in TEXT_FIELDS]
)
def test_a_control_character_in_any_text_input_is_refused_at_its_path(
    resources: dict[str, EngineResource], case: tuple[Kind, Path, int], sample: str
) -> None:
    kind, path, _ = case
    reason = refused(resources, kind, with_value(kind.valid, path, f"acme{sample}x"), path)
    assert f"has the control character {sample!r} (U+{ord(sample):04X}) at position 5; remove it" in reason


@pytest.mark.parametrize(
    ("kind", "field"),
    [(PROJECT, "import_id"), (PROJECT, "organization_id"), (TRUST_GITHUB, "import_id"), (TOKEN, "import_id")],
)
@pytest.mark.parametrize("blank", ["", " ", "\t \n"])
def test_an_empty_or_blank_optional_id_is_refused_saying_to_leave_it_out(
    resources: dict[str, EngineResource], kind: Kind, field: str, blank: str
) -> None:
    # Before: import_id "" created a new object instead of adopting one; organization_id "" meant the token's.
    reason = refused(resources, kind, {**kind.valid, field: blank}, (field,))
    assert reason.startswith(LEAVE_IT_OUT), reason
    assert f"without {field}" in reason


@pytest.mark.parametrize(
    ("cache_policy", "field", "expected"),
    [
        ({"keep_gb": True}, "keep_gb", f"{WHOLE}, not true or false (got True)"),
        ({"keep_days": False}, "keep_days", f"{WHOLE}, not true or false (got False)"),
        ({"keep_bytes": True}, "keep_bytes", f"{WHOLE}, not true or false (got True)"),
        ({"keep_gb": "50"}, "keep_gb", f"{WHOLE}, not a str"),
        ({"keep_gb": 1.5}, "keep_gb", f"{WHOLE} (got 1.5)"),
        ({"keep_days": 0.5}, "keep_days", f"{WHOLE} (got 0.5)"),
        ({"keep_gb": [50]}, "keep_gb", f"{WHOLE}, not a list"),
    ],
)
def test_a_bool_string_or_fraction_is_not_a_number(
    resources: dict[str, EngineResource], cache_policy: dict[str, Any], field: str, expected: str
) -> None:
    # Before: True became 1 (and False 0), "50" became 50.
    reason = refused(resources, PROJECT, {**PROJECT.valid, "cache_policy": cache_policy}, ("cache_policy", field))
    assert reason == expected


def test_whole_numbers_as_the_engine_sends_them_are_still_numbers(resources: dict[str, EngineResource]) -> None:
    result = check(resources, PROJECT, {**PROJECT.valid, "cache_policy": {"keep_gb": 50.0, "keep_days": 0.0}})
    assert result.failures == []
    assert result.inputs["cache_policy"] == {"keep_gb": 50, "keep_days": 0}
    result = check(resources, PROJECT, {**PROJECT.valid, "cache_policy": {"keep_bytes": float(3 * GIB)}})
    assert (result.failures, result.inputs["cache_policy"]) == ([], {"keep_gb": 3})


@pytest.mark.parametrize(
    ("policies", "given"),
    [
        ("", "a str"),
        ("github:acme/api", "a str"),
        ({}, "a dict"),
        ({"github": GITHUB}, "a dict"),
        (0, "a float (got 0)"),  # numbers travel as doubles
        (True, "a bool (got True)"),
    ],
)
def test_trust_policies_that_are_not_a_list_are_refused(
    resources: dict[str, EngineResource], policies: Any, given: str
) -> None:
    # Before: only pydantic's "Input should be a valid list"; the SDK's rule says what [] means.
    reason = refused(resources, TRUST_SET, {"project_id": "p1", "policies": policies}, ("policies",))
    assert reason == f"{POLICY_RULE}, not {given}"


def test_null_trust_policies_are_missing_ones(resources: dict[str, EngineResource]) -> None:
    # The engine sends no null property: policies=None arrives as no policies at all, which is not "no trust".
    assert refused(resources, TRUST_SET, {"project_id": "p1", "policies": None}, ("policies",)) == "is required"


def test_an_explicit_empty_list_is_a_set_without_trust_policies(resources: dict[str, EngineResource]) -> None:
    result = check(resources, TRUST_SET, {"project_id": "p1", "policies": []})
    assert result.failures == []
    assert (result.inputs["policies"], result.inputs["granted"]) == ([], {})


def test_a_reason_never_repeats_the_string_it_refuses(resources: dict[str, EngineResource]) -> None:
    pasted = "depot_project_" + "s3cr3t" * 5  # a secret pasted into the wrong input
    for kind, path, _ in TEXT_FIELDS:
        result = check(resources, kind, with_value(kind.valid, path, f"{pasted}\u202e"))
        assert paths(result.failures) == [dotted(path)]
        assert "s3cr3t" not in result.failures[0].reason


def test_every_problem_of_one_input_is_reported_at_once(resources: dict[str, EngineResource]) -> None:
    inputs = {
        "name": "api\u202e",
        "region": "us-east-1",
        "import_id": "",
        "organization_id": "org\x00",
        "cache_policy": {"keep_gb": True},
    }
    failures = check(resources, PROJECT, inputs).failures
    assert sorted(paths(failures)) == ["cache_policy.keep_gb", "import_id", "name", "organization_id"]


# --- properties ----------------------------------------------------------------------------------------------

# Surrogates (Cs) are forbidden too, but cannot travel from the engine at all (not UTF-8): the rule's own test
# covers them.
INVISIBLE = [chr(code) for low, high in DEFAULT_IGNORABLE for code in range(low, high + 1)] + ["\u2800"]
FORBIDDEN = st.characters(categories=["Cc", "Cf", "Zl", "Zp"]) | st.sampled_from(INVISIBLE)
ALLOWED = st.characters(exclude_categories=["Cc", "Cf", "Cs", "Zl", "Zp"]).filter(lambda c: not invisible(c))
ANY_TEXT = st.characters(exclude_categories=["Cs"])
PROPERTY = settings(max_examples=60, deadline=None)


@pytest.mark.parametrize("case", TEXT_FIELDS, ids=field_id)
@PROPERTY
@given(data=st.data())
def test_text_with_a_forbidden_character_is_refused_at_its_path(
    resources: dict[str, EngineResource], case: tuple[Kind, Path, int], data: st.DataObject
) -> None:
    kind, path, limit = case
    half = (limit - 1) // 2
    before = data.draw(st.text(ALLOWED, max_size=half), label="before")
    planted = data.draw(FORBIDDEN, label="forbidden")
    after = data.draw(st.text(ANY_TEXT, max_size=half), label="after")
    value = before + planted + after
    reason = refused(resources, kind, with_value(kind.valid, path, value), path)
    if value.strip():
        assert reason == character_problem(value)
        assert f"{escaped(planted)} (U+{ord(planted):04X}) at position {len(before) + 1};" in reason
    else:
        assert reason == "must not be blank" or reason.startswith(LEAVE_IT_OUT)


# The names a trust policy holds have their CI service's form (test_input_rules.py refuses everything else).
GITHUB_OWNER = st.from_regex(r"[A-Za-z0-9](-?[A-Za-z0-9]){0,19}", fullmatch=True)
BUILDKITE_SLUG = st.from_regex(r"[a-z0-9](-?[a-z0-9]){0,49}", fullmatch=True)
FORMS = {
    "repository_owner": GITHUB_OWNER,
    "repository": st.from_regex(r"[A-Za-z0-9._-]{1,100}", fullmatch=True).filter(lambda name: name not in (".", "..")),
    "organization_slug": BUILDKITE_SLUG,
    "pipeline_slug": BUILDKITE_SLUG,
    "organization_uuid": st.uuids().map(str),
    "project_uuid": st.uuids().map(lambda uuid: str(uuid).upper()),
}


@pytest.mark.parametrize("case", TEXT_FIELDS, ids=field_id)
@PROPERTY
@given(data=st.data())
def test_printable_text_within_the_limit_is_accepted_as_it_is(
    resources: dict[str, EngineResource], case: tuple[Kind, Path, int], data: st.DataObject
) -> None:
    kind, path, limit = case
    form = FORMS.get(str(path[-1]))
    free = st.text(ALLOWED, min_size=1, max_size=limit).filter(lambda text: text.strip() == text != "")
    value = data.draw(free if form is None else form, label="value")
    result = check(resources, kind, with_value(kind.valid, path, value))
    assert result.failures == []
    assert value in list(strings(result.inputs))


NOT_WHOLE = st.booleans() | st.floats().filter(lambda number: not number.is_integer()) | st.text(max_size=8)


@pytest.mark.parametrize("field", [case[0] for case in NUMBER_FIELDS])
@PROPERTY
@given(value=NOT_WHOLE)
def test_bools_fractions_and_strings_are_refused_for_numbers(
    resources: dict[str, EngineResource], field: str, value: Any
) -> None:
    reason = refused(resources, PROJECT, {**PROJECT.valid, "cache_policy": {field: value}}, ("cache_policy", field))
    assert reason.startswith(WHOLE), reason
    if isinstance(value, str):
        assert reason == f"{WHOLE}, not a str"


@pytest.mark.parametrize("case", NUMBER_FIELDS, ids=[case[0] for case in NUMBER_FIELDS])
@PROPERTY
@given(data=st.data())
def test_whole_floats_are_accepted_as_numbers(
    resources: dict[str, EngineResource], case: tuple[str, int, int, str, int], data: st.DataObject
) -> None:
    field, low, high, normalised, factor = case
    number = data.draw(st.integers(low, high), label="number")
    result = check(resources, PROJECT, {**PROJECT.valid, "cache_policy": {field: float(number * factor)}})
    assert result.failures == []
    assert result.inputs["cache_policy"] == {normalised: number}


NOT_A_LIST = (
    st.text(ANY_TEXT, max_size=20)
    | st.dictionaries(st.text(ANY_TEXT, max_size=8), st.text(ANY_TEXT, max_size=8) | st.just(GITHUB), max_size=3)
    | st.integers(-(2**53), 2**53)
    | st.floats(allow_nan=False)
    | st.booleans()
)


@settings(max_examples=200, deadline=None)
@given(policies=NOT_A_LIST)
def test_anything_but_a_list_of_trust_policies_is_refused(resources: dict[str, EngineResource], policies: Any) -> None:
    reason = refused(resources, TRUST_SET, {"project_id": "p1", "policies": policies}, ("policies",))
    assert reason.startswith(f"{POLICY_RULE}, not "), reason


def test_an_unknown_property_with_a_control_character_is_named_escaped(resources: dict[str, EngineResource]) -> None:
    failures = check(resources, PROJECT, {**PROJECT.valid, "evil\x1b[31m": "x"}).failures
    assert paths(failures) == ["evil\\x1b[31m"]
    assert "\x1b" not in failures[0].reason
