"""pulumi-depot: Pulumi resources for Depot (depot.dev). Use as `import pulumi_depot as depot`."""
