"""What the AWS token sinks share (depot:AwsSecretsManagerToken, depot:AwsSsmParameterToken).

- boto3, imported only when a sink talks to AWS: it is the optional extra ``pulumi-depot[aws]``, and a missing
  boto3 fails with one line naming it (the rest of pulumi-depot works without it).
- Credentials: boto3's usual chain (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN, AWS_PROFILE and
  the shared config files, SSO, web identity, container and instance roles), read by the provider host, which runs
  with the environment of `pulumi`.
- The endpoint: stack config ``depot:awsEndpointUrl`` (one URL for both services: moto's server in tests, or an
  AWS-compatible store), else boto3's own AWS_ENDPOINT_URL / AWS_ENDPOINT_URL_SECRETS_MANAGER /
  AWS_ENDPOINT_URL_SSM, else AWS. A plain http:// endpoint must be this machine unless ``depot:allowInsecureHttp``
  is true: the token would cross the network in cleartext.
- Errors: every AWS failure becomes one line (operation, AWS's code and message) with any secret value this host
  handled replaced by [redacted] (the session remembers them; the core redacts every failure line), printed
  without a traceback.
- Ownership: every secret or parameter a sink writes carries the tag ``managed-by=pulumi-depot``. A create that
  finds the name taken adopts the object only when it carries that tag (what an interrupted earlier create, or a
  destroy with a recovery window, left behind); anything else is refused, never overwritten.
- The refusal to write a token Pulumi does not hold (an adopted ProjectToken, whose secret Depot cannot show again):
  one line naming the sink, the token and the fix, at check (so a preview fails once the token is known) and again
  before any write.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from typing import Annotated, Any

from pydantic import AfterValidator, Field, StringConstraints

from pulumi_depot_provider.client.config import INSECURE_HTTP_ENV, checked_url, parse_flag
from pulumi_depot_provider.config import ALLOW_INSECURE_HTTP_KEY
from pulumi_depot_provider.resources.fields import Behaviour, OnChange, OutputModel
from pulumi_depot_provider.resources.values import DepotResourceError, is_unknown

AWS_EXTRA = "pulumi-depot[aws]"
ENDPOINT_KEY = "depot:awsEndpointUrl"
MANAGED_TAG_KEY = "managed-by"
MANAGED_TAG_VALUE = "pulumi-depot"
NOT_COMPARED = Behaviour(on_change=OnChange.IGNORE)
"""An input read by check only (value_known, token_name): a change of it alone is no change of the store."""

LEGACY_ADOPTED_PREFIX = "(not recoverable"
"""How versions of depot:ProjectToken before secret_known spelled an adopted token's `secret`: not a token."""

# --- input types ---------------------------------------------------------------------------------------------------

_REGION = re.compile(r"^[a-z]{2}(-[a-z]+)+-\d{1,2}$")


def _region(value: str) -> str:
    if not _REGION.match(value):
        raise ValueError("must be an AWS region such as us-east-1 or eu-central-1")
    return value


AwsRegion = Annotated[str, AfterValidator(_region)]

TagKey = Annotated[str, StringConstraints(min_length=1, max_length=128)]
TagValue = Annotated[str, StringConstraints(max_length=256)]
MAX_TAGS = 49  # AWS allows 50; one is managed-by=pulumi-depot


def _tags(value: dict[str, str] | None) -> dict[str, str] | None:
    if value is None:
        return None
    if len(value) > MAX_TAGS:
        raise ValueError(f"at most {MAX_TAGS} tags (AWS allows 50, and one is {MANAGED_TAG_KEY}={MANAGED_TAG_VALUE})")
    for key in value:
        if key.lower().startswith("aws:"):
            raise ValueError(f"the tag key {key!r} starts with 'aws:', which AWS reserves")
        if key == MANAGED_TAG_KEY:
            raise ValueError(f"the tag key {MANAGED_TAG_KEY!r} is set by pulumi-depot itself")
    return value


Tags = Annotated[dict[TagKey, TagValue], AfterValidator(_tags)]

KmsKeyId = Annotated[str, StringConstraints(min_length=1, max_length=2048, pattern=r"^\S+$")]


def secret_value_field(store: str) -> Any:
    return Field(
        None,
        description=f"The token to store in {store}: a Pulumi secret, normally a depot.ProjectToken's `secret` "
        "(the SDK's `token=`). Absent, or from a token adopted by import_id (value_known false), nothing is "
        "written and the deployment fails with the fix.",
    )


class TokenSinkState(OutputModel):
    """What both stores' states hold: where the token is, how it is stored, and what a refresh found changed.
    Each store's state adds its value (the token last written, a Pulumi secret), ARN and version."""

    name: str
    region: str
    value_known: bool | None = None
    token_name: str | None = None
    kms_key_id: str | None = None
    description: str | None = None
    tags: dict[str, str] | None = None
    drift: list[str] | None = Field(
        None, description="What the last refresh found changed outside Pulumi; the next up puts it right."
    )


VALUE_KNOWN_DOC = (
    "Whether the token's secret is held by Pulumi (a depot.ProjectToken's `secret_known`): false for a token "
    "adopted by import_id, which is then refused. Only read by check."
)
TOKEN_NAME_DOC = "The logical name of the depot.ProjectToken the value comes from, for messages. Only read by check."


# --- configuration -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AwsSettings:
    """The endpoint override (None: boto3's own resolution) and whether a plain-http one may leave this machine."""

    endpoint_url: str | None = None
    allow_insecure_http: bool = False

    @classmethod
    def resolve(cls, config: Any, environ: Mapping[str, str]) -> AwsSettings:
        """Stack config ``depot:awsEndpointUrl`` and ``depot:allowInsecureHttp`` (env DEPOT_ALLOW_INSECURE_HTTP).
        Raises ConfigurationError for an endpoint that cannot be used."""
        raw = config.get(ENDPOINT_KEY) if config is not None else None
        flag = config.get(ALLOW_INSECURE_HTTP_KEY) if config is not None else None
        if flag is not None and flag != "":
            allow = parse_flag(flag, ALLOW_INSECURE_HTTP_KEY)
        else:
            allow = parse_flag(environ.get(INSECURE_HTTP_ENV, ""), INSECURE_HTTP_ENV)
        if raw is None or raw == "":
            return cls(None, allow)
        return cls(endpoint_url(str(raw), allow_insecure_http=allow), allow)


def endpoint_url(text: str, *, allow_insecure_http: bool) -> str:
    return checked_url(
        text.strip(),
        ENDPOINT_KEY,
        allow_insecure_http=allow_insecure_http,
        example="http://127.0.0.1:5000",
        credentials_fix="use the AWS credential chain",
        cleartext="the tokens would cross the network in cleartext. Use https://, or on a network you trust "
        f"`pulumi config set {ALLOW_INSECURE_HTTP_KEY} true`",
    )


def _boto3() -> Any:
    try:
        import boto3  # the optional extra: loaded only when a sink talks to AWS
    except ImportError:
        raise DepotResourceError(
            f"boto3 is not installed: the AWS token sinks need the extra {AWS_EXTRA} "
            f"(pip install '{AWS_EXTRA}' in the program's virtualenv)"
        ) from None
    return boto3


def _user_agent() -> str:
    try:
        return f"pulumi-depot/{version('pulumi-depot')}"
    except PackageNotFoundError:
        return "pulumi-depot/0+unknown"


class AwsClients:
    """boto3 clients per (service, region), shared by every sink and thread of this host (boto3 clients are
    thread-safe; making them is not, hence the lock)."""

    def __init__(self, settings: AwsSettings) -> None:
        self.settings = settings
        self._clients: dict[tuple[str, str], Any] = {}
        self._lock = threading.Lock()
        self._session: Any = None

    def client(self, service: str, region: str) -> Any:
        with self._lock:
            found = self._clients.get((service, region))
            if found is None:
                boto3 = _boto3()
                from botocore.config import Config  # comes with boto3

                with aws_errors("connect"):
                    if self._session is None:
                        self._session = boto3.session.Session()
                    found = self._session.client(
                        service,
                        region_name=region,
                        endpoint_url=self.settings.endpoint_url,
                        config=Config(
                            retries={"max_attempts": 4, "mode": "standard"},
                            connect_timeout=10,
                            read_timeout=30,
                            user_agent_extra=_user_agent(),
                        ),
                    )
                self._clients[(service, region)] = found
            return found


# --- errors ------------------------------------------------------------------------------------------------------


class AwsError(DepotResourceError):
    """One failed AWS call: ``operation (Code): message``, on one line, secrets redacted."""

    def __init__(self, operation: str, code: str, message: str) -> None:
        self.operation = operation
        self.code = code
        super().__init__(redact(f"{operation} ({code}): {message}"))


AwsError.__module__ = "builtins"  # printed as "AwsError: ..." without a module path (see DepotResourceError)


def redact(message: str) -> str:
    """The message on one line. Token values are replaced by the session (Session.aws_redact) in the core's
    one-line failure, which every AWS failure passes through."""
    return " ".join(message.split())


@contextmanager
def aws_errors(operation: str) -> Iterator[None]:
    """botocore's exceptions as AwsError (ClientError keeps AWS's code) or one-line DepotResourceErrors."""
    try:
        yield
    except DepotResourceError:
        raise
    except Exception as error:
        import botocore.exceptions as aws  # installed: a client exists

        if isinstance(error, aws.ClientError):
            details = error.response.get("Error", {})
            raise AwsError(
                operation, str(details.get("Code", "Unknown")), str(details.get("Message", "") or error)
            ) from None
        if isinstance(error, aws.NoCredentialsError | aws.PartialCredentialsError):
            raise DepotResourceError(
                f"{operation}: no usable AWS credentials: set AWS_PROFILE, or AWS_ACCESS_KEY_ID and "
                "AWS_SECRET_ACCESS_KEY, in the environment of pulumi (or run where a role provides them)"
            ) from None
        if isinstance(error, aws.ProfileNotFound):
            raise DepotResourceError(f"{operation}: {redact(str(error))}: check AWS_PROFILE") from None
        if isinstance(error, aws.EndpointConnectionError | aws.ConnectTimeoutError | aws.ReadTimeoutError):
            raise DepotResourceError(f"{operation}: cannot reach AWS: {redact(str(error))}") from None
        if isinstance(error, aws.BotoCoreError):
            raise DepotResourceError(f"{operation}: {type(error).__name__}: {redact(str(error))}") from None
        raise


def call(operation: Callable[..., Any], **kwargs: Any) -> dict[str, Any]:
    """One AWS API call (a boto3 client method) with its failure as one line."""
    name = getattr(operation, "__name__", "call")
    with aws_errors("".join(part.capitalize() for part in name.split("_"))):
        answer: dict[str, Any] = operation(**kwargs)  # boto3's clients are untyped; every answer is a dict
        return answer


# --- tags ----------------------------------------------------------------------------------------------------------


def aws_tags(tags: Mapping[str, str] | None) -> list[dict[str, str]]:
    """The declared tags plus managed-by=pulumi-depot, in AWS's list form."""
    merged = {**(tags or {}), MANAGED_TAG_KEY: MANAGED_TAG_VALUE}
    return [{"Key": key, "Value": value} for key, value in sorted(merged.items())]


def tag_map(tags: Sequence[Mapping[str, str]] | None) -> dict[str, str]:
    return {tag["Key"]: tag.get("Value", "") for tag in tags or []}


def is_managed(tags: Mapping[str, str]) -> bool:
    return tags.get(MANAGED_TAG_KEY) == MANAGED_TAG_VALUE


def user_tags(tags: Mapping[str, str]) -> dict[str, str]:
    return {key: value for key, value in tags.items() if key != MANAGED_TAG_KEY}


@dataclass(frozen=True)
class TagChanges:
    set: dict[str, str]
    removed: list[str]


def tag_changes(live: Mapping[str, str], declared: Mapping[str, str] | None) -> TagChanges:
    """What to tag and untag so that the object has the declared tags (when declared) and the managed-by tag.
    Tags are authoritative only when declared: tags=None leaves the other tags alone."""
    wanted = {MANAGED_TAG_KEY: MANAGED_TAG_VALUE, **(declared or {})}
    changed = {key: value for key, value in wanted.items() if live.get(key) != value}
    removed = sorted(key for key in live if key not in wanted) if declared is not None else []
    return TagChanges(changed, removed)


def same_kms_key(live: str | None, declared: str) -> bool:
    """Whether the live KMS key is the declared one: AWS may report an alias or a key id as its ARN."""
    if live is None:
        return False
    return live == declared or live.endswith((f":{declared}", f"/{declared}"))


# --- the refusal ---------------------------------------------------------------------------------------------------


def refusal(type_token: str, subject: str, inputs: Mapping[str, Any]) -> str | None:
    """Why the token must not be written (one line with the fix), or None. Unknown values (a preview) are no
    reason: the token is then being created, and the real value is checked before anything is written."""
    value, known, token_name = inputs.get("value"), inputs.get("value_known"), inputs.get("token_name")
    token = f"depot:ProjectToken {token_name!r}" if isinstance(token_name, str) and token_name else "the token"
    fix = (
        f"set rotation_trigger on {token} (and remove its import_id), which replaces it with a new token whose "
        "secret Pulumi keeps, then run up again"
    )
    head = f"{type_token} {subject}: refusing to write the token: nothing was written"
    if known is False or (isinstance(value, str) and value.startswith(LEGACY_ADOPTED_PREFIX)):
        return (
            f"{head}: {token} was adopted with import_id, so Pulumi does not hold its secret (Depot shows a "
            f"token's secret only when it is created); {fix}"
        )
    if is_unknown(value):
        return None
    if value is None or value == "":
        return f"{head}: {token} has no secret (absent or empty); pass the depot.ProjectToken as token=, or {fix}"
    if not isinstance(value, str):
        return f"{head}: value must be a string (the token), not a {type(value).__name__}"
    return None
