"""`pulumi import` (and the `import` resource option): the engine's Read with only an id, no state.

Each function reads the object from Depot and returns (id, outputs, inputs), or None when there is no such object.
The inputs are what a program declares to manage the object as it is; the outputs are the state the dynamic
resources would have written, `declared_inputs` included, so every later operation is the same code.

Import ids: a project's id (Project); a project's id (TrustPolicySet: every policy of the project);
`<project id>/<trust policy id>` (TrustPolicy) and `<project id>/<token id>` (ProjectToken), since Depot finds a
policy or a token only within its project. A token's secret cannot be read back: an imported token has none.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pulumi_depot_provider.adapter import DECLARED_INPUTS, DepotResourceError, declared_paths
from pulumi_depot_provider.client import DepotClient, NotFound
from pulumi_depot_provider.resources.project import ProjectArgs, project_state
from pulumi_depot_provider.resources.project_token import ProjectTokenArgs, ProjectTokenState, find_token
from pulumi_depot_provider.resources.token_mark import plain
from pulumi_depot_provider.resources.trust_policy import TrustPolicyArgs, live_fields, policy_state
from pulumi_depot_provider.resources.trust_policy_set import state_of

Imported = tuple[str, dict[str, Any], dict[str, Any]]
Importer = Callable[[DepotClient, str], Imported | None]
# What a read by id only (`pulumi import`, the `import` option, `Resource.get`) takes, for its "no such object".
ID_FORMS = {
    "depot:index:Project": "its project id",
    "depot:index:TrustPolicySet": "its project's id",
    "depot:index:TrustPolicy": "<project id>/<trust policy id>",
    "depot:index:ProjectToken": "<project id>/<token id>",
}


def import_project(client: DepotClient, id_: str) -> Imported | None:
    try:
        state = project_state(client.get_project(id_))
    except NotFound:
        return None
    inputs: dict[str, Any] = {
        "name": state.name,
        "region": state.region,
        "cache_policy": {"keep_gb": state.cache_policy.keep_gb, "keep_days": state.cache_policy.keep_days},
        "hardware": state.hardware,
    }
    return id_, {**state.outputs(), DECLARED_INPUTS: declared_paths(ProjectArgs, inputs)}, inputs


def import_trust_policy_set(client: DepotClient, id_: str) -> Imported | None:
    try:
        state = state_of(id_, client.list_trust_policies(id_))
    except NotFound:
        return None
    inputs = {
        "project_id": id_,
        "policies": [entry.declared() for entry in state.policies],
        "granted": state.granted,
    }
    return id_, state.outputs(), inputs


def import_trust_policy(client: DepotClient, import_id: str) -> Imported | None:
    project_id, policy_id = _within_project(import_id, "trust policy")
    try:
        found = [p for p in client.list_trust_policies(project_id) if p.trust_policy_id == policy_id]
    except NotFound:
        return None
    if not found:
        return None
    state = policy_state(found[0], project_id)
    kind, fields = live_fields(found[0])
    inputs: dict[str, Any] = {"project_id": project_id, kind: fields}
    return policy_id, {**state.outputs(), DECLARED_INPUTS: declared_paths(TrustPolicyArgs, inputs)}, inputs


def import_project_token(client: DepotClient, import_id: str) -> Imported | None:
    project_id, token_id = _within_project(import_id, "token")
    try:
        token = find_token(client, project_id, token_id)
    except NotFound:
        return None
    if token is None:
        return None
    description = plain(token.description)
    state = ProjectTokenState(project_id=project_id, description=description, secret_known=False)  # no secret
    inputs: dict[str, Any] = {"project_id": project_id, "description": description}
    return token_id, {**state.outputs(), DECLARED_INPUTS: declared_paths(ProjectTokenArgs, inputs)}, inputs


def _within_project(import_id: str, what: str) -> tuple[str, str]:
    project_id, _, object_id = import_id.partition("/")
    if not project_id or not object_id or "/" in object_id:
        raise DepotResourceError(
            f"import id {import_id!r}: give <project id>/<{what} id> (Depot finds a {what} only within its project)"
        )
    return project_id, object_id
