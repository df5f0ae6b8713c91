"""depot:Project — a Depot project (an isolated build cache): name, region, cache policy and hardware.

Diff rules: name, region, cache_policy and hardware update in place (UpdateProject sends only what changed);
organization_id replaces; a change of cache_reset_trigger resets the cache (ResetProject) and nothing else.
Omitted cache_policy, hardware and organization_id mean "whatever Depot has" and never show as changes.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, ClassVar, Literal, get_args

from pydantic import AfterValidator, Field, JsonValue, StringConstraints, model_validator

from pulumi_depot_provider import say
from pulumi_depot_provider.client import DepotClient, NotFound
from pulumi_depot_provider.client.project_settings import (
    DEFAULT_KEEP_DAYS,
    DEFAULT_KEEP_GB,
    GIB,
    INT32_MAX,
    MAX_NAME_LENGTH,
    Region,
)
from pulumi_depot_provider.proto import pb
from pulumi_depot_provider.resources.core import DepotResource, Found
from pulumi_depot_provider.resources.create_journal import CLOCK_SKEW
from pulumi_depot_provider.resources.diffs import DECLARED_INPUTS, PropertyDiff, declared_paths, diff_inputs
from pulumi_depot_provider.resources.exactly_once import Claim, create_exactly_once, recover_or_refuse
from pulumi_depot_provider.resources.fields import (
    CREATE_ONLY,
    UPDATES,
    Behaviour,
    CrossFieldError,
    ImportId,
    InputModel,
    OnChange,
    OrganizationId,
    OutputModel,
    WholeNumber,
    not_blank,
)
from pulumi_depot_provider.resources.project_read import ProjectCachePolicy, ProjectInfo, hardware_name
from pulumi_depot_provider.resources.stored import stored_provider
from pulumi_depot_provider.resources.values import DepotResourceError

HardwareName = Literal[
    "HARDWARE_UNSPECIFIED",
    "HARDWARE_16X32",
    "HARDWARE_4X4",
    "HARDWARE_8X8",
    "HARDWARE_8X16",
    "HARDWARE_32X64",
    "HARDWARE_64X128",
    "HARDWARE_96X192",
    "HARDWARE_192X384",
]
ProjectName = Annotated[str, StringConstraints(min_length=1, max_length=MAX_NAME_LENGTH), AfterValidator(not_blank)]


class CachePolicy(InputModel):
    """How much build cache Depot keeps for the project."""

    keep_gb: WholeNumber | None = Field(
        None, ge=1, le=INT32_MAX, description=f"Cache size limit in GB. Depot's default: {DEFAULT_KEEP_GB}."
    )
    keep_days: WholeNumber | None = Field(
        None,
        ge=0,
        le=INT32_MAX,
        description=f"Days to keep cache entries; 0 means no time limit. Depot's default: {DEFAULT_KEEP_DAYS}.",
    )
    keep_bytes: WholeNumber | None = Field(
        None,
        ge=GIB,
        le=INT32_MAX * GIB,
        description="The size limit in bytes, a whole number of GB (GB x 1024^3); it is converted to keep_gb.",
        json_schema_extra={"deprecationMessage": "Depot deprecated keep_bytes: use keep_gb."},
    )

    @model_validator(mode="after")
    def _in_gb(self) -> CachePolicy:
        if self.keep_bytes is not None:
            keep_gb, remainder = divmod(self.keep_bytes, GIB)
            if remainder:
                raise CrossFieldError(
                    "keep_bytes",
                    f"must be a whole number of GB (a multiple of {GIB}); set keep_gb instead",
                    ("keep_bytes",),
                )
            if self.keep_gb is not None and self.keep_gb != keep_gb:
                raise CrossFieldError(
                    "keep_gb",
                    f"keep_gb ({self.keep_gb}) and keep_bytes ({keep_gb} GB) disagree; set keep_gb alone",
                    ("keep_gb", "keep_bytes"),
                )
            self.keep_gb, self.keep_bytes = keep_gb, None
        if self.keep_gb is None and self.keep_days is None:
            raise CrossFieldError(
                "keep_gb",
                "set keep_gb and/or keep_days, or leave cache_policy out for Depot's defaults "
                f"({DEFAULT_KEEP_GB} GB, {DEFAULT_KEEP_DAYS} days)",
                ("keep_gb", "keep_days", "keep_bytes"),
            )
        return self


class EffectiveCachePolicy(OutputModel):
    """The cache policy Depot applies, as it reports it (keep_bytes consistent with keep_gb)."""

    schema_type: ClassVar[str] = "CachePolicy"

    keep_gb: int
    keep_days: int
    keep_bytes: int

    @classmethod
    def of(cls, policy: ProjectCachePolicy) -> EffectiveCachePolicy:
        return cls(keep_gb=policy.keep_gb, keep_days=policy.keep_days, keep_bytes=policy.keep_gb * GIB)


class ProjectArgs(InputModel):
    """A Depot project: an isolated build cache with its own region, cache policy and builder hardware."""

    resource_inputs = True

    name: Annotated[ProjectName, UPDATES] = Field(
        description="The project's name in Depot (1 to 64 characters, no control or invisible formatting characters)."
    )
    region: Annotated[Region, UPDATES] = Field(description="Where builds run: us-east-1 or eu-central-1.")
    cache_policy: Annotated[CachePolicy | None, Behaviour(depot_default=True)] = Field(
        None,
        description="Cache limits. Omitted: Depot's defaults (50 GB, 14 days), never reported as a change. "
        "Only the declared fields are managed; a field left out keeps Depot's value (on creation: the default).",
    )
    hardware: Annotated[HardwareName | None, Behaviour(depot_default=True)] = Field(
        None,
        description="Builder size, one of Depot's Hardware names (HARDWARE_4X4 ... HARDWARE_192X384; "
        "HARDWARE_UNSPECIFIED is Depot's default). Omitted: whatever Depot has.",
    )
    organization_id: Annotated[OrganizationId | None, Behaviour(OnChange.REPLACE, depot_default=True)] = Field(
        None,
        description="The Depot organization that owns the project. Omitted: the token's organization (an empty "
        "string is refused: leave it out instead). Changing it replaces the project.",
    )
    cache_reset_trigger: Annotated[JsonValue | None, UPDATES] = Field(
        None,
        description="Any value; changing it resets the project's cache (ResetProject: stops its builders and "
        "deletes all cached data) and changes nothing else. Removing it resets nothing.",
    )
    import_id: Annotated[ImportId | None, CREATE_ONLY] = Field(
        None,
        description="Adopt the existing project with this id instead of creating one: it must exist in the "
        "token's organization; declared differences are applied and listed in import_changes. "
        "Only consulted when the resource is created. An empty string is refused: leave it out to create.",
    )


class ProjectState(OutputModel):
    """The project as Depot has it, with the inputs that are not Depot's (triggers, import_id)."""

    name: str
    region: str
    cache_policy: EffectiveCachePolicy = Field(description="The effective cache policy (Depot's values).")
    hardware: str = Field(description="The effective Hardware name.")
    organization_id: str = Field(description="The organization that owns the project.")
    created_at: str = Field(description="When Depot created the project (RFC 3339).")
    cache_reset_trigger: JsonValue | None = None
    import_id: str | None = None
    import_changes: list[str] | None = Field(
        None, description="What adopting the project by import_id changed in Depot, one entry per setting."
    )

    @classmethod
    def of(cls, project: ProjectInfo, **kept: Any) -> ProjectState:
        """The outputs of the project as Depot reports it (the read model's fields by name; keep_bytes from
        keep_gb) with `kept`, what Depot does not hold. The fields are declared above for the schema and users'
        state, whose order and descriptions are not the invokes'."""
        depot = {name: getattr(project, name) for name in cls.model_fields if name in ProjectInfo.model_fields}
        return cls(**{**depot, "cache_policy": EffectiveCachePolicy.of(project.cache_policy), **kept})


def project_state(project: pb.Project, **kept: Any) -> ProjectState:
    return ProjectState.of(ProjectInfo.from_message(project), **kept)


def live_inputs(project: ProjectInfo) -> dict[str, Any]:
    """The inputs that declare the project as Depot reports it, for adopting it by id (`find`, the importer). Left
    out, which keeps Depot's value: a size limit of 0 (none reported) and a Hardware name this version does not
    know; either would fail the inputs' check."""
    policy = project.cache_policy
    size = {"keep_gb": policy.keep_gb} if policy.keep_gb >= 1 else {}
    inputs: dict[str, Any] = {
        "name": project.name,
        "region": project.region,
        "cache_policy": {**size, "keep_days": policy.keep_days},
    }
    if project.hardware in get_args(HardwareName):
        inputs["hardware"] = project.hardware
    return inputs


def update_fields(new: ProjectArgs, old: ProjectState, diff: PropertyDiff) -> dict[str, Any]:
    """UpdateProject's arguments for what changed, nothing else (explicit presence)."""
    fields: dict[str, Any] = {}
    if "name" in diff:
        fields["name"] = new.name
    if "region" in diff:
        fields["region_id"] = new.region
    if "cache_policy" in diff and new.cache_policy is not None:
        declared, current = new.cache_policy, old.cache_policy
        fields["cache_policy"] = pb.CachePolicy(
            keep_gb=declared.keep_gb if declared.keep_gb is not None else current.keep_gb,
            keep_days=declared.keep_days if declared.keep_days is not None else current.keep_days,
        )
    if "hardware" in diff and new.hardware is not None:
        fields["hardware"] = pb.Hardware.Value(new.hardware)
    return fields


def describe_changes(old: ProjectState, fields: dict[str, Any]) -> list[str]:
    """Human-readable list of what an UpdateProject call changes, e.g. "name: 'old' -> 'new'"."""
    changes = []
    if "name" in fields:
        changes.append(f"name: {old.name!r} -> {fields['name']!r}")
    if "region_id" in fields:
        changes.append(f"region: {old.region!r} -> {fields['region_id']!r}")
    if "cache_policy" in fields:
        for key in ("keep_gb", "keep_days"):
            before, after = getattr(old.cache_policy, key), getattr(fields["cache_policy"], key)
            if before != after:
                changes.append(f"cache_policy.{key}: {before} -> {after}")
    if "hardware" in fields:
        changes.append(f"hardware: {old.hardware} -> {hardware_name(fields['hardware'])}")
    return changes


class ProjectResource(DepotResource[ProjectArgs, ProjectState]):
    """depot:Project. Its dynamic provider class, in users' state, is this module's ProjectProvider."""

    type_token = "depot:Project"
    args_model = ProjectArgs
    state_model = ProjectState
    id_form = "its project id"

    def describe(self, model: ProjectArgs | ProjectState) -> str:
        return repr(model.name)

    def create_resource(self, client: DepotClient, args: ProjectArgs) -> tuple[str, ProjectState]:
        if args.import_id:
            return self._adopt(client, args)
        project, recovered = self._create_exactly_once(client, args)
        if recovered:
            project, changes = self._apply_declared(client, project, args)
            if changes:
                say.info(f"{self.label} {args.name!r}: changed {', '.join(changes)} on the recovered project")
        return project.project_id, project_state(project, cache_reset_trigger=args.cache_reset_trigger)

    def read_resource(self, client: DepotClient, id_: str, state: ProjectState) -> ProjectState:
        return project_state(self.session.index(client).read(id_), **_kept(state))

    def update_resource(
        self, client: DepotClient, id_: str, old: ProjectState, new: ProjectArgs, diff: PropertyDiff
    ) -> ProjectState:
        fields = update_fields(new, old, diff)
        project = client.update_project(id_, **fields) if fields else None
        if project is not None:
            self.session.index(client).add(project)  # a rename moves it in the index
        if "cache_reset_trigger" in diff and new.cache_reset_trigger is not None:
            client.reset_project(id_)
            say.info(f"{self.label} {new.name!r} ({id_}): cache reset (cache_reset_trigger changed)")
        if project is None:
            project = client.get_project(id_)
        return project_state(project, **{**_kept(old), "cache_reset_trigger": new.cache_reset_trigger})

    def delete_resource(self, client: DepotClient, id_: str, state: ProjectState) -> None:
        self._delete(client, id_)

    def _adopt(self, client: DepotClient, args: ProjectArgs) -> tuple[str, ProjectState]:
        assert args.import_id is not None
        try:
            project = client.get_project(args.import_id)
        except NotFound:
            raise DepotResourceError(
                f"import_id {args.import_id!r}: no project with this id in the token's organization; check the id "
                "(`depot projects list`) or remove import_id to create a new project"
            ) from None
        if args.organization_id and project.organization_id != args.organization_id:
            raise DepotResourceError(
                f"import_id {args.import_id!r} belongs to organization {project.organization_id!r}, "
                f"not the declared organization_id {args.organization_id!r}"
            )
        project, changes = self._apply_declared(client, project, args)
        say.info(
            f"{self.label} {args.name!r}: adopted project {project.project_id}"
            + (f"; changed {', '.join(changes)}" if changes else " with no changes")
        )
        state = project_state(
            project, cache_reset_trigger=args.cache_reset_trigger, import_id=args.import_id, import_changes=changes
        )
        return project.project_id, state

    def _apply_declared(
        self, client: DepotClient, project: pb.Project, args: ProjectArgs
    ) -> tuple[pb.Project, list[str]]:
        """Make an existing project (adopted or recovered) what the program declares: (project, what changed)."""
        live = project_state(project)
        diff = diff_inputs(ProjectArgs, live.outputs(), args.declared())
        fields = update_fields(args, live, diff)
        if fields:
            updated = client.update_project(project.project_id, **fields)
            self.session.index(client).add(updated)
            return updated, describe_changes(live, fields)
        return project, []

    def _create_exactly_once(self, client: DepotClient, args: ProjectArgs) -> tuple[pb.Project, bool]:
        """CreateProject, never duplicating a name: (the project, whether it was recovered rather than created).

        A project with the declared name and region that already exists is recovered when it provably came from
        this resource's interrupted create (create journal), and refused otherwise. After an ambiguous failure, a
        project with the name and region that was not there before and was created after the call began is ours;
        extra ones (several attempts that all committed) are deleted.
        """
        label = f"{self.label} {args.name!r}"
        index = self.session.index(client)
        claim: Claim[pb.Project] = Claim(
            owner=self.owner,
            kind="project",
            identity={"name": args.name, "region": args.region, "organization_id": args.organization_id or ""},
            label=label,
            same=f"named {args.name!r} in {args.region}",
            id_of=lambda project: project.project_id,
            remove=lambda project: self._delete(client, project.project_id),
            created_at=lambda project: project.created_at.ToDatetime(tzinfo=UTC),
            adopt=self.adopt_fix,
            journal=self.session.journal,
        )
        with index.reserve(args.name, args.region, label):
            existing = index.existing(args.name, args.region, args.organization_id)
            recovered = recover_or_refuse(claim, existing)
            if recovered is not None:
                return recovered, True
            before = {project.project_id for project in existing}
            claim.begin(before)
            started = datetime.now(UTC) - CLOCK_SKEW

            def appeared() -> list[pb.Project]:
                # A fresh listing, not the index: the index cannot know what the failed call did. Listing by region
                # only narrows what is read (a server that ignores the filter is fine: the region is checked here).
                return sorted(
                    (
                        p
                        for p in client.list_projects(region_id=args.region)
                        if p.name == args.name
                        and p.region_id == args.region
                        and args.organization_id in (None, p.organization_id)
                        and p.project_id not in before
                        and p.created_at.ToDatetime(tzinfo=UTC) >= started
                    ),
                    key=lambda p: p.created_at.ToNanoseconds(),
                )

            project = create_exactly_once(
                lambda: client.create_project(args.name, args.region, **create_request(args)),
                appeared=appeared,
                remove=lambda project: self._delete(client, project.project_id),
                name_of=lambda project: f"project {project.project_id}",
                label=label,
            )
            claim.answered(project.project_id)
            index.add(project)
            return project, False

    def find(self, client: DepotClient, id_: str) -> Found | None:
        try:
            project = ProjectInfo.from_message(client.get_project(id_))
        except NotFound:
            return None
        inputs = live_inputs(project)
        outputs = ProjectState.of(project).outputs()
        return id_, {**outputs, DECLARED_INPUTS: declared_paths(ProjectArgs, inputs)}, inputs

    def _delete(self, client: DepotClient, project_id: str) -> None:
        client.delete_project(project_id)
        self.session.index(client).forget(project_id)


def create_request(args: ProjectArgs) -> dict[str, Any]:
    """CreateProject's optional fields: what was declared, with Depot's defaults for undeclared cache fields."""
    policy = args.cache_policy
    return {
        "organization_id": args.organization_id,
        "hardware": pb.Hardware.Value(args.hardware) if args.hardware else None,
        "cache_policy": pb.CachePolicy(
            keep_gb=policy.keep_gb or DEFAULT_KEEP_GB,
            keep_days=DEFAULT_KEEP_DAYS if policy.keep_days is None else policy.keep_days,
        )
        if policy
        else None,
    }


def _kept(state: ProjectState) -> dict[str, Any]:
    """What Depot does not hold and a read must carry over."""
    return {
        "cache_reset_trigger": state.cache_reset_trigger,
        "import_id": state.import_id,
        "import_changes": state.import_changes,
    }


def __getattr__(name: str) -> Any:
    """ProjectProvider, the dynamic provider class users' state names, made by the dynamic front end (PEP 562)."""
    return stored_provider(__name__, name)
