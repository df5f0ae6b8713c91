"""`pulumi-depot fleet`: a tenants file deployed as many stacks (shards) with the Automation API, in parallel, with
one review summary. Shards: pulumi_depot.fleet_shards; the program side: depot.TenantFleet's ``shard``."""

from pulumi_depot.fleet_command.command import add_parser, main, run

__all__ = ["add_parser", "main", "run"]
