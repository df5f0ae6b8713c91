"""The base of the AWS token sinks' resources: its "client" is the session's AwsClients, configured by
depot:awsEndpointUrl, needing no Depot token; every token value it handles is kept out of messages."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar, TypeVar

from pulumi_depot_provider.resources.aws_store import AwsClients, refusal
from pulumi_depot_provider.resources.core import ResourceCore
from pulumi_depot_provider.resources.diffs import PropertyDiff
from pulumi_depot_provider.resources.fields import InputModel, OutputModel
from pulumi_depot_provider.resources.values import CheckFailure, DepotResourceError

ArgsT = TypeVar("ArgsT", bound=InputModel)
StateT = TypeVar("StateT", bound=OutputModel)


class AwsTokenResource(ResourceCore[ArgsT, StateT, AwsClients]):
    store: ClassVar[str]

    def configuration_problem(self) -> str | None:
        return self.session.aws_problem

    def client(self) -> AwsClients:
        return self.session.aws_clients()

    def redact(self, message: str) -> str:
        return self.session.aws_redact(message)

    def input_failures(self, inputs: Mapping[str, Any]) -> list[CheckFailure]:
        self.session.remember_secret(inputs.get("value") if isinstance(inputs.get("value"), str) else None)
        name = inputs.get("name")
        subject = repr(name) if isinstance(name, str) else "(name not known yet)"
        reason = refusal(self.type_token, subject, inputs)
        return [CheckFailure("", reason)] if reason else []

    def require_value(self, args: Any) -> str:
        """The token to write; refuses (one line, nothing written) what is not a token Pulumi holds."""
        reason = refusal(self.type_token, self.describe(args), args.model_dump())
        if reason:
            raise DepotResourceError(reason)
        self.session.remember_secret(args.value)
        return str(args.value)

    def diff_properties(self, olds: Mapping[str, Any], news: Mapping[str, Any]) -> PropertyDiff:
        """The declared inputs against the outputs, plus any drift a refresh recorded (a secret scheduled for
        deletion or a resource policy edited by hand shows nowhere else)."""
        diff = super().diff_properties(olds, news)
        self.session.remember_secret(olds.get("value") if isinstance(olds.get("value"), str) else None)
        if olds.get("drift") and "drift" not in diff.changed:
            return PropertyDiff((*diff.changed, "drift"), diff.replaced)
        return diff
