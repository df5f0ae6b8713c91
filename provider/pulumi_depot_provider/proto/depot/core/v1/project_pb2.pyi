import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Hardware(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    HARDWARE_UNSPECIFIED: _ClassVar[Hardware]
    HARDWARE_16X32: _ClassVar[Hardware]
    HARDWARE_4X4: _ClassVar[Hardware]
    HARDWARE_8X8: _ClassVar[Hardware]
    HARDWARE_8X16: _ClassVar[Hardware]
    HARDWARE_32X64: _ClassVar[Hardware]
    HARDWARE_64X128: _ClassVar[Hardware]
    HARDWARE_96X192: _ClassVar[Hardware]
    HARDWARE_192X384: _ClassVar[Hardware]
HARDWARE_UNSPECIFIED: Hardware
HARDWARE_16X32: Hardware
HARDWARE_4X4: Hardware
HARDWARE_8X8: Hardware
HARDWARE_8X16: Hardware
HARDWARE_32X64: Hardware
HARDWARE_64X128: Hardware
HARDWARE_96X192: Hardware
HARDWARE_192X384: Hardware

class CachePolicy(_message.Message):
    __slots__ = ("keep_bytes", "keep_days", "keep_gb")
    KEEP_BYTES_FIELD_NUMBER: _ClassVar[int]
    KEEP_DAYS_FIELD_NUMBER: _ClassVar[int]
    KEEP_GB_FIELD_NUMBER: _ClassVar[int]
    keep_bytes: int
    keep_days: int
    keep_gb: int
    def __init__(self, keep_bytes: _Optional[int] = ..., keep_days: _Optional[int] = ..., keep_gb: _Optional[int] = ...) -> None: ...

class Project(_message.Message):
    __slots__ = ("project_id", "organization_id", "name", "region_id", "created_at", "cache_policy", "hardware")
    PROJECT_ID_FIELD_NUMBER: _ClassVar[int]
    ORGANIZATION_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    REGION_ID_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    CACHE_POLICY_FIELD_NUMBER: _ClassVar[int]
    HARDWARE_FIELD_NUMBER: _ClassVar[int]
    project_id: str
    organization_id: str
    name: str
    region_id: str
    created_at: _timestamp_pb2.Timestamp
    cache_policy: CachePolicy
    hardware: Hardware
    def __init__(self, project_id: _Optional[str] = ..., organization_id: _Optional[str] = ..., name: _Optional[str] = ..., region_id: _Optional[str] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., cache_policy: _Optional[_Union[CachePolicy, _Mapping]] = ..., hardware: _Optional[_Union[Hardware, str]] = ...) -> None: ...

class ListProjectsRequest(_message.Message):
    __slots__ = ("region_id", "page_size", "page_token")
    REGION_ID_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    region_id: str
    page_size: int
    page_token: str
    def __init__(self, region_id: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListProjectsResponse(_message.Message):
    __slots__ = ("projects", "next_page_token")
    PROJECTS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    projects: _containers.RepeatedCompositeFieldContainer[Project]
    next_page_token: str
    def __init__(self, projects: _Optional[_Iterable[_Union[Project, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class GetProjectRequest(_message.Message):
    __slots__ = ("project_id",)
    PROJECT_ID_FIELD_NUMBER: _ClassVar[int]
    project_id: str
    def __init__(self, project_id: _Optional[str] = ...) -> None: ...

class GetProjectResponse(_message.Message):
    __slots__ = ("project",)
    PROJECT_FIELD_NUMBER: _ClassVar[int]
    project: Project
    def __init__(self, project: _Optional[_Union[Project, _Mapping]] = ...) -> None: ...

class CreateProjectRequest(_message.Message):
    __slots__ = ("name", "organization_id", "region_id", "cache_policy", "hardware")
    NAME_FIELD_NUMBER: _ClassVar[int]
    ORGANIZATION_ID_FIELD_NUMBER: _ClassVar[int]
    REGION_ID_FIELD_NUMBER: _ClassVar[int]
    CACHE_POLICY_FIELD_NUMBER: _ClassVar[int]
    HARDWARE_FIELD_NUMBER: _ClassVar[int]
    name: str
    organization_id: str
    region_id: str
    cache_policy: CachePolicy
    hardware: Hardware
    def __init__(self, name: _Optional[str] = ..., organization_id: _Optional[str] = ..., region_id: _Optional[str] = ..., cache_policy: _Optional[_Union[CachePolicy, _Mapping]] = ..., hardware: _Optional[_Union[Hardware, str]] = ...) -> None: ...

class CreateProjectResponse(_message.Message):
    __slots__ = ("project",)
    PROJECT_FIELD_NUMBER: _ClassVar[int]
    project: Project
    def __init__(self, project: _Optional[_Union[Project, _Mapping]] = ...) -> None: ...

class UpdateProjectRequest(_message.Message):
    __slots__ = ("project_id", "name", "region_id", "cache_policy", "hardware")
    PROJECT_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    REGION_ID_FIELD_NUMBER: _ClassVar[int]
    CACHE_POLICY_FIELD_NUMBER: _ClassVar[int]
    HARDWARE_FIELD_NUMBER: _ClassVar[int]
    project_id: str
    name: str
    region_id: str
    cache_policy: CachePolicy
    hardware: Hardware
    def __init__(self, project_id: _Optional[str] = ..., name: _Optional[str] = ..., region_id: _Optional[str] = ..., cache_policy: _Optional[_Union[CachePolicy, _Mapping]] = ..., hardware: _Optional[_Union[Hardware, str]] = ...) -> None: ...

class UpdateProjectResponse(_message.Message):
    __slots__ = ("project",)
    PROJECT_FIELD_NUMBER: _ClassVar[int]
    project: Project
    def __init__(self, project: _Optional[_Union[Project, _Mapping]] = ...) -> None: ...

class DeleteProjectRequest(_message.Message):
    __slots__ = ("project_id",)
    PROJECT_ID_FIELD_NUMBER: _ClassVar[int]
    project_id: str
    def __init__(self, project_id: _Optional[str] = ...) -> None: ...

class DeleteProjectResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ResetProjectRequest(_message.Message):
    __slots__ = ("project_id",)
    PROJECT_ID_FIELD_NUMBER: _ClassVar[int]
    project_id: str
    def __init__(self, project_id: _Optional[str] = ...) -> None: ...

class ResetProjectResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class TrustPolicy(_message.Message):
    __slots__ = ("trust_policy_id", "buildkite", "circleci", "github")
    class Buildkite(_message.Message):
        __slots__ = ("organization_slug", "pipeline_slug")
        ORGANIZATION_SLUG_FIELD_NUMBER: _ClassVar[int]
        PIPELINE_SLUG_FIELD_NUMBER: _ClassVar[int]
        organization_slug: str
        pipeline_slug: str
        def __init__(self, organization_slug: _Optional[str] = ..., pipeline_slug: _Optional[str] = ...) -> None: ...
    class CircleCI(_message.Message):
        __slots__ = ("organization_uuid", "project_uuid")
        ORGANIZATION_UUID_FIELD_NUMBER: _ClassVar[int]
        PROJECT_UUID_FIELD_NUMBER: _ClassVar[int]
        organization_uuid: str
        project_uuid: str
        def __init__(self, organization_uuid: _Optional[str] = ..., project_uuid: _Optional[str] = ...) -> None: ...
    class GitHub(_message.Message):
        __slots__ = ("repository_owner", "repository")
        REPOSITORY_OWNER_FIELD_NUMBER: _ClassVar[int]
        REPOSITORY_FIELD_NUMBER: _ClassVar[int]
        repository_owner: str
        repository: str
        def __init__(self, repository_owner: _Optional[str] = ..., repository: _Optional[str] = ...) -> None: ...
    TRUST_POLICY_ID_FIELD_NUMBER: _ClassVar[int]
    BUILDKITE_FIELD_NUMBER: _ClassVar[int]
    CIRCLECI_FIELD_NUMBER: _ClassVar[int]
    GITHUB_FIELD_NUMBER: _ClassVar[int]
    trust_policy_id: str
    buildkite: TrustPolicy.Buildkite
    circleci: TrustPolicy.CircleCI
    github: TrustPolicy.GitHub
    def __init__(self, trust_policy_id: _Optional[str] = ..., buildkite: _Optional[_Union[TrustPolicy.Buildkite, _Mapping]] = ..., circleci: _Optional[_Union[TrustPolicy.CircleCI, _Mapping]] = ..., github: _Optional[_Union[TrustPolicy.GitHub, _Mapping]] = ...) -> None: ...

class ListTrustPoliciesRequest(_message.Message):
    __slots__ = ("project_id",)
    PROJECT_ID_FIELD_NUMBER: _ClassVar[int]
    project_id: str
    def __init__(self, project_id: _Optional[str] = ...) -> None: ...

class ListTrustPoliciesResponse(_message.Message):
    __slots__ = ("trust_policies",)
    TRUST_POLICIES_FIELD_NUMBER: _ClassVar[int]
    trust_policies: _containers.RepeatedCompositeFieldContainer[TrustPolicy]
    def __init__(self, trust_policies: _Optional[_Iterable[_Union[TrustPolicy, _Mapping]]] = ...) -> None: ...

class AddTrustPolicyRequest(_message.Message):
    __slots__ = ("project_id", "buildkite", "circleci", "github")
    PROJECT_ID_FIELD_NUMBER: _ClassVar[int]
    BUILDKITE_FIELD_NUMBER: _ClassVar[int]
    CIRCLECI_FIELD_NUMBER: _ClassVar[int]
    GITHUB_FIELD_NUMBER: _ClassVar[int]
    project_id: str
    buildkite: TrustPolicy.Buildkite
    circleci: TrustPolicy.CircleCI
    github: TrustPolicy.GitHub
    def __init__(self, project_id: _Optional[str] = ..., buildkite: _Optional[_Union[TrustPolicy.Buildkite, _Mapping]] = ..., circleci: _Optional[_Union[TrustPolicy.CircleCI, _Mapping]] = ..., github: _Optional[_Union[TrustPolicy.GitHub, _Mapping]] = ...) -> None: ...

class AddTrustPolicyResponse(_message.Message):
    __slots__ = ("trust_policy",)
    TRUST_POLICY_FIELD_NUMBER: _ClassVar[int]
    trust_policy: TrustPolicy
    def __init__(self, trust_policy: _Optional[_Union[TrustPolicy, _Mapping]] = ...) -> None: ...

class RemoveTrustPolicyRequest(_message.Message):
    __slots__ = ("project_id", "trust_policy_id")
    PROJECT_ID_FIELD_NUMBER: _ClassVar[int]
    TRUST_POLICY_ID_FIELD_NUMBER: _ClassVar[int]
    project_id: str
    trust_policy_id: str
    def __init__(self, project_id: _Optional[str] = ..., trust_policy_id: _Optional[str] = ...) -> None: ...

class RemoveTrustPolicyResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ListTokensRequest(_message.Message):
    __slots__ = ("project_id",)
    PROJECT_ID_FIELD_NUMBER: _ClassVar[int]
    project_id: str
    def __init__(self, project_id: _Optional[str] = ...) -> None: ...

class ListTokensResponse(_message.Message):
    __slots__ = ("tokens",)
    class Token(_message.Message):
        __slots__ = ("token_id", "description")
        TOKEN_ID_FIELD_NUMBER: _ClassVar[int]
        DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
        token_id: str
        description: str
        def __init__(self, token_id: _Optional[str] = ..., description: _Optional[str] = ...) -> None: ...
    TOKENS_FIELD_NUMBER: _ClassVar[int]
    tokens: _containers.RepeatedCompositeFieldContainer[ListTokensResponse.Token]
    def __init__(self, tokens: _Optional[_Iterable[_Union[ListTokensResponse.Token, _Mapping]]] = ...) -> None: ...

class CreateTokenRequest(_message.Message):
    __slots__ = ("project_id", "description")
    PROJECT_ID_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    project_id: str
    description: str
    def __init__(self, project_id: _Optional[str] = ..., description: _Optional[str] = ...) -> None: ...

class CreateTokenResponse(_message.Message):
    __slots__ = ("token_id", "secret")
    TOKEN_ID_FIELD_NUMBER: _ClassVar[int]
    SECRET_FIELD_NUMBER: _ClassVar[int]
    token_id: str
    secret: str
    def __init__(self, token_id: _Optional[str] = ..., secret: _Optional[str] = ...) -> None: ...

class UpdateTokenRequest(_message.Message):
    __slots__ = ("token_id", "description")
    TOKEN_ID_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    token_id: str
    description: str
    def __init__(self, token_id: _Optional[str] = ..., description: _Optional[str] = ...) -> None: ...

class UpdateTokenResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class DeleteTokenRequest(_message.Message):
    __slots__ = ("token_id",)
    TOKEN_ID_FIELD_NUMBER: _ClassVar[int]
    token_id: str
    def __init__(self, token_id: _Optional[str] = ...) -> None: ...

class DeleteTokenResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ListOrganizationsRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ListOrganizationsResponse(_message.Message):
    __slots__ = ("organizations",)
    ORGANIZATIONS_FIELD_NUMBER: _ClassVar[int]
    organizations: _containers.RepeatedCompositeFieldContainer[Organization]
    def __init__(self, organizations: _Optional[_Iterable[_Union[Organization, _Mapping]]] = ...) -> None: ...

class Organization(_message.Message):
    __slots__ = ("org_id", "name", "created_at")
    ORG_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    org_id: str
    name: str
    created_at: _timestamp_pb2.Timestamp
    def __init__(self, org_id: _Optional[str] = ..., name: _Optional[str] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...
