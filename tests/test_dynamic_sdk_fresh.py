"""The dynamic SDK's resource classes and their input and output types (sdk/pulumi_depot) are what
scripts/gen_dynamic_sdk.py makes today from schema.json and the resource models: file for file, byte for byte,
each under the generated header. No other file of the package carries the header (a file the generator no longer
makes would otherwise linger)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parent.parent
SDK = ROOT / "sdk" / "pulumi_depot"
FIX = "run python scripts/gen_dynamic_sdk.py and commit sdk/pulumi_depot"


def generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("gen_dynamic_sdk", ROOT / "scripts" / "gen_dynamic_sdk.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def test_the_committed_dynamic_sdk_is_what_the_generator_makes() -> None:
    gen = generator()
    files = gen.render()
    some = {"_inputs.py", "_outputs.py", "project.py", "trust_policy_set.py", "aws_ssm_parameter_token.py"}
    assert some <= set(files)
    stale = [name for name, text in files.items() if (SDK / name).read_text(encoding="utf-8") != text]
    assert stale == [], f"{stale} stale: {FIX}"
    marked = {p.name for p in SDK.rglob("*.py") if p.read_text(encoding="utf-8").startswith(gen.GENERATED)}
    assert marked == set(files), f"files with the generated header that the generator does not make: {FIX}"
