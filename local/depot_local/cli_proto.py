"""Messages of depot.cli.v1beta1.ProjectsService, the CLI-only service behind `depot projects list`.

Built from a descriptor in code rather than a .proto: it is two small messages the Depot CLI alone uses, and the
repository's proto/ tree holds the public depot.core.v1 contract only. Field numbers follow Depot's CLI
(github.com/depot/cli, proto/depot/cli/v1beta1/projects.proto).
"""

from __future__ import annotations

from google.protobuf import descriptor, descriptor_pb2, descriptor_pool, message_factory
from google.protobuf.message import Message

PACKAGE = "depot.cli.v1beta1"
SERVICE = f"{PACKAGE}.ProjectsService"
_STRING = descriptor_pb2.FieldDescriptorProto.TYPE_STRING
_MESSAGE = descriptor_pb2.FieldDescriptorProto.TYPE_MESSAGE
_OPTIONAL = descriptor_pb2.FieldDescriptorProto.LABEL_OPTIONAL
_REPEATED = descriptor_pb2.FieldDescriptorProto.LABEL_REPEATED


def _strings(*names: str) -> list[descriptor_pb2.FieldDescriptorProto]:
    return [
        descriptor_pb2.FieldDescriptorProto(name=name, number=number, type=_STRING, label=_OPTIONAL)
        for number, name in enumerate(names, start=1)
    ]


def _file() -> descriptor_pb2.FileDescriptorProto:
    project = descriptor_pb2.DescriptorProto(name="Project", field=_strings("id", "name", "org_id", "org_name"))
    projects = descriptor_pb2.FieldDescriptorProto(
        name="projects",
        number=1,
        type=_MESSAGE,
        label=_REPEATED,
        type_name=f".{PACKAGE}.ListProjectsResponse.Project",
    )
    file = descriptor_pb2.FileDescriptorProto(name="depot/cli/v1beta1/projects.proto", package=PACKAGE, syntax="proto3")
    file.message_type.extend(
        [
            descriptor_pb2.DescriptorProto(name="ListProjectsRequest"),
            descriptor_pb2.DescriptorProto(name="ListProjectsResponse", field=[projects], nested_type=[project]),
            descriptor_pb2.DescriptorProto(name="ResetProjectCacheRequest", field=_strings("project_id")),
            descriptor_pb2.DescriptorProto(name="ResetProjectCacheResponse", field=_strings("name", "org_name")),
        ]
    )
    service = file.service.add(name="ProjectsService")
    for method in ("ListProjects", "ResetProjectCache"):
        service.method.add(
            name=method, input_type=f".{PACKAGE}.{method}Request", output_type=f".{PACKAGE}.{method}Response"
        )
    return file


_pool = descriptor_pool.DescriptorPool()
DESCRIPTOR: descriptor.FileDescriptor = _pool.Add(_file())  # type: ignore[no-untyped-call]  # unannotated in types-protobuf
SERVICE_DESCRIPTOR = DESCRIPTOR.services_by_name["ProjectsService"]


def _message(name: str, nested: str | None = None) -> type[Message]:
    found = DESCRIPTOR.message_types_by_name[name]
    return message_factory.GetMessageClass(found.nested_types_by_name[nested] if nested else found)


ListProjectsRequest = _message("ListProjectsRequest")
ListProjectsResponse = _message("ListProjectsResponse")
ListProjectsProject = _message("ListProjectsResponse", "Project")  # ListProjectsResponse.Project, typed
ResetProjectCacheRequest = _message("ResetProjectCacheRequest")
ResetProjectCacheResponse = _message("ResetProjectCacheResponse")
