"""`python -m pulumi_depot_provider.policy DIR`: writes the policy pack directory and prints its path.

    pulumi preview --policy-pack "$(python -m pulumi_depot_provider.policy depot-policy)" \
        --policy-pack-config allowed-trust.json

The pack runs in the virtualenv its PulumiPolicy.yaml names: by default this interpreter's (the one that has
pulumi-depot[policy]); `--virtualenv venv` writes a portable pack that runs in DIR/venv, made from its
requirements.txt (`python -m venv DIR/venv && DIR/venv/bin/pip install -r DIR/requirements.txt`).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from importlib import metadata
from pathlib import Path

from pulumi_depot_provider.policy import DESCRIPTION

MAIN = "from pulumi_depot_provider.policy.pack import serve\n\nserve()\n"


def pack_files(virtualenv: str) -> dict[str, str]:
    return {
        "PulumiPolicy.yaml": (
            # A JSON string is a YAML string: any path is written safely.
            f"description: {DESCRIPTION}\nruntime:\n  name: python\n  options:\n"
            f"    virtualenv: {json.dumps(virtualenv)}\n"
        ),
        "__main__.py": MAIN,
        "requirements.txt": f"pulumi-depot[policy]=={metadata.version('pulumi-depot')}\n",
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m pulumi_depot_provider.policy",
        description="Write the pulumi-depot trust policy pack (for `pulumi preview --policy-pack DIR`).",
    )
    parser.add_argument("directory", type=Path, help="where to write the pack (created if missing)")
    parser.add_argument(
        "--virtualenv", help="the virtualenv the pack runs in (default: this interpreter's; `venv`: DIR/venv)"
    )
    parser.add_argument("--force", action="store_true", help="overwrite pack files that differ")
    args = parser.parse_args(argv)
    virtualenv = args.virtualenv or (sys.prefix if sys.prefix != sys.base_prefix else None)
    if virtualenv is None:
        parser.error("this Python is not a virtualenv: pass --virtualenv PATH (a virtualenv with pulumi-depot[policy])")
    files = pack_files(virtualenv)
    directory: Path = args.directory
    differing = [
        name for name, text in files.items() if (directory / name).exists() and (directory / name).read_text() != text
    ]
    if differing and not args.force:
        parser.error(f"{directory} already has a different {', '.join(differing)}: pass --force to overwrite")
    directory.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (directory / name).write_text(text, encoding="utf-8")
    print(directory.resolve())
    return 0


if __name__ == "__main__":
    sys.exit(main())
