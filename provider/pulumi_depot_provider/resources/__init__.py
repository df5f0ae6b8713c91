"""One module per Depot resource: its input and output models, diff rules and CRUD, and its dynamic provider.

The provider classes' import paths are part of users' Pulumi state (dill pickles them by reference):
`pulumi_depot_provider.resources.project.ProjectProvider`, `...trust_policy.TrustPolicyProvider`,
`...project_token.ProjectTokenProvider`, `...trust_policy_set.TrustPolicySetProvider`. Do not move or rename them.
"""
