"""``python -m pulumi_depot_provider.engine {preview,up,refresh,destroy} PROGRAM_DIR --stack NAME --state FILE``.

The command line of the engine-shaped runner (see ``runner``): TEST TOOLING, not a replacement for Pulumi.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import Final

from .deployment import RunnerError
from .project import ProjectError
from .props import Secret
from .runner import Runner
from .summary import Summary

_DESCRIPTION: Final = """\
Engine-shaped test runner for Pulumi programs made of dynamic resources. TEST TOOLING, not a replacement for
Pulumi: it runs the program unchanged on the Pulumi SDK's mock monitor and drives the real dynamic provider host
(python -m pulumi.dynamic) over gRPC the way the engine does, keeping state in a JSON file (secrets encrypted with
a key kept in FILE.key). pulumi-depot's tests use it, and so does the quickstart when no Pulumi CLI is installed.
With the Pulumi CLI, use `pulumi preview/up/refresh/destroy` instead.
"""
_VERBS: Final = {"up": "update", "refresh": "refresh", "destroy": "destroy"}


def _key_value(text: str) -> tuple[str, str]:
    key, separator, value = text.partition("=")
    if not separator or not key:
        raise argparse.ArgumentTypeError(f"expected KEY=VALUE, got {text!r}")
    return key, value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m pulumi_depot_provider.engine",
        description=_DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "operation",
        choices=["preview", "up", "refresh", "destroy"],
        help="preview: Check and Diff only, nothing changes; up: deploy (a preview runs first); "
        "refresh: read every resource back into state; destroy: delete everything in state",
    )
    parser.add_argument("program_dir", metavar="PROGRAM_DIR", help="a Pulumi project: Pulumi.yaml and __main__.py")
    parser.add_argument("--stack", required=True, help="stack name; Pulumi.<stack>.yaml's config: map is read")
    parser.add_argument("--state", required=True, metavar="FILE", help="the stack's state file (JSON)")
    parser.add_argument(
        "--config",
        action="append",
        default=[],
        type=_key_value,
        metavar="KEY=VALUE",
        help="stack config (over Pulumi.<stack>.yaml); KEY without a namespace gets the project's",
    )
    parser.add_argument(
        "--secret-config",
        action="append",
        default=[],
        type=_key_value,
        metavar="KEY=VALUE",
        help="secret stack config: marked secret for the program and the provider, never printed",
    )
    parser.add_argument("--yes", action="store_true", help="proceed without asking (required without a terminal)")
    parser.add_argument("--skip-preview", action="store_true", help="up: do not run a preview first")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    config: dict[str, str | Secret] = dict(args.config)
    config.update({key: Secret(value) for key, value in args.secret_config})
    try:
        runner = Runner(args.program_dir, stack=args.stack, state=args.state, config=config)
        summary = _run(runner, args.operation, yes=args.yes, skip_preview=args.skip_preview)
    except (RunnerError, ProjectError, FileNotFoundError, ValueError) as err:
        summary = err.summary if isinstance(err, RunnerError) else None
        if summary is not None and summary.steps:
            print(summary.render())
        print(f"error: {_one_line(str(err))}", file=sys.stderr)
        return 1
    except _Declined as declined:
        print(str(declined), file=sys.stderr)
        return 1
    print(summary.render())
    return 0


class _Declined(Exception):
    pass


def _run(runner: Runner, operation: str, *, yes: bool, skip_preview: bool) -> Summary:
    if operation == "preview":
        return runner.preview()
    if not yes:
        if not sys.stdin.isatty():
            raise _Declined(f"error: --yes must be passed to {operation} when not running in a terminal")
        if operation == "up":
            print(runner.preview().render())
            skip_preview = True
        answer = input(f"Do you want to perform this {_VERBS[operation]}? [y/N] ")
        if answer.strip().lower() not in ("y", "yes"):
            raise _Declined(f"{operation} cancelled; nothing was changed")
    if operation == "up":
        return runner.up(skip_preview=skip_preview)
    if operation == "refresh":
        return runner.refresh()
    return runner.destroy()


def _one_line(message: str) -> str:
    lines = [line.strip() for line in message.splitlines() if line.strip()]
    if len(lines) <= 1:
        return lines[0] if lines else "failed"
    return f"{lines[0]} ... {lines[-1]}"


if __name__ == "__main__":
    sys.exit(main())
