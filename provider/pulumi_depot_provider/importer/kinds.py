"""The resources a generated program declares, as the registry both front ends serve has them
(resources/registry.py): each is named by its dynamic SDK class (the type token's name) and adopted by its
`import_id` input, which takes the object's own id (the native plugin's `pulumi import` takes the entry's id_form
instead); a nested input by its SDK input type (the field's model's name with Args, as the SDK generator names it).
"""

from __future__ import annotations

import types
from dataclasses import dataclass
from typing import Any, Union, get_args, get_origin

from pydantic import BaseModel

from pulumi_depot_provider.resources.diffs import IMPORT_ID
from pulumi_depot_provider.resources.project import ProjectResource
from pulumi_depot_provider.resources.project_token import ProjectTokenResource
from pulumi_depot_provider.resources.registry import RESOURCES, Registered
from pulumi_depot_provider.resources.trust_policy import TrustPolicyResource
from pulumi_depot_provider.tokens import NATIVE_PREFIX

SDK_MODULE = "depot"  # the generated program's `import pulumi_depot as depot`


@dataclass(frozen=True)
class Declared:
    entry: Registered

    @property
    def sdk_class(self) -> str:
        """`depot.Project` for depot:Project."""
        return f"{SDK_MODULE}.{self.entry.native_token.removeprefix(NATIVE_PREFIX)}"

    def input_class(self, field: str) -> str:
        """The SDK input type of a nested input (`depot.CachePolicyArgs` for a project's cache_policy)."""
        annotation: Any = self.entry.core.args_model.model_fields[field].annotation
        if get_origin(annotation) in (Union, types.UnionType):
            (annotation,) = (member for member in get_args(annotation) if member is not type(None))
        if not (isinstance(annotation, type) and issubclass(annotation, BaseModel)):
            raise TypeError(f"{self.entry.core.type_token}.{field} is not a nested input")
        return f"{SDK_MODULE}.{getattr(annotation, 'schema_type', annotation.__name__)}Args"


def _declared(core: type[Any]) -> Declared:
    entry = next(entry for entry in RESOURCES if entry.core is core)
    if IMPORT_ID not in core.args_model.model_fields:
        raise TypeError(f"{core.type_token} cannot be adopted by {IMPORT_ID}: the importer cannot declare it")
    return Declared(entry)


PROJECT = _declared(ProjectResource)
TRUST_POLICY = _declared(TrustPolicyResource)
TOKEN = _declared(ProjectTokenResource)
