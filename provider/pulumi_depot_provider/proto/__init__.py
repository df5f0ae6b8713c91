"""Protobuf messages generated from proto/depot/core/v1/project.proto (scripts/gen_proto.py; do not edit)."""

from pulumi_depot_provider.proto.depot.core.v1 import project_pb2 as pb

__all__ = ["pb"]
