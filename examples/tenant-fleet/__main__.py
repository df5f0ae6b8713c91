"""A fleet of per-customer Depot projects from tenants.yaml (or the file named by `pulumi config set tenantsFile`).

Each tenant becomes a depot.TenantProject `tenant-<id>`: its project, exactly the trust policies the file lists
(a policy added by hand in Depot is removed by the next `pulumi up`) and a project token. The whole file is checked
before anything is created; a mistake is reported with the tenant and the field.

Stack outputs: `tenants_project_ids` ({tenant: project id}) and `tenants_tokens` ({tenant: token}, a secret:
`pulumi stack output tenants_tokens --show-secrets`).
"""

import pulumi
import pulumi_depot as depot

config = pulumi.Config()

fleet = depot.TenantFleet("tenants", tenants_file=config.get("tenantsFile", "tenants.yaml"))
fleet.export()
