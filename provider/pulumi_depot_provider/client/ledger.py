"""What one client has put on the projects it created: their tokens and trust policies.

A project that CreateProject has just answered for is new, so it holds no tokens and no trust policies. From then
on this ledger records every call the client makes to them. A create on such a project then knows what the project
held before it (the exactly-once creates need that) without calling ListTokens or ListTrustPolicies, which used to
cost two calls per tenant of a fleet.

The ledger stops answering for a project as soon as it cannot account for something: a call on the project that
failed (it may have committed), a token deleted or renamed that it did not record, or the project itself deleted.
The callers then list the project, as they do for any project this process did not create. Reads (refresh, drift)
never use it: they always ask Depot.

Consistency: what another client puts on one of these projects while this process runs is not in the ledger. A
token or policy that a create then finds after an ambiguous failure is taken for one of its own attempts (a
token is deleted and made again, a policy is kept), as for anything added between a listing and a create.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from google.protobuf.message import Message

from pulumi_depot_provider.proto import pb

CHILD_MUTATIONS = frozenset(
    {"CreateToken", "UpdateToken", "DeleteToken", "AddTrustPolicy", "RemoveTrustPolicy", "DeleteProject"}
)


@dataclass
class _Held:
    tokens: dict[str, pb.ListTokensResponse.Token] = field(default_factory=dict)
    policies: dict[str, pb.TrustPolicy] = field(default_factory=dict)


class ProjectLedger:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._projects: dict[str, _Held] = {}
        self._token_project: dict[str, str] = {}

    def tokens(self, project_id: str) -> list[pb.ListTokensResponse.Token] | None:
        """The project's tokens, if this client created it and can account for them; else None."""
        with self._lock:
            held = self._projects.get(project_id)
            return None if held is None else list(held.tokens.values())

    def trust_policies(self, project_id: str) -> list[pb.TrustPolicy] | None:
        """The project's trust policies, if this client created it and can account for them; else None."""
        with self._lock:
            held = self._projects.get(project_id)
            return None if held is None else list(held.policies.values())

    def succeeded(self, method: str, request: Message, answer: Message) -> None:
        with self._lock:
            match method, request, answer:
                case "CreateProject", _, pb.CreateProjectResponse(project=project):
                    self._projects[project.project_id] = _Held()
                case "DeleteProject", pb.DeleteProjectRequest(project_id=project_id), _:
                    self._drop(project_id)
                case "CreateToken", pb.CreateTokenRequest(project_id=project_id, description=text), _:
                    held = self._projects.get(project_id)
                    if held is not None:
                        assert isinstance(answer, pb.CreateTokenResponse)
                        held.tokens[answer.token_id] = pb.ListTokensResponse.Token(
                            token_id=answer.token_id, description=text
                        )
                        self._token_project[answer.token_id] = project_id
                case "UpdateToken", pb.UpdateTokenRequest(token_id=token_id, description=text), _:
                    held = self._token_holder(token_id)
                    if held is not None:
                        held.tokens[token_id] = pb.ListTokensResponse.Token(token_id=token_id, description=text)
                case "DeleteToken", pb.DeleteTokenRequest(token_id=token_id), _:
                    held = self._token_holder(token_id)
                    if held is not None:
                        del held.tokens[token_id]
                    self._token_project.pop(token_id, None)
                case "AddTrustPolicy", pb.AddTrustPolicyRequest(project_id=project_id), _:
                    held = self._projects.get(project_id)
                    if held is not None:
                        assert isinstance(answer, pb.AddTrustPolicyResponse)
                        held.policies[answer.trust_policy.trust_policy_id] = answer.trust_policy
                case "RemoveTrustPolicy", pb.RemoveTrustPolicyRequest(project_id=project_id, trust_policy_id=gone), _:
                    held = self._projects.get(project_id)
                    if held is not None:
                        held.policies.pop(gone, None)

    def failed(self, method: str, request: Message) -> None:
        """A call that failed may still have changed the project: stop answering for it."""
        if method not in CHILD_MUTATIONS:
            return
        with self._lock:
            project_id = getattr(request, "project_id", "") or self._token_project.get(
                getattr(request, "token_id", ""), ""
            )
            if project_id:
                self._drop(project_id)

    def _token_holder(self, token_id: str) -> _Held | None:
        """The record of the project holding this token. A token it never recorded may sit on one of its projects
        (added by another client): nothing can be dropped for it, as nothing says which."""
        project_id = self._token_project.get(token_id)
        return None if project_id is None else self._projects.get(project_id)

    def _drop(self, project_id: str) -> None:
        held = self._projects.pop(project_id, None)
        if held is not None:
            for token_id in held.tokens:
                self._token_project.pop(token_id, None)
