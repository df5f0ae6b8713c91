"""Each tenant of tenants.yaml gets a Depot project and a project token, and the token is delivered to AWS: a
Secrets Manager secret (depot/<tenant>/token) and an SSM SecureString parameter (/depot/<tenant>/token).

The token never becomes a stack output: builds read it from AWS. Rotating a tenant's token (its rotation_trigger
in tenants.yaml) creates the new token, writes it to both stores (in Secrets Manager as AWSCURRENT, the old one
kept as AWSPREVIOUS), and only then deletes the old token in Depot.

Stack outputs: `tenants_project_ids` ({tenant: project id}), `tenants_token_secret_arns` and
`tenants_token_parameter_arns` ({tenant: ARN}).
"""

import pulumi
import pulumi_depot as depot

config = pulumi.Config()

fleet = depot.TenantFleet("tenants", tenants_file=config.get("tenantsFile", "tenants.yaml"))


def arns(store: str) -> pulumi.Output:
    sinks = {
        tenant: project.token_sinks[store].arn
        for tenant, project in fleet.tenants.items()
        if store in project.token_sinks
    }
    return pulumi.Output.all(**sinks) if sinks else pulumi.Output.from_input({})


pulumi.export("tenants_project_ids", fleet.project_ids)
pulumi.export("tenants_token_secret_arns", arns("aws_secrets_manager"))
pulumi.export("tenants_token_parameter_arns", arns("aws_ssm_parameter"))
