"""Engine-shaped TEST TOOLING for pulumi-depot -- not a Pulumi replacement.

The Pulumi CLI (the engine) cannot be installed everywhere this project is tested, so this package stands in for
the two parts of it that matter to a dynamic provider:

- ``host``: starts the real dynamic provider host (``python -u -m pulumi.dynamic``) and calls it over gRPC the way
  the engine does (Configure, Check, Diff, Create, Read, Update, Delete), with properties marshalled the engine's
  way (``props``: unknowns, secrets, acceptSecrets=False stripping, secret re-marking).
- ``program``: runs a Pulumi program in-process on the SDK's mock monitor and records every resource registration
  whole (type, name, parent, inputs with secrets visible, dependencies and options) and the stack outputs.

It does not plan or apply deployments by itself, keep state, or replace ``pulumi up``.
"""
