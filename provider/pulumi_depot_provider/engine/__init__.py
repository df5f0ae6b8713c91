"""Engine-shaped TEST TOOLING for pulumi-depot -- not a Pulumi replacement.

The Pulumi CLI (the engine) cannot be installed everywhere this project is tested, so this package stands in for
the two parts of it that matter to a dynamic provider:

- ``host``: starts the real dynamic provider host (``python -u -m pulumi.dynamic``) and calls it over gRPC the way
  the engine does (Configure, Check, Diff, Create, Read, Update, Delete), with properties marshalled the engine's
  way (``props``: unknowns, secrets, acceptSecrets=False stripping, secret re-marking).
- ``program``: runs a Pulumi program in-process on the SDK's mock monitor and records every resource registration
  whole (type, name, parent, inputs with secrets visible, dependencies and options) and the stack outputs.

- ``runner`` (``Runner``, and ``python -m pulumi_depot_provider.engine``): puts the two together into
  ``preview`` / ``up`` / ``refresh`` / ``destroy`` with engine-shaped steps (``deployment``) and a state file
  (``state``). It is used by the tests and by the quickstart when no Pulumi CLI is installed; it does not replace
  ``pulumi up``.
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
from .runner import Runner, RunnerError
from .state import ResourceState, StackState, StateError, StateFile
from .summary import Step, Summary
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
    "ResourceState",
    "Runner",
    "RunnerError",
    "Secret",
    "StackState",
    "StateError",
    "StateFile",
    "Step",
    "Summary",
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
