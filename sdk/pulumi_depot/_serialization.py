"""A program may declare more than a thousand dynamic resources: undo the pickle patch the Pulumi SDK leaves behind.

The Python SDK's `pulumi.dynamic.dynamic.serialize_provider` (3.272) makes its pickling deterministic by replacing
`pickle._Pickler._batch_setitems` with a wrapper that sorts the items and calls the method it replaced, and
`_Pickler.save_dict` with a sorting one. It restores `pickle.Pickler` afterwards, but not these two: every
dynamic resource's serialization wraps the previous wrapper once more. Serializing a provider then recurses once
per dynamic resource declared so far, so after about 980 of them (Python's recursion limit of 1,000) every further
dynamic resource fails with "RecursionError: maximum recursion depth exceeded" — a fleet of 400 tenants (a
project, a token and a trust policy each) cannot be declared in one program. (Same symptom as pulumi/pulumi#17803,
closed for want of a reproduction.)

Importing pulumi_depot wraps serialize_provider (looked up by name on each dynamic.Resource, so every dynamic
resource of the program is covered) with one that puts both methods and `pickle.Pickler` back as they were after
each call. The serialized bytes are unchanged: sorting once or a hundred times gives the same order.
"""

from __future__ import annotations

import pickle
import threading
from collections.abc import Callable
from functools import wraps
from typing import Any

from pulumi.dynamic import dynamic as _dynamic

_RESTORES = "_pulumi_depot_restores_pickler"
_lock = threading.RLock()


def _restoring(serialize: Callable[[Any], str]) -> Callable[[Any], str]:
    @wraps(serialize)
    def serialize_provider(provider: Any) -> str:
        with _lock:
            saved = (
                pickle.Pickler,
                pickle._Pickler.__dict__["_batch_setitems"],
                pickle._Pickler.__dict__["save_dict"],
            )
            try:
                return serialize(provider)
            finally:
                pickle.Pickler = saved[0]  # type: ignore[misc]  # rebinding a class: restoring what the SDK swapped
                pickle._Pickler._batch_setitems = saved[1]  # type: ignore[attr-defined]  # private: absent from typeshed
                pickle._Pickler.save_dict = saved[2]  # type: ignore[attr-defined]  # private: absent from typeshed

    setattr(serialize_provider, _RESTORES, True)
    return serialize_provider


def install() -> None:
    """Idempotent: wrap pulumi.dynamic.dynamic.serialize_provider once."""
    if not getattr(_dynamic.serialize_provider, _RESTORES, False):
        _dynamic.serialize_provider = _restoring(_dynamic.serialize_provider)
