"""The resource core: one module per Depot resource (its input and output models, diff rules and CRUD), the base
(core.py), the session (session.py) and the registry (registry.py). It imports no front end.

The dynamic provider classes' import paths are part of users' Pulumi state (dill pickles them by reference):
`pulumi_depot_provider.resources.project.ProjectProvider`, `...trust_policy.TrustPolicyProvider`,
`...project_token.ProjectTokenProvider`, `...trust_policy_set.TrustPolicySetProvider` and the AWS sinks'
`...aws_secrets_manager_token.AwsSecretsManagerTokenProvider` and
`...aws_ssm_parameter_token.AwsSsmParameterTokenProvider`. The dynamic front end makes them under those names
(resources/stored.py). Do not move or rename them.
"""
