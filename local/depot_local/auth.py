"""Bearer tokens: who is calling and what they may do.

Organization tokens manage their organization's projects. Project tokens (from CreateToken) exist for builds of
one project: they may read that project (GetProject) and nothing else in ProjectService.
"""

from __future__ import annotations

from pulumi_depot_provider.client.errors import Code

from depot_local.connect import RpcError
from depot_local.store import Store, Token


def bearer_token(authorization: str) -> str:
    """The token in an `Authorization: Bearer <token>` header value."""
    if not authorization.strip():
        raise RpcError(Code.UNAUTHENTICATED, "missing Authorization header: send 'Authorization: Bearer <token>'")
    scheme, _, token = authorization.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise RpcError(Code.UNAUTHENTICATED, "malformed Authorization header: send 'Authorization: Bearer <token>'")
    return token.strip()


def authenticate(store: Store, secret: str) -> Token:
    token = store.find_token(secret)
    if token is None:
        raise RpcError(Code.UNAUTHENTICATED, "invalid token: it is unknown to this server or was deleted")
    return token


def require_org_token(caller: Token, method: str) -> str:
    """The caller's organization id, if the caller holds an organization token."""
    if caller.kind != "org":
        raise RpcError(
            Code.PERMISSION_DENIED,
            f"{method} needs an organization token; this project token only lets builds use its project",
        )
    return caller.org_id


def require_project_read(caller: Token, project_id: str) -> str:
    """The caller's organization id, if the caller may read project_id (an organization token, or that project's
    own token)."""
    if caller.kind == "project" and caller.project_id != project_id:
        raise RpcError(Code.PERMISSION_DENIED, "a project token can only read its own project")
    return caller.org_id
