"""TEST TOOLING (never installed with pulumi-depot): the two pieces of the engine that fast unit tests need.

Claims about the engine are tested under the real `pulumi` (testing/harness/pulumi_stack.py); these drive the
provider side directly, for tests that want one RPC or one registration at a time:

- ``host``: starts the real dynamic provider host (``python -u -m pulumi.dynamic``) and calls it over gRPC the way
  the engine does (Configure, Check, Diff, Create, Read, Update, Delete), with properties marshalled the engine's
  way (``props``: unknowns, secrets, acceptSecrets=False stripping, secret re-marking).
- ``program``: runs a Pulumi program in-process on the SDK's mock monitor and records every resource registration
  whole (type, name, parent, inputs with secrets visible, dependencies and options) and the stack outputs.

"""

from .host import PROVIDER_KEY, DynamicProviderHost, provider_input
from .program import (
    NewResource,
    ProgramError,
    ProgramRun,
    RegisteredResource,
    default_new_resource,
    run_program,
)
from .props import (
    UNKNOWN,
    PropertyError,
    Secret,
    annotate_secrets,
    contains_secrets,
    contains_unknowns,
    from_struct,
    mark_secret_outputs,
    strip_secrets,
    to_struct,
)
from .results import (
    CheckFailure,
    CheckResult,
    CreateResult,
    DiffResult,
    HostError,
    HostStartError,
    ReadResult,
)
from .urn import make_urn, parse_urn

__all__ = [
    "PROVIDER_KEY",
    "UNKNOWN",
    "CheckFailure",
    "CheckResult",
    "CreateResult",
    "DiffResult",
    "DynamicProviderHost",
    "HostError",
    "HostStartError",
    "NewResource",
    "ProgramError",
    "ProgramRun",
    "PropertyError",
    "ReadResult",
    "RegisteredResource",
    "Secret",
    "annotate_secrets",
    "contains_secrets",
    "contains_unknowns",
    "default_new_resource",
    "from_struct",
    "make_urn",
    "mark_secret_outputs",
    "parse_urn",
    "provider_input",
    "run_program",
    "strip_secrets",
    "to_struct",
]
