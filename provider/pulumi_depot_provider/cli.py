"""The `pulumi-depot` console command. Subcommands: `import` (see pulumi_depot_provider.importer), `orphans`
(see pulumi_depot_provider.orphans) and `fleet` (see pulumi_depot.fleet_command)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from pulumi_depot_provider.importer import ImportFailure, ImportOptions, run_import
from pulumi_depot_provider.orphans import add_parser as add_orphans
from pulumi_depot_provider.orphans import run as run_orphans

IMPORT_DESCRIPTION = """\
Read every project of the Depot organization behind DEPOT_TOKEN (an organization token; DEPOT_API_URL if the API
is not https://api.depot.dev), with its trust policies and tokens, and write code that declares them all with
their import_id and live settings, so that the first `pulumi up` adopts everything and changes nothing.

  --format program (default): a Pulumi Python program. --output DIR writes DIR/__main__.py, Pulumi.yaml and
      requirements.txt; --output FILE.py writes one file; - (default) prints __main__.py.
  --format tenants: a tenants file for the tenant fleet (YAML; --output FILE.yaml or - ).

Token secrets cannot be read back from Depot: existing tokens are adopted for lifecycle management only.
Nothing is overwritten without --force. Progress goes to stderr; output is the same for the same organization.
"""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="pulumi-depot", description="pulumi-depot tools.")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    importer = commands.add_parser(
        "import",
        help="write a Pulumi program (or a tenants file) that adopts a whole Depot organization",
        description=IMPORT_DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    importer.add_argument(
        "-o", "--output", default="-", metavar="PATH", help="a directory, a .py or .yaml file, or - (default)"
    )
    importer.add_argument("-f", "--format", choices=["program", "tenants"], default="program")
    importer.add_argument("--force", action="store_true", help="overwrite existing output files")
    importer.add_argument(
        "--project-name", metavar="NAME", help="the Pulumi project's name in Pulumi.yaml (default: depot)"
    )
    importer.add_argument("-q", "--quiet", action="store_true", help="no progress on stderr")
    add_orphans(commands)
    from pulumi_depot.fleet_command import add_parser as add_fleet  # the SDK's: it drives TenantFleet programs

    add_fleet(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command == "orphans":
        return run_orphans(args)
    if args.command == "fleet":
        from pulumi_depot.fleet_command import run as run_fleet

        return run_fleet(args)
    if args.command != "import":
        parser.print_help(sys.stderr)
        return 2
    options = ImportOptions(
        output=args.output, format=args.format, force=args.force, project_name=args.project_name, quiet=args.quiet
    )
    try:
        run_import(options)
    except ImportFailure as failure:
        print(f"pulumi-depot import: error: {failure}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("pulumi-depot import: interrupted; nothing was written", file=sys.stderr)
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
