"""depot.core.v1.ProjectService and OrganizationService: the logic of each method, over the Store.

Blocking (SQLite): the ASGI app runs `Service.call` in a worker thread.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Callable
from typing import Any

from google.protobuf.message import Message
from google.protobuf.timestamp_pb2 import Timestamp
from pulumi_depot_provider.client.errors import Code
from pulumi_depot_provider.client.project_settings import DEFAULT_KEEP_DAYS, DEFAULT_KEEP_GB, GIB
from pulumi_depot_provider.proto import pb

from depot_local import cli_proto
from depot_local import store as rows
from depot_local import validation as valid
from depot_local.auth import authenticate, require_org_token, require_project_read
from depot_local.connect import RpcError, invalid
from depot_local.ids import new_secret
from depot_local.store import ProjectChanges, Store

MAX_PAGE_SIZE = 1000
PAGE_TOKEN_PREFIX = "after:"
PAGE_TOKEN_SEQ = re.compile(r"[0-9]{1,19}")  # ASCII digits only (\d and int() accept every script's digits)
MAX_SEQ = 2**63 - 1  # SQLite INTEGER
MAX_PAGE_TOKEN_CHARS = 64  # ours are about 12


def not_found(what: str, object_id: str) -> RpcError:
    # The same words whether the object is missing or belongs to another organization.
    return RpcError(Code.NOT_FOUND, f"{what} {object_id!r} not found")


def _timestamp(nanoseconds: int) -> Timestamp:
    stamp = Timestamp()
    stamp.FromNanoseconds(nanoseconds)
    return stamp


def project_message(project: rows.Project) -> pb.Project:
    return pb.Project(
        project_id=project.project_id,
        organization_id=project.org_id,
        name=project.name,
        region_id=project.region_id,
        created_at=_timestamp(project.created_at_ns),
        cache_policy=pb.CachePolicy(
            keep_gb=project.keep_gb, keep_bytes=project.keep_gb * GIB, keep_days=project.keep_days
        ),
        hardware=project.hardware,  # type: ignore[arg-type]  # an open enum: any int passes, listed or not
    )


def trust_policy_message(policy: rows.TrustPolicy) -> pb.TrustPolicy:
    message = pb.TrustPolicy(trust_policy_id=policy.trust_policy_id)
    member = getattr(message, policy.provider)  # the oneof's member named by the row
    member.CopyFrom(type(member)(**policy.fields))  # sets the oneof to it
    return message


def encode_page_token(seq: int) -> str:
    return base64.urlsafe_b64encode(f"{PAGE_TOKEN_PREFIX}{seq}".encode()).decode().rstrip("=")


def decode_page_token(token: str) -> int:
    """The seq a token we issued names. Anything else is invalid_argument: the seq must be plain ASCII digits
    that fit SQLite's INTEGER (int() alone also takes signs, spaces, other scripts' digits and numbers too big
    to bind, which failed as an OverflowError inside the query)."""
    try:
        text = base64.urlsafe_b64decode(token[:MAX_PAGE_TOKEN_CHARS] + "=" * (-len(token) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        text = ""
    digits = text.removeprefix(PAGE_TOKEN_PREFIX) if text.startswith(PAGE_TOKEN_PREFIX) else ""
    if len(token) <= MAX_PAGE_TOKEN_CHARS and PAGE_TOKEN_SEQ.fullmatch(digits) and int(digits) <= MAX_SEQ:
        return int(digits)
    raise invalid("page_token is not one this server issued; pass next_page_token from the previous response")


class Service:
    def __init__(self, store: Store) -> None:
        self.store = store
        self._handlers: dict[str, Callable[[rows.Token, Any], Message]] = {
            "ListProjects": self.list_projects,
            "GetProject": self.get_project,
            "CreateProject": self.create_project,
            "UpdateProject": self.update_project,
            "DeleteProject": self.delete_project,
            "ResetProject": self.reset_project,
            "ListTrustPolicies": self.list_trust_policies,
            "AddTrustPolicy": self.add_trust_policy,
            "RemoveTrustPolicy": self.remove_trust_policy,
            "ListTokens": self.list_tokens,
            "CreateToken": self.create_token,
            "UpdateToken": self.update_token,
            "DeleteToken": self.delete_token,
            "ListOrganizations": self.list_organizations,
            "cli.ListProjects": self.cli_list_projects,
            "cli.ResetProjectCache": self.cli_reset_project_cache,
        }

    def call(self, method: str, secret: str, request: Message) -> Message:
        caller = authenticate(self.store, secret)
        return self._handlers[method](caller, request)

    def _project(self, caller: rows.Token, method: str, project_id: str) -> rows.Project:
        """A project an organization token's caller may manage, or not_found."""
        org_id = require_org_token(caller, method)
        project = self.store.get_project(org_id, valid.required_id("project_id", project_id))
        if project is None:
            raise not_found("project", project_id)
        return project

    def list_projects(self, caller: rows.Token, request: pb.ListProjectsRequest) -> pb.ListProjectsResponse:
        org_id = require_org_token(caller, "ListProjects")
        region_id = valid.region(request.region_id) if request.region_id else None
        after = decode_page_token(request.page_token) if request.page_token else 0
        if request.page_size < 0:
            raise invalid(f"page_size is {request.page_size}; use a positive number, or omit it for every project")
        # No page_size means everything at once: clients from before paging (SDK 1.4.0) ignore next_page_token.
        page_size = min(request.page_size, MAX_PAGE_SIZE) or None
        found = self.store.list_projects(org_id, region_id, after, None if page_size is None else page_size + 1)
        response = pb.ListProjectsResponse(projects=[project_message(p) for p in found[:page_size]])
        if page_size is not None and len(found) > page_size:
            response.next_page_token = encode_page_token(found[page_size - 1].seq)
        return response

    def get_project(self, caller: rows.Token, request: pb.GetProjectRequest) -> pb.GetProjectResponse:
        project_id = valid.required_id("project_id", request.project_id)
        project = self.store.get_project(require_project_read(caller, project_id), project_id)
        if project is None:
            raise not_found("project", project_id)
        return pb.GetProjectResponse(project=project_message(project))

    def create_project(self, caller: rows.Token, request: pb.CreateProjectRequest) -> pb.CreateProjectResponse:
        org_id = require_org_token(caller, "CreateProject")
        if request.organization_id and request.organization_id != org_id:
            raise not_found("organization", request.organization_id)
        name = valid.name(request.name)
        region_id = valid.region(request.region_id)
        keep_gb, keep_days = DEFAULT_KEEP_GB, DEFAULT_KEEP_DAYS
        if request.HasField("cache_policy"):
            keep_gb, keep_days = valid.cache_policy(request.cache_policy)
        hardware = valid.hardware(request.hardware)
        project = self.store.create_project(org_id, name, region_id, keep_gb, keep_days, hardware)
        return pb.CreateProjectResponse(project=project_message(project))

    def update_project(self, caller: rows.Token, request: pb.UpdateProjectRequest) -> pb.UpdateProjectResponse:
        org_id = require_org_token(caller, "UpdateProject")
        project_id = valid.required_id("project_id", request.project_id)
        changes = ProjectChanges()
        if request.HasField("name"):
            changes.name = valid.name(request.name)
        if request.HasField("region_id"):
            changes.region_id = valid.region(request.region_id)
        if request.HasField("cache_policy"):
            changes.keep_gb, changes.keep_days = valid.cache_policy(request.cache_policy)
        if request.HasField("hardware"):
            changes.hardware = valid.hardware(request.hardware)
        project = self.store.update_project(org_id, project_id, changes)
        if project is None:
            raise not_found("project", project_id)
        return pb.UpdateProjectResponse(project=project_message(project))

    def delete_project(self, caller: rows.Token, request: pb.DeleteProjectRequest) -> pb.DeleteProjectResponse:
        org_id = require_org_token(caller, "DeleteProject")
        if not self.store.delete_project(org_id, valid.required_id("project_id", request.project_id)):
            raise not_found("project", request.project_id)
        return pb.DeleteProjectResponse()

    def reset_project(self, caller: rows.Token, request: pb.ResetProjectRequest) -> pb.ResetProjectResponse:
        # Nothing is cached locally: resetting a project that exists is a no-op that succeeds.
        self._project(caller, "ResetProject", request.project_id)
        return pb.ResetProjectResponse()

    def list_trust_policies(
        self, caller: rows.Token, request: pb.ListTrustPoliciesRequest
    ) -> pb.ListTrustPoliciesResponse:
        project = self._project(caller, "ListTrustPolicies", request.project_id)
        policies = self.store.list_trust_policies(project.project_id)
        return pb.ListTrustPoliciesResponse(trust_policies=[trust_policy_message(p) for p in policies])

    def add_trust_policy(self, caller: rows.Token, request: pb.AddTrustPolicyRequest) -> pb.AddTrustPolicyResponse:
        org_id = require_org_token(caller, "AddTrustPolicy")
        project_id = valid.required_id("project_id", request.project_id)
        provider, fields = valid.trust_policy(request)
        policy = self.store.add_trust_policy(org_id, project_id, provider, fields)
        if policy is None:
            raise not_found("project", project_id)
        return pb.AddTrustPolicyResponse(trust_policy=trust_policy_message(policy))

    def remove_trust_policy(
        self, caller: rows.Token, request: pb.RemoveTrustPolicyRequest
    ) -> pb.RemoveTrustPolicyResponse:
        project = self._project(caller, "RemoveTrustPolicy", request.project_id)
        trust_policy_id = valid.required_id("trust_policy_id", request.trust_policy_id)
        if not self.store.remove_trust_policy(project.project_id, trust_policy_id):
            raise RpcError(
                Code.NOT_FOUND, f"trust policy {trust_policy_id!r} not found in project {project.project_id!r}"
            )
        return pb.RemoveTrustPolicyResponse()

    def list_tokens(self, caller: rows.Token, request: pb.ListTokensRequest) -> pb.ListTokensResponse:
        project = self._project(caller, "ListTokens", request.project_id)
        tokens = self.store.list_project_tokens(project.project_id)
        return pb.ListTokensResponse(
            tokens=[pb.ListTokensResponse.Token(token_id=t.token_id, description=t.description) for t in tokens]
        )

    def create_token(self, caller: rows.Token, request: pb.CreateTokenRequest) -> pb.CreateTokenResponse:
        org_id = require_org_token(caller, "CreateToken")
        project_id = valid.required_id("project_id", request.project_id)
        description = valid.text("description", request.description)
        secret = new_secret("project")
        token = self.store.add_project_token(org_id, project_id, secret, description)
        if token is None:
            raise not_found("project", project_id)
        return pb.CreateTokenResponse(token_id=token.token_id, secret=secret)

    def update_token(self, caller: rows.Token, request: pb.UpdateTokenRequest) -> pb.UpdateTokenResponse:
        org_id = require_org_token(caller, "UpdateToken")
        token_id = valid.required_id("token_id", request.token_id)
        description = valid.text("description", request.description)
        if not self.store.update_token(org_id, token_id, description):
            raise not_found("token", token_id)
        return pb.UpdateTokenResponse()

    def delete_token(self, caller: rows.Token, request: pb.DeleteTokenRequest) -> pb.DeleteTokenResponse:
        org_id = require_org_token(caller, "DeleteToken")
        token_id = valid.required_id("token_id", request.token_id)
        if not self.store.delete_token(org_id, token_id):
            raise not_found("token", token_id)
        return pb.DeleteTokenResponse()

    def list_organizations(
        self, caller: rows.Token, request: pb.ListOrganizationsRequest
    ) -> pb.ListOrganizationsResponse:
        org = self.store.get_org(require_org_token(caller, "ListOrganizations"))
        if org is None:  # the token's organization cannot vanish while its token exists (ON DELETE CASCADE)
            raise RpcError(Code.INTERNAL, "the token's organization is missing")
        return pb.ListOrganizationsResponse(
            organizations=[pb.Organization(org_id=org.org_id, name=org.name, created_at=_timestamp(org.created_at_ns))]
        )

    # depot.cli.v1beta1.ProjectsService: what `depot projects list` (and the CLI's cache reset) call.

    def _org_name(self, org_id: str) -> str:
        org = self.store.get_org(org_id)
        return "" if org is None else org.name

    def cli_list_projects(self, caller: rows.Token, request: Message) -> Message:
        org_id = require_org_token(caller, "ListProjects")
        org_name = self._org_name(org_id)
        projects = [
            cli_proto.ListProjectsProject(id=p.project_id, name=p.name, org_id=org_id, org_name=org_name)
            for p in self.store.list_projects(org_id, None, 0, None)
        ]
        return cli_proto.ListProjectsResponse(projects=projects)

    def cli_reset_project_cache(self, caller: rows.Token, request: Any) -> Message:
        project = self._project(caller, "ResetProjectCache", request.project_id)
        return cli_proto.ResetProjectCacheResponse(name=project.name, org_name=self._org_name(project.org_id))
